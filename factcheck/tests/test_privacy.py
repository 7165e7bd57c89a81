"""UU 27/2022: a reporter's hoax reports are part of their data export and go with their erasure."""

from audit.services import REDACTED
from factcheck import services
from factcheck.models import Claim, Report
from members import selectors as member_selectors
from members import services as member_services


def test_a_reporters_reports_are_exported_and_erased_with_them(madiun, admin, make_member):
    member = make_member(madiun, "Bu Ani", whatsapp="081230000055")
    services.submit_report(office=madiun, source=Report.Source.STAFF, reporter=member,
                           text="Pesan berantai: KPU Madiun menunda pemungutan suara", url="https://contoh.id/x")
    exported = member_selectors.member_personal_data(member)
    [report] = exported["hoax_reports"]
    assert report["text"].startswith("Pesan berantai") and report["url"] == "https://contoh.id/x"

    member_services.erase_member(actor=admin, member=member, reason="permintaan tertulis 1 Desember")
    erased = Report.objects.get()
    assert erased.reporter is None and erased.text == REDACTED and erased.url == "" and erased.reporter_name == ""
    assert Claim.objects.get().report_count == 1   # the forum still knows the hoax was reported
