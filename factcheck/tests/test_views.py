"""Staff pages of cek fakta: each with a user allowed and one forbidden; another office's claims are 404."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEntry
from factcheck import selectors, services
from factcheck.models import Claim, Clarification, Notice, Report, Verdict

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "external"


@pytest.fixture
def claim(madiun):
    services.submit_report(office=madiun, source=Report.Source.STAFF,
                           text="KPU akan mencoblos ulang semua surat suara pilpres di seluruh TPS")
    services.submit_report(office=madiun, source=Report.Source.STAFF, frequently_forwarded=True,
                           text="kpu bakal coblos ulang surat suara pilpres di semua tps, sebarkan")
    return Claim.objects.get()


def test_the_queue_ranks_claims_and_hides_other_offices(claim, madiun, kab_madiun, jatim, make_staff, client_for):
    services.submit_report(office=kab_madiun, source=Report.Source.STAFF, text="Rahasia kabupaten: kotak suara hilang")
    page = client_for(make_staff(madiun, Role.VIEWER)).get(reverse("factcheck:queue"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "mencoblos ulang" in body and "kotak suara hilang" not in body
    province = client_for(make_staff(jatim, Role.VIEWER)).get(reverse("factcheck:queue")).content.decode()
    assert "kotak suara hilang" in province and "mencoblos ulang" in province   # the province reads below it


def test_a_claim_of_another_office_is_404_and_a_higher_office_reads_but_cannot_write(claim, kab_madiun, jatim,
                                                                                    make_staff, client_for):
    url = reverse("factcheck:claim", args=[claim.pk])
    assert client_for(make_staff(kab_madiun, Role.ADMIN)).get(url).status_code == 404
    province = client_for(make_staff(jatim, Role.VERIFIER))
    page = province.get(url)
    assert page.status_code == 200 and "Saya verifikasi" not in page.content.decode()
    assert province.post(reverse("factcheck:claim_assign", args=[claim.pk]), {"assignee": "me"}).status_code == 403


def test_a_verifier_takes_writes_and_a_second_person_publishes(claim, madiun, verifier, editor, make_staff,
                                                               client_for, django_capture_on_commit_callbacks):
    viewer = client_for(make_staff(madiun, Role.VIEWER))
    assert viewer.post(reverse("factcheck:claim_assign", args=[claim.pk]), {"assignee": "me"}).status_code == 403
    client = client_for(verifier)
    client.post(reverse("factcheck:claim_assign", args=[claim.pk]), {"assignee": "me"})
    claim.refresh_from_db()
    assert claim.assigned_to == verifier and claim.status == Claim.Status.VERIFYING
    page = client.get(reverse("factcheck:claim", args=[claim.pk])).content.decode()
    assert "diteruskan berkali-kali" in page and "CEK-" in page

    empty = client.post(reverse("factcheck:clarification_create", args=[claim.pk]), {"claim_reviewed": "x"})
    assert "has-error" in empty.content.decode() and not Clarification.objects.exists()
    response = client.post(reverse("factcheck:clarification_create", args=[claim.pk]), {
        "claim_reviewed": "KPU mencoblos ulang semua surat suara", "verdict": Verdict.FALSE,
        "summary": "Tidak ada pencoblosan ulang nasional.", "body": "Surat suara **tidak** dicoblos ulang.",
        "evidence": "https://kpu.go.id/berita\n"})
    clarification = Clarification.objects.get()
    assert response.status_code == 302
    client.post(reverse("factcheck:clarification_submit", args=[clarification.pk]))
    assert client.post(reverse("factcheck:clarification_publish", args=[clarification.pk])).status_code == 403
    # The reviewer reads it as it will look, and reviews it rather than editing it.
    review = client_for(editor).get(reverse("factcheck:clarification", args=[clarification.pk])).text
    assert "<strong>tidak</strong>" in review and "**tidak**" not in review
    assert reverse("factcheck:clarification_publish", args=[clarification.pk]) in review
    assert 'name="claim_reviewed"' not in review
    with django_capture_on_commit_callbacks(execute=True):
        client_for(editor).post(reverse("factcheck:clarification_publish", args=[clarification.pk]))
    clarification.refresh_from_db()
    assert clarification.status == Clarification.Status.PUBLISHED and clarification.approved_by == editor
    assert AuditEntry.objects.filter(action="factcheck.clarification_published", actor=editor).exists()
    detail = client_for(editor).get(reverse("factcheck:clarification", args=[clarification.pk])).content.decode()
    assert "Siarkan ke seluruh forum" in detail
    response = client_for(editor).post(reverse("factcheck:clarification_broadcast", args=[clarification.pk]))
    assert response.status_code == 302 and "/staf/siaran/" in response["Location"]


def test_bulk_triage_needs_the_verify_capability(claim, madiun, verifier, operator, client_for):
    other = services.submit_report(office=madiun, source=Report.Source.STAFF, text="Hadiah pulsa gratis klik ini").claim
    url = reverse("factcheck:bulk")
    assert client_for(operator).post(url, {"claims": [claim.pk, other.pk], "action": "dismiss"}).status_code == 403
    client_for(verifier).post(url, {"claims": [other.pk], "action": "dismiss"})
    other.refresh_from_db()
    assert other.resolution == Claim.Resolution.SPAM
    response = client_for(verifier).post(url, {"claims": [claim.pk], "action": "merge"}, follow=True)
    assert "Pilih dua klaim atau lebih" in response.content.decode()


def test_staff_log_a_report_and_bad_screenshots_are_refused_on_the_form(madiun, operator, make_staff, client_for):
    url = reverse("factcheck:report_create")
    assert client_for(make_staff(madiun, Role.VIEWER)).get(url).status_code == 403
    client = client_for(operator)
    response = client.post(url, {"text": "", "url": ""})
    assert "Laporan kosong" in response.content.decode()
    response = client.post(url, {"text": "lihat", "media": SimpleUploadedFile("a.png", b"%PDF-1.4 bukan gambar")})
    assert "Berkas bukan gambar" in response.content.decode() and not Report.objects.exists()
    response = client.post(url, {"text": "Surat suara tercoblos ditemukan di rumah kades"})
    assert response.status_code == 302 and Report.objects.get().created_by == operator


def test_trending_shows_the_last_day(claim, madiun, make_staff, client_for):
    page = client_for(make_staff(madiun, Role.VIEWER)).get(reverse("factcheck:trending")).content.decode()
    assert "mencoblos ulang" in page and "<svg" in page


def test_importing_external_fact_checks_is_for_approvers_and_names_problems(madiun, editor, operator, client_for):
    url = reverse("factcheck:import")
    assert client_for(operator).get(url).status_code == 403
    data = (FIXTURES / "broken.json").read_bytes()
    page = client_for(editor).post(url, {"file": SimpleUploadedFile("broken.json", data)}).content.decode()
    assert "Butir 2, kolom claimReviewed" in page
    good = (FIXTURES / "google_claims.json").read_bytes()
    client_for(editor).post(url, {"file": SimpleUploadedFile("google.json", good)})
    imported = Clarification.objects.exclude(external_url="")
    assert imported.exists() and all(c.external_publisher and c.status == "pending" and c.author == editor
                                     and c.approved_by is None for c in imported)
    again = client_for(editor).post(url, {"file": SimpleUploadedFile("google.json", good)}).content.decode()
    assert "0 cek fakta diimpor" in again
    json.loads(good)   # the fixture stays valid JSON


def test_settings_are_for_the_office_admin(madiun, admin, editor, client_for):
    url = reverse("factcheck:settings")
    assert client_for(editor).get(url).status_code == 403
    response = client_for(admin).post(url, {"suggest_percent": 60, "auto_percent": 20})
    assert "tidak boleh di bawah" in response.content.decode()
    client_for(admin).post(url, {"suggest_percent": 20, "auto_percent": 60})
    assert madiun.factcheck_settings.auto_percent == 60


def test_one_click_from_an_inbox_message_makes_a_report(madiun, operator, wa_channel, post_webhook, kab_madiun,
                                                        make_staff, client_for):
    from inbox.models import Message
    from inbox.tests.conftest import whatsapp_body

    post_webhook(wa_channel, whatsapp_body(text="Benarkah TPS 5 Kartoharjo dipindah ke masjid?"))
    message = Message.objects.get(direction="in")
    url = reverse("factcheck:report_from_message", args=[message.pk])
    assert client_for(make_staff(kab_madiun, Role.OPERATOR)).post(url).status_code == 404
    response = client_for(operator).post(url)
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.source == Report.Source.INBOX and report.conversation == message.conversation


def test_odd_ids_in_forms_never_give_a_500(claim, verifier, client_for):
    client = client_for(verifier)
    assert client.post(reverse("factcheck:claim_assign", args=[claim.pk]), {"assignee": "abc"}).status_code == 302
    assert client.post(reverse("factcheck:claim_answer", args=[claim.pk]), {"clarification": "abc"}).status_code == 404
    response = client.post(reverse("factcheck:bulk"), {"claims": ["²", "x"], "action": "assign", "assignee": "x"})
    assert response.status_code == 302


def test_a_higher_office_reads_a_lower_offices_draft_but_cannot_edit_it(claim, madiun, jatim, verifier, make_staff,
                                                                      client_for):
    draft = services.save_clarification(actor=verifier, office=madiun, claim=claim, claim_reviewed="Klaim uji",
                                        verdict=Verdict.FALSE, summary="Tidak benar.")
    province = client_for(make_staff(jatim, Role.EDITOR))
    assert province.get(reverse("factcheck:clarification", args=[draft.pk])).status_code == 200
    response = province.post(reverse("factcheck:clarification_edit", args=[draft.pk]), {
        "claim_reviewed": "Diubah provinsi", "verdict": Verdict.TRUE, "summary": "x"})
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.claim_reviewed == "Klaim uji"


def test_staff_can_open_the_national_clarification_that_answered_their_report(madiun, ri, make_staff, client_for):
    national = Clarification.objects.create(office=ri, slug="nasional", claim_reviewed="Klaim nasional",
                                            verdict=Verdict.FALSE, summary="Tidak benar.", status="published")
    draft = Clarification.objects.create(office=ri, slug="draf-nasional", claim_reviewed="Draf nasional",
                                         verdict=Verdict.FALSE, summary="Belum.", status="draft")
    client = client_for(make_staff(madiun, Role.VIEWER))
    assert client.get(reverse("factcheck:clarification", args=[national.pk])).status_code == 200
    assert client.get(reverse("factcheck:clarification", args=[draft.pk])).status_code == 404


# Two people for every change of what is published ------------------------------------------------------------

def _published_with_reporter(madiun, publish, **report):
    services.submit_report(office=madiun, source=Report.Source.STAFF, notify_address="mailto:pelapor@contoh.id",
                           text="KPU akan mencoblos ulang semua surat suara pilpres di seluruh TPS", **report)
    return publish(claim=Claim.objects.get(), claim_reviewed="KPU mencoblos ulang semua surat suara pilpres")


def _public_page(client, clarification) -> str:
    client.logout()
    return client.get(f"/{clarification.office.slug}/cek-fakta/{clarification.slug}/").content.decode()


def test_a_verdict_flip_is_proposed_and_reaches_the_public_and_reporters_only_after_a_second_person(
        madiun, verifier, editor, admin, publish, outbox, make_staff, client, client_for,
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        clarification = _published_with_reporter(madiun, publish)
    assert list(Notice.objects.values_list("kind", "status")) == [(Notice.Kind.ANSWER, Notice.Status.QUEUED)]
    assert "Hoaks/Salah" in _public_page(client, clarification)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(editor).post(reverse("factcheck:clarification_correct", args=[clarification.pk]), {
            "note": "Ternyata benar ada pencoblosan ulang.", "claim_reviewed": clarification.claim_reviewed,
            "verdict": Verdict.TRUE, "summary": "Pencoblosan ulang memang dijadwalkan."}, follow=True)
    assert "Koreksi diajukan" in response.content.decode()
    clarification.refresh_from_db()
    assert clarification.verdict == Verdict.FALSE and clarification.revision == 1
    assert not Notice.objects.filter(kind=Notice.Kind.CORRECTION).exists()
    public = _public_page(client, clarification)
    assert "Hoaks/Salah" in public and "Pencoblosan ulang memang dijadwalkan" not in public

    # The proposer sees the old -> new verdict and no approve button; posting anyway is refused.
    detail = reverse("factcheck:clarification", args=[clarification.pk])
    approve = reverse("factcheck:clarification_change_approve", args=[clarification.pk])
    page = client_for(editor).get(detail).content.decode()
    assert "Koreksi menunggu persetujuan" in page and "prinsip empat mata" in page and approve not in page
    assert '<td class="change-old">Hoaks/Salah</td><td class="change-new">Benar</td>' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(editor).post(approve, follow=True)
    assert "staf lain" in response.content.decode()
    clarification.refresh_from_db()
    assert clarification.verdict == Verdict.FALSE
    assert not Notice.objects.filter(kind=Notice.Kind.CORRECTION).exists()

    assert approve in client_for(admin).get(detail).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin).post(approve)
    clarification.refresh_from_db()
    assert clarification.verdict == Verdict.TRUE and clarification.revision == 2
    assert Notice.objects.filter(kind=Notice.Kind.CORRECTION).count() == 1
    public = _public_page(client, clarification)
    assert "Pencoblosan ulang memang dijadwalkan" in public and "Ternyata benar ada pencoblosan ulang" in public
    # Approving again does nothing more: nobody is told twice.
    with django_capture_on_commit_callbacks(execute=True):
        client_for(make_staff(madiun, Role.EDITOR)).post(approve)
    assert Notice.objects.filter(kind=Notice.Kind.CORRECTION).count() == 1


def test_a_withdrawal_is_requested_and_takes_effect_only_when_a_second_person_approves(
        madiun, verifier, editor, admin, publish, outbox, client, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        clarification = _published_with_reporter(madiun, publish)
    report = Report.objects.get()
    withdraw = reverse("factcheck:clarification_withdraw", args=[clarification.pk])
    detail = reverse("factcheck:clarification", args=[clarification.pk])
    assert 'data-confirm="Ajukan penarikan klarifikasi ini?' in client_for(verifier).get(detail).text
    with django_capture_on_commit_callbacks(execute=True):
        client_for(verifier).post(withdraw, {"reason": "Putusan diperiksa ulang."})
    page = client_for(editor).get(detail).text
    assert 'data-confirm="Setujui penarikan klarifikasi ini?' in page
    assert "mengusulkan penarikan klarifikasi «" in page and "factcheck.withdrawal_proposed" not in page
    clarification.refresh_from_db()
    report.refresh_from_db()
    assert clarification.status == Clarification.Status.PUBLISHED and report.status == Report.Status.ANSWERED
    assert "ditarik" not in _public_page(client, clarification).lower()
    assert not Notice.objects.filter(kind=Notice.Kind.WITHDRAWAL).exists()
    assert AuditEntry.objects.filter(action="factcheck.withdrawal_proposed", actor=verifier).exists()

    # A second person may also reject it, with a reason; then it can be requested again.
    reject = reverse("factcheck:clarification_change_reject", args=[clarification.pk])
    response = client_for(editor).post(reject, {"reason": ""}, follow=True)
    assert "alasan penolakan" in response.content.decode()
    client_for(editor).post(reject, {"reason": "Putusan sudah benar."})
    assert selectors.pending_change(clarification) is None
    assert AuditEntry.objects.filter(action="factcheck.change_rejected", actor=editor).exists()
    client_for(verifier).post(withdraw, {"reason": "Putusan diperiksa ulang."})

    with django_capture_on_commit_callbacks(execute=True):
        client_for(editor).post(reverse("factcheck:clarification_change_approve", args=[clarification.pk]))
    clarification.refresh_from_db()
    report.refresh_from_db()
    assert clarification.status == Clarification.Status.WITHDRAWN and report.status == Report.Status.QUEUED
    assert Notice.objects.filter(kind=Notice.Kind.WITHDRAWAL).count() == 1
    assert "Putusan diperiksa ulang." in _public_page(client, clarification)


def test_an_imported_fact_check_is_neither_public_nor_matching_until_a_second_person_approves(
        madiun, editor, admin, client, client_for, django_capture_on_commit_callbacks):
    good = (FIXTURES / "google_claims.json").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(editor).post(reverse("factcheck:import"), {"file": SimpleUploadedFile("google.json", good)})
    imported = Clarification.objects.exclude(external_url="").order_by("pk").first()
    assert imported.status == Clarification.Status.PENDING and imported.author == imported.edited_by == editor
    assert AuditEntry.objects.filter(action="factcheck.clarification_imported", actor=editor).exists()
    client.logout()
    assert client.get(f"/{madiun.slug}/cek-fakta/{imported.slug}/").status_code == 404
    assert imported.claim_reviewed[:40] not in client.get(f"/{madiun.slug}/cek-fakta/").content.decode()
    report = services.submit_report(office=madiun, source=Report.Source.STAFF, text=imported.claim_reviewed)
    assert report.answered_with is None and report.status == Report.Status.QUEUED

    publish = reverse("factcheck:clarification_publish", args=[imported.pk])
    detail = client_for(editor).get(reverse("factcheck:clarification", args=[imported.pk])).content.decode()
    assert publish not in detail
    client_for(editor).post(publish)
    imported.refresh_from_db()
    assert imported.status == Clarification.Status.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin).post(publish)
    imported.refresh_from_db()
    assert imported.status == Clarification.Status.PUBLISHED and imported.approved_by == admin
    client.logout()
    assert client.get(f"/{madiun.slug}/cek-fakta/{imported.slug}/").status_code == 200
    again = services.submit_report(office=madiun, source=Report.Source.STAFF, text=imported.claim_reviewed)
    assert again.answered_with == imported


@pytest.mark.parametrize("view", ["clarification_change_approve", "clarification_change_reject"])
def test_deciding_a_pending_change_is_for_approvers_of_the_office(view, madiun, kab_madiun, jatim, verifier, editor,
                                                                 admin, publish, make_staff, client_for):
    clarification = publish(claim_reviewed="KPU mencoblos ulang semua surat suara pilpres")
    services.propose_withdrawal(actor=verifier, clarification=clarification, reason="Diperiksa ulang.")
    url = reverse(f"factcheck:{view}", args=[clarification.pk])
    data = {"reason": "Tidak perlu."}
    assert client_for(make_staff(kab_madiun, Role.ADMIN)).post(url, data).status_code == 404
    assert client_for(make_staff(madiun, Role.VIEWER)).post(url, data).status_code == 403
    assert client_for(verifier).post(url, data).status_code == 403
    assert client_for(make_staff(jatim, Role.ADMIN)).post(url, data).status_code == 403
    assert client_for(make_staff(madiun, Role.ADMIN)).get(url).status_code == 405
    assert selectors.pending_change(clarification) is not None
    assert client_for(admin).post(url, data).status_code == 302
    assert selectors.pending_change(clarification) is None


@pytest.mark.parametrize("view", ["clarification_correct", "clarification_withdraw"])
def test_proposing_a_change_is_for_verifiers_of_the_office(view, madiun, kab_madiun, operator, publish, make_staff,
                                                          client_for):
    clarification = publish(claim_reviewed="KPU mencoblos ulang semua surat suara pilpres")
    url = reverse(f"factcheck:{view}", args=[clarification.pk])
    data = {"reason": "Diperiksa ulang.", "note": "Koreksi.", "claim_reviewed": clarification.claim_reviewed,
            "verdict": Verdict.MISLEADING, "summary": "Sebagian benar."}
    assert client_for(make_staff(kab_madiun, Role.ADMIN)).post(url, data).status_code == 404
    assert client_for(make_staff(madiun, Role.VIEWER)).post(url, data).status_code == 403
    assert client_for(operator).post(url, data).status_code == 403
    assert selectors.pending_change(clarification) is None
    assert client_for(make_staff(madiun, Role.VERIFIER)).post(url, data).status_code == 302
    assert selectors.pending_change(clarification) is not None


def test_a_merged_claim_counts_no_reports_and_points_to_where_they_went(madiun, verifier, client_for):
    first = services.submit_report(office=madiun, source=Report.Source.STAFF,
                                   text="Surat suara tercoblos ditemukan di rumah kepala desa").claim
    second = services.submit_report(office=madiun, source=Report.Source.STAFF,
                                    text="Ada pemilih siluman 2 juta di DPT Jawa Timur").claim
    target = services.merge_claims(actor=verifier, office=madiun, claim_ids=[first.pk, second.pk])
    merged = first if target.pk == second.pk else second
    merged.refresh_from_db()
    assert merged.report_count == 0
    page = client_for(verifier).get(reverse("factcheck:claim", args=[merged.pk])).text
    assert "0 laporan" in page and "1 laporan" not in page
    assert f"klaim #{target.pk}" in page
