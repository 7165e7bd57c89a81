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


def test_erasure_reaches_portal_reports_from_their_address_the_audit_log_and_a_claim_in_their_words(
        madiun, admin, make_member):
    from audit.models import AuditEntry

    member = make_member(madiun, "Pak Budi", whatsapp="081230000066")
    report = services.submit_report(office=madiun, source=Report.Source.PORTAL, text="Pesan Pak Budi: TPS 9 pindah",
                                    notify_address="whatsapp:+6281230000066")
    exported = member_selectors.member_personal_data(member)
    assert [r["tracking_number"] for r in exported["hoax_reports"]] == [report.tracking_number]
    member_services.erase_member(actor=admin, member=member, reason="permintaan tertulis")
    report.refresh_from_db()
    assert report.text == REDACTED and report.notify_address == ""
    assert Claim.objects.get().summary == REDACTED
    received = AuditEntry.objects.get(action="factcheck.report_received")
    assert received.after is None and "TPS 9" not in str(AuditEntry.objects.values_list("after", flat=True))


def test_erasing_a_later_reporter_keeps_the_claim_summary_someone_else_wrote(madiun, admin, make_member):
    first = make_member(madiun, "Pelapor Pertama", whatsapp="081230000077")
    later = make_member(madiun, "Pelapor Kedua", whatsapp="081230000088")
    text = "KPU menunda pemungutan suara di Madiun sampai bulan depan"
    services.submit_report(office=madiun, source=Report.Source.STAFF, reporter=first, text=text)
    services.submit_report(office=madiun, source=Report.Source.STAFF, reporter=later, text=text)
    member_services.erase_member(actor=admin, member=later, reason="permintaan tertulis")
    assert Claim.objects.get().summary == text
