"""Reports in, claims grouped, clarifications written, approved, published, corrected and withdrawn; every reporter
told exactly once on the channel they used."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from accounts.models import Role
from audit.models import AuditEntry
from broadcasts.models import Delivery
from factcheck import services
from factcheck.models import Claim, Notice, Report, Verdict
from inbox.models import Conversation, Message
from inbox.tests.conftest import whatsapp_body

# Notices, refiling and fetched pictures are queued when a transaction commits, as in production: a test that
# checks them runs the step under django_capture_on_commit_callbacks(execute=True).
pytestmark = pytest.mark.django_db

CHAIN = ("Assalamualaikum, info penting!! KPU akan mencoblos ulang semua surat suara pilpres di seluruh TPS "
         "karena banyak kecurangan. Sebarkan ke grup keluarga!!")
CLAIM = "KPU akan melakukan pencoblosan ulang seluruh surat suara pilpres di semua TPS"


def staff_report(office, text: str = "", **extra) -> Report:
    return services.submit_report(office=office, source=Report.Source.STAFF, text=text, **extra)


def screenshot(seed: int = 1, fmt: str = "PNG") -> SimpleUploadedFile:
    image = Image.new("RGB", (360, 640), "white")
    draw = ImageDraw.Draw(image)
    for i in range(12):
        draw.rectangle([20, 20 + i * 50, 40 + (i * seed * 37) % 300, 50 + i * 50], fill=(i * 20, 40, 90))
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return SimpleUploadedFile(f"layar.{fmt.lower()}", buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def test_it_groups_the_same_chain_message_into_one_claim_ranked_by_reports(madiun):
    first = staff_report(madiun, CHAIN)
    respaced = staff_report(madiun, CHAIN.upper().replace(" ", "  ") + " 🙏")
    paraphrase = staff_report(madiun, "benarkah kpu mau coblos ulang surat suara pilpres di semua tps?")
    other = staff_report(madiun, "Kotak suara di gudang KPU Madiun dibakar tadi malam")
    assert first.status == Report.Status.QUEUED and first.tracking_number.startswith("CEK-")
    assert first.claim == respaced.claim == paraphrase.claim != other.claim
    claim = Claim.objects.get(pk=first.claim_id)
    assert claim.report_count == 3 and claim.status == Claim.Status.NEW
    assert respaced.match_score == 100   # the same words: found by fingerprint
    assert AuditEntry.objects.filter(action="factcheck.report_received").count() == 4


@pytest.mark.parametrize(("text", "url", "field"), [
    ("", "", "text"),
    ("   \n ", "", "text"),
    ("x" * 4097, "", "text"),
    ("", "javascript:alert(1)", "url"),
    ("", "bukan tautan", "url"),
])
def test_it_refuses_a_report_it_cannot_use_with_a_clear_error(madiun, text, url, field):
    with pytest.raises(ValidationError) as caught:
        staff_report(madiun, text, url=url)
    assert field in caught.value.message_dict
    assert not Report.objects.exists()


def test_short_emoji_long_and_link_only_reports_are_kept_and_queued(madiun, publish):
    publish(madiun, claim_reviewed=CLAIM)
    one_word = staff_report(madiun, "coblos")
    emoji = staff_report(madiun, "😡😡😡🙏🇮🇩")
    long = staff_report(madiun, ((CHAIN + " ") * 27)[:4096])
    link = staff_report(madiun, url="https://www.example.com/berita/pemilu-ulang?utm_source=wa&fbclid=x1")
    same_link = staff_report(madiun, url="http://example.com/berita/pemilu-ulang/?utm_medium=grup")
    for report in (one_word, emoji, link):
        assert report.status == Report.Status.QUEUED and report.claim_id
    assert one_word.answered_with is None   # too few words to answer anyone automatically
    assert len(long.text) == 4096 and long.status == Report.Status.ANSWERED   # the same claim, however long
    assert same_link.claim_id == link.claim_id   # tracking parameters and scheme do not split a claim


def test_a_screenshot_is_hashed_and_the_same_picture_joins_its_claim(madiun):
    first = staff_report(madiun, media=screenshot(1))
    again = staff_report(madiun, media=screenshot(1, "JPEG"))
    different = staff_report(madiun, media=screenshot(5))
    assert len(first.image_hash) == 16 and first.media.name.startswith("cekfakta/")
    assert again.claim_id == first.claim_id != different.claim_id


def test_a_screenshot_that_is_not_an_image_is_refused_on_its_field(madiun):
    fake = SimpleUploadedFile("layar.png", b"%PDF-1.4\n1 0 obj<<>>endobj\n", content_type="image/png")
    with pytest.raises(ValidationError) as caught:
        staff_report(madiun, "lihat gambar ini", media=fake)
    assert "media" in caught.value.message_dict
    assert not Report.objects.exists()


def test_a_report_matching_a_published_clarification_is_answered_at_once(madiun, ri, make_staff, publish):
    ri_verifier, ri_editor = make_staff(ri, Role.VERIFIER), make_staff(ri, Role.EDITOR)
    national = publish(claim_reviewed=CLAIM, author=ri_verifier, approver=ri_editor)
    report = staff_report(madiun, CHAIN)
    assert report.status == Report.Status.ANSWERED and report.answered_with == national
    assert report.match_score >= 40 and report.claim_id is None
    assert report.suggestions[0]["id"] == national.pk and "coblos" in report.suggestions[0]["reasons"]


def test_a_lower_offices_clarification_never_answers_a_higher_office(madiun, jatim, make_staff, publish):
    publish(madiun, claim_reviewed=CLAIM)
    report = staff_report(jatim, CHAIN)
    assert report.status == Report.Status.QUEUED and report.suggestions == []


def test_office_thresholds_decide_between_suggesting_and_answering(madiun, admin, publish):
    clarification = publish(madiun, claim_reviewed=CLAIM)
    services.update_settings(actor=admin, office=madiun, suggest_percent=20, auto_percent=100)
    report = staff_report(madiun, "kpu coblos ulang surat suara di tps madiun besok pagi")
    assert report.status == Report.Status.QUEUED
    assert report.suggestions[0]["id"] == clarification.pk and report.suggestions[0]["percent"] >= 20
    with pytest.raises(ValidationError) as caught:
        services.update_settings(actor=admin, office=madiun, suggest_percent=90, auto_percent=50)
    assert "auto_percent" in caught.value.message_dict


def test_publishing_needs_a_second_person_and_tells_every_reporter_once(madiun, verifier, editor, wa_channel,
                                                                        post_webhook, fake_wa,
                                                                        django_capture_on_commit_callbacks):
    for i in range(5):
        post_webhook(wa_channel, whatsapp_body(text=f"CEK {CHAIN}", sender=f"+62812300000{i:02d}",
                                               message_id=f"wamid.CEK{i}"))
    post_webhook(wa_channel, whatsapp_body(text=f"cek fakta: {CHAIN}", sender="+6281230000000",
                                           message_id="wamid.CEKLAGI"))   # the same person twice
    claim = Claim.objects.get()
    assert claim.report_count == 6 and Report.objects.filter(source=Report.Source.KEYWORD).count() == 6
    acknowledged = Delivery.objects.filter(text__contains="laporan Anda kami terima").count()
    assert acknowledged == 6

    clarification = services.save_clarification(actor=verifier, office=madiun, claim=claim,
                                                claim_reviewed=CLAIM, verdict=Verdict.FALSE,
                                                summary="Tidak ada pencoblosan ulang nasional.")
    with pytest.raises(ValidationError):
        services.publish_clarification(actor=editor, clarification=clarification)   # not submitted yet
    services.submit_clarification(actor=verifier, clarification=clarification)
    with pytest.raises(PermissionDenied):
        services.publish_clarification(actor=verifier, clarification=clarification)  # no factcheck.approve
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_clarification(actor=editor, clarification=clarification)

    notices = Notice.objects.filter(clarification=clarification, kind=Notice.Kind.ANSWER)
    assert notices.count() == 5 and set(notices.values_list("status", flat=True)) == {Notice.Status.QUEUED}
    answers = Delivery.objects.filter(text__startswith="Hasil cek fakta")
    assert answers.count() == 5 and "HOAKS/SALAH" in answers.first().text
    assert services.notify(clarification_id=clarification.pk, kind=Notice.Kind.ANSWER) == 0   # a rerun adds none
    assert Report.objects.filter(status=Report.Status.ANSWERED).count() == 6
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DONE and claim.resolution == Claim.Resolution.CLARIFIED
    answered = Conversation.objects.get(member__addresses__value="+6281230000000")
    assert answered.messages.filter(direction=Message.Direction.OUTBOUND, text__startswith="Hasil cek fakta").exists()


def test_an_author_cannot_approve_their_own_clarification(madiun, editor):
    clarification = services.save_clarification(actor=editor, office=madiun, claim_reviewed=CLAIM,
                                                verdict=Verdict.FALSE, summary="Tidak benar.")
    services.submit_clarification(actor=editor, clarification=clarification)
    with pytest.raises(ValidationError, match="staf lain"):
        services.publish_clarification(actor=editor, clarification=clarification)


def test_a_published_clarification_changes_only_by_a_visible_correction_that_reaches_reporters(
        madiun, editor, admin, publish, outbox, django_capture_on_commit_callbacks):
    staff_report(madiun, "kpu bakal coblos ulang surat suara pilpres seluruh tps", notify_address="mailto:a@b.id")
    claim = Claim.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        clarification = publish(claim=claim, claim_reviewed=CLAIM)
    with pytest.raises(ValidationError, match="koreksi"):
        services.save_clarification(actor=editor, office=madiun, clarification=clarification, claim_reviewed=CLAIM,
                                    verdict=Verdict.TRUE, summary="x")
    with pytest.raises(ValidationError) as caught:
        services.propose_correction(actor=admin, clarification=clarification, note="", claim_reviewed=CLAIM,
                                    verdict=Verdict.MISLEADING, summary="Sebagian benar.")
    assert "note" in caught.value.message_dict
    change = services.propose_correction(actor=admin, clarification=clarification, note="Ada PSU di 3 TPS.",
                                         claim_reviewed=CLAIM, verdict=Verdict.MISLEADING,
                                         summary="PSU hanya di TPS tertentu.")
    # Proposed, not yet applied: same verdict, nobody told again, and the proposer cannot approve it.
    clarification.refresh_from_db()
    assert clarification.revision == 1 and clarification.verdict == Verdict.FALSE
    assert list(Notice.objects.values_list("kind", flat=True)) == [Notice.Kind.ANSWER]
    with pytest.raises(ValidationError, match="staf lain"):
        services.approve_change(actor=admin, clarification=clarification)
    with pytest.raises(ValidationError, match="menunggu persetujuan"):
        services.propose_withdrawal(actor=admin, clarification=clarification, reason="Sekalian tarik.")
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_change(actor=editor, clarification=clarification)
    clarification.refresh_from_db()
    change.refresh_from_db()
    assert change.status == "approved" and change.decided_by == editor
    assert clarification.revision == 2 and clarification.verdict == Verdict.MISLEADING
    correction = clarification.corrections.get()
    assert correction.previous_verdict == Verdict.FALSE and correction.author == admin
    kinds = list(Notice.objects.order_by("pk").values_list("kind", "revision"))
    assert kinds == [(Notice.Kind.ANSWER, 1), (Notice.Kind.CORRECTION, 2)]
    entry = AuditEntry.objects.get(action="factcheck.clarification_corrected")
    assert entry.actor == editor and entry.after["proposed_by"] == admin.pk
    assert AuditEntry.objects.filter(action="factcheck.correction_proposed", actor=admin).exists()


def test_withdrawing_after_reporters_were_told_tells_them_and_puts_their_reports_back(
        madiun, admin, editor, publish, wa_channel, post_webhook, django_capture_on_commit_callbacks):
    clarification = publish(madiun, claim_reviewed=CLAIM)
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(wa_channel, whatsapp_body(text=f"CEK {CHAIN}", message_id="wamid.W1"))
    report = Report.objects.get()
    assert report.status == Report.Status.ANSWERED
    with pytest.raises(ValidationError):
        services.propose_withdrawal(actor=admin, clarification=clarification, reason="  ")
    services.propose_withdrawal(actor=admin, clarification=clarification, reason="Putusan keliru, diperiksa ulang.")
    # Requested, not yet approved: still published, still answering, nobody told.
    clarification.refresh_from_db()
    report.refresh_from_db()
    assert clarification.status == "published" and report.status == Report.Status.ANSWERED
    assert not Notice.objects.filter(kind=Notice.Kind.WITHDRAWAL).exists()
    with pytest.raises(ValidationError, match="staf lain"):
        services.approve_change(actor=admin, clarification=clarification)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_change(actor=editor, clarification=clarification)
    report.refresh_from_db()
    assert report.status == Report.Status.QUEUED and report.claim is not None and report.answered_with is None
    notices = Notice.objects.filter(report=report).order_by("pk")
    assert [n.kind for n in notices] == [Notice.Kind.ANSWER, Notice.Kind.WITHDRAWAL]
    assert Delivery.objects.filter(text__startswith="Klarifikasi ditarik").count() == 1
    assert services.notify(clarification_id=clarification.pk, kind=Notice.Kind.WITHDRAWAL) == 0
    assert staff_report(madiun, CHAIN).status == Report.Status.QUEUED   # no longer answers anyone


def test_bulk_triage_merges_dismisses_and_assigns(madiun, verifier, make_staff):
    a = staff_report(madiun, "Surat suara tercoblos ditemukan di rumah kepala desa").claim
    b = staff_report(madiun, "Ada pemilih siluman 2 juta di DPT Jawa Timur").claim
    c = staff_report(madiun, "Beli pulsa dapat hadiah mobil, klik tautan ini").claim
    staff_report(madiun, "Pemilih siluman dua juta orang masuk DPT")
    target = services.merge_claims(actor=verifier, office=madiun, claim_ids=[a.pk, b.pk])
    assert target.report_count == 3 and Report.objects.filter(claim=target).count() == 3
    assert Claim.objects.get(pk=a.pk if target.pk == b.pk else b.pk).resolution == Claim.Resolution.MERGED
    assert services.dismiss_claims(actor=verifier, office=madiun, claim_ids=[c.pk]) == 1
    assert Report.objects.get(claim=c).status == Report.Status.DISMISSED
    other = make_staff(madiun, Role.VERIFIER)
    assert services.assign_claims(actor=verifier, office=madiun, claim_ids=[target.pk], assignee=other) == 1
    target.refresh_from_db()
    assert target.assigned_to == other and target.status == Claim.Status.VERIFYING
    with pytest.raises(ValidationError):
        services.merge_claims(actor=verifier, office=madiun, claim_ids=[target.pk])


def test_a_verifier_of_another_office_can_change_nothing(madiun, kab_madiun, make_staff):
    claim = staff_report(madiun, CHAIN).claim
    stranger = make_staff(kab_madiun, Role.VERIFIER)
    with pytest.raises(PermissionDenied):
        services.assign_claim(actor=stranger, claim=claim, assignee=stranger)
    with pytest.raises(PermissionDenied):
        services.save_clarification(actor=stranger, office=madiun, claim=claim, claim_reviewed=CLAIM,
                                    verdict=Verdict.FALSE, summary="x")
    with pytest.raises(ValidationError):   # another office's claim ids are simply not found in one's own office
        services.dismiss_claims(actor=stranger, office=kab_madiun, claim_ids=[claim.pk])


def test_many_reports_of_one_message_make_one_claim_and_one_answer_per_reporter(
        madiun, publish, outbox, django_capture_on_commit_callbacks):
    reporters = 50   # the invariants hold for any number; each report and notice runs the whole production path
    for i in range(reporters):
        services.submit_report(office=madiun, source=Report.Source.PORTAL, text=CHAIN,
                               notify_address=f"mailto:pelapor{i}@contoh.id", reporter_name=f"Pelapor {i}")
    services.submit_report(office=madiun, source=Report.Source.PORTAL, text=CHAIN,   # one of them, twice
                           notify_address="mailto:pelapor7@contoh.id")
    claim = Claim.objects.get()
    assert claim.report_count == reporters + 1
    with django_capture_on_commit_callbacks(execute=True):
        clarification = publish(claim=claim, claim_reviewed=CLAIM)
    assert Notice.objects.filter(clarification=clarification, status=Notice.Status.QUEUED).count() == reporters
    answers = Delivery.objects.filter(text__startswith="Hasil cek fakta", channel=outbox)
    assert answers.count() == reporters and answers.values("recipient").distinct().count() == reporters
    assert services.notify(clarification_id=clarification.pk, kind=Notice.Kind.ANSWER) == 0
    assert answers.count() == reporters


def test_the_tipline_takes_every_private_message_and_cek_alone_reports_the_message_before(madiun, admin, wa_channel,
                                                                                         post_webhook):
    post_webhook(wa_channel, whatsapp_body(text=CHAIN, message_id="wamid.FWD", sender="+6281230000009"))
    assert not Report.objects.exists()   # a normal number: a question, not a report
    post_webhook(wa_channel, whatsapp_body(text="CEK", message_id="wamid.CEK", sender="+6281230000009"))
    report = Report.objects.get()
    assert report.text == CHAIN and report.source == Report.Source.KEYWORD
    post_webhook(wa_channel, whatsapp_body(text="cek", message_id="wamid.CEK2", sender="+6281239999999"))
    assert Delivery.objects.filter(recipient="+6281239999999", text__contains="teruskan pesannya").exists()

    from channels import services as channel_services

    channel_services.update_channel(actor=admin, channel=wa_channel, expected_version=None, name=wa_channel.name,
                                    config=wa_channel.config, secrets={}, rate_per_second=1000, tipline=True)
    post_webhook(wa_channel, whatsapp_body(text="Info: TPS 12 pindah ke balai desa", message_id="wamid.TIP"))
    assert Report.objects.filter(source=Report.Source.TIPLINE).count() == 1


def test_a_screenshot_sent_with_cek_is_fetched_hashed_and_the_same_picture_joins_its_claim(
        madiun, wa_channel, fake_wa, post_webhook, django_capture_on_commit_callbacks):
    import json

    from inbox.tests.conftest import WEBHOOKS

    fake_wa.media["1003383421387256"] = (screenshot(3).read(), "image/png")

    def send_image(sender: str, message_id: str, caption: str) -> None:
        payload = json.loads((WEBHOOKS / "inbound_image_caption.json").read_text())
        value = payload["entry"][0]["changes"][0]["value"]
        value["contacts"] = [{"wa_id": sender, "profile": {"name": "Pelapor"}}]
        value["messages"][0].update({"from": sender, "id": message_id})
        value["messages"][0]["image"]["caption"] = caption
        with django_capture_on_commit_callbacks(execute=True):   # the picture is fetched after the commit
            post_webhook(wa_channel, json.dumps(payload).encode())

    send_image("6281230000031", "wamid.IMG1", "CEK")            # the picture alone
    first = Report.objects.get()
    assert first.source == Report.Source.KEYWORD and len(first.image_hash) == 16 and first.media
    send_image("6281230000032", "wamid.IMG2", "cek ini benar?")   # the same picture from someone else
    second = Report.objects.exclude(pk=first.pk).get()
    assert second.claim_id == first.claim_id
    assert Claim.objects.get(pk=first.claim_id).report_count == 2
    assert Claim.objects.filter(resolution=Claim.Resolution.MERGED).count() == 1   # its own claim, emptied


def test_an_ordinary_question_starting_with_cek_stays_a_question(madiun, wa_channel, post_webhook):
    post_webhook(wa_channel, whatsapp_body(text="Cek DPT saya di mana ya kak?", message_id="wamid.Q1"))
    assert not Report.objects.exists()
    assert Message.objects.filter(text="Cek DPT saya di mana ya kak?").exists()


def test_someone_asking_again_is_answered_again(madiun, publish, wa_channel, post_webhook,
                                               django_capture_on_commit_callbacks):
    publish(madiun, claim_reviewed=CLAIM)
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(wa_channel, whatsapp_body(text=f"CEK {CHAIN}", message_id="wamid.AGAIN1"))
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(wa_channel, whatsapp_body(text=f"CEK {CHAIN}", message_id="wamid.AGAIN2"))
    assert Report.objects.filter(status=Report.Status.ANSWERED).count() == 2
    assert Delivery.objects.filter(text__startswith="Hasil cek fakta").count() == 2


def test_whoever_last_edited_a_clarification_cannot_approve_it(madiun, verifier, editor, admin):
    clarification = services.save_clarification(actor=verifier, office=madiun, claim_reviewed=CLAIM,
                                                verdict=Verdict.FALSE, summary="Tidak benar.")
    services.save_clarification(actor=editor, office=madiun, clarification=clarification, claim_reviewed=CLAIM,
                                verdict=Verdict.MISLEADING, summary="Sebagian benar, ditulis ulang.")
    services.submit_clarification(actor=editor, clarification=clarification)
    with pytest.raises(ValidationError, match="terakhir mengubahnya"):
        services.publish_clarification(actor=editor, clarification=clarification)
    assert services.publish_clarification(actor=admin, clarification=clarification).status == "published"


def test_publishing_a_draft_of_a_merged_claim_answers_the_claim_it_was_merged_into(madiun, verifier, editor):
    a = staff_report(madiun, "Surat suara tercoblos ditemukan di rumah kepala desa").claim
    b = staff_report(madiun, "Ada pemilih siluman 2 juta di DPT Jawa Timur").claim
    staff_report(madiun, "Pemilih siluman dua juta orang masuk DPT Jatim")
    draft = services.save_clarification(actor=verifier, office=madiun, claim=a, claim_reviewed="Surat suara "
                                        "tercoblos di rumah kades", verdict=Verdict.FALSE, summary="Tidak benar.")
    target = services.merge_claims(actor=verifier, office=madiun, claim_ids=[a.pk, b.pk], into_id=b.pk)
    services.submit_clarification(actor=verifier, clarification=draft)
    services.publish_clarification(actor=editor, clarification=draft)
    target.refresh_from_db()
    assert target.status == Claim.Status.DONE and target.resolution == Claim.Resolution.CLARIFIED
    assert Report.objects.filter(status=Report.Status.ANSWERED).count() == 3


def test_a_tipline_message_with_nothing_to_check_stays_an_inbox_message(madiun, admin, wa_channel, post_webhook):
    from channels import services as channel_services
    from channels.models import InboundMessage
    from inbox.tests.conftest import WEBHOOKS

    channel_services.update_channel(actor=admin, channel=wa_channel, expected_version=None, name=wa_channel.name,
                                    config=wa_channel.config, secrets={}, rate_per_second=1000, tipline=True)
    post_webhook(wa_channel, (WEBHOOKS / "inbound_unsupported.json").read_bytes())   # no text, no media
    stored = InboundMessage.objects.get()
    assert stored.routed_at is not None and stored.route_attempts == 0
    assert not Report.objects.exists()


def test_other_offices_reports_of_the_same_hoax_never_crowd_out_an_offices_own_claim(madiun, offices):
    from offices.models import Office

    others = list(Office.objects.filter(level="kabkota").exclude(pk=madiun.pk)[:80])
    for office in others:
        staff_report(office, CHAIN)
    own = staff_report(madiun, CHAIN)
    again = staff_report(madiun, "kpu bakal coblos ulang surat suara pilpres seluruh tps karena curang")
    assert again.claim_id == own.claim_id
    assert Claim.objects.filter(office=madiun).count() == 1


def test_withdrawing_a_clarification_reopens_claims_it_answered_elsewhere(madiun, ri, make_staff, publish, admin,
                                                                         verifier):
    ri_admin = make_staff(ri, Role.ADMIN)
    national = publish(claim_reviewed=CLAIM, author=make_staff(ri, Role.VERIFIER), approver=make_staff(ri,
                                                                                                      Role.EDITOR))
    claim = staff_report(madiun, "Kotak suara Madiun dibakar tadi malam di gudang").claim
    services.answer_claim_with(actor=verifier, claim=claim, clarification=national)
    services.propose_withdrawal(actor=make_staff(ri, Role.VERIFIER), clarification=national,
                                reason="Putusan diperiksa ulang.")
    services.approve_change(actor=ri_admin, clarification=national)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.VERIFYING
    assert Report.objects.get(claim=claim).status == Report.Status.QUEUED


def test_two_offices_can_import_the_same_external_fact_check(madiun, kab_madiun, editor, make_staff):
    from pathlib import Path

    data = (Path(__file__).parent / "fixtures" / "external" / "google_claims.json").read_bytes()
    first = services.import_external(actor=editor, office=madiun, data=data)
    second = services.import_external(actor=make_staff(kab_madiun, Role.EDITOR), office=kab_madiun, data=data)
    assert first["created"] == second["created"] > 0


def test_cek_fakta_alone_reports_the_forwarded_message_not_the_word_fakta(madiun, wa_channel, post_webhook):
    post_webhook(wa_channel, whatsapp_body(text=CHAIN, message_id="wamid.FWD2", sender="+6281230000044"))
    post_webhook(wa_channel, whatsapp_body(text="CEK FAKTA", message_id="wamid.CF", sender="+6281230000044"))
    assert Report.objects.get().text == CHAIN


def test_publishing_leaves_a_claim_dismissed_meanwhile_as_it_is(madiun, verifier, editor,
                                                                django_capture_on_commit_callbacks):
    claim = staff_report(madiun, "Hadiah pulsa dari KPU, klik tautan ini").claim
    draft = services.save_clarification(actor=verifier, office=madiun, claim=claim, claim_reviewed="Hadiah pulsa "
                                        "dari KPU", verdict=Verdict.FALSE, summary="Penipuan.")
    services.submit_clarification(actor=verifier, clarification=draft)
    services.dismiss_claims(actor=verifier, office=madiun, claim_ids=[claim.pk])
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_clarification(actor=editor, clarification=draft)
    claim.refresh_from_db()
    assert claim.resolution == Claim.Resolution.SPAM
    assert not Notice.objects.exists()
