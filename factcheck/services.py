"""Every write to cek fakta. Keyword-only, validated, transactional, audited.

A report is matched the moment it arrives: against published clarifications (own office, the offices above, KPU
RI, imported fact-checks) and against the office's open claims. Above the office's "answer automatically" threshold
the reporter gets the clarification at once; otherwise the report joins the claim it matches (or starts one) and
the verifiers see the suggestions with their scores and reasons.
"""

import hashlib
import logging
import re
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.permissions import can
from audit.services import record
from bakohumas.locking import ConflictError
from channels import window
from factcheck import selectors
from factcheck.models import (
    Claim,
    ClaimNote,
    Clarification,
    ClarificationChange,
    Correction,
    IndexVersion,
    Notice,
    Report,
    Settings,
    Verdict,
)
from lib.claimtext import terms
from lib.tracking import tracking_number

logger = logging.getLogger(__name__)
MAX_TEXT = 4096
MAX_MEDIA_BYTES = 10 * 1024 * 1024
OPEN = [Claim.Status.NEW, Claim.Status.VERIFYING]
# A report joins an open claim from this score up (or the office's suggestion threshold, if higher): sharing a
# couple of words ("KPU", "suara") with a claim is not the same claim.
CLAIM_JOIN_PERCENT = 35


def new_tracking_number() -> str:
    return tracking_number("CEK")


def fingerprint(text: str, url: str = "") -> str:
    words = terms(f"{text}\n{url}")
    return hashlib.sha1(" ".join(words).encode(), usedforsecurity=False).hexdigest() if words else ""


def _require(actor, capability: str, office) -> None:
    """Writes stay in the actor's own office (higher offices read their descendants' claims, never edit them)."""
    if actor is not None and (not can(actor, capability) or actor.office_id != office.pk):
        raise PermissionDenied(capability)


# Reports ------------------------------------------------------------------------------------------------------

def _clean_report(text: str, url: str, media) -> tuple[str, str]:
    text = (text or "").replace("\r\n", "\n").strip()
    url = (url or "").strip()
    errors: dict[str, str] = {}
    if len(text) > MAX_TEXT:
        errors["text"] = _("Teks laporan paling banyak %(max)s karakter (terkirim %(n)s).") % {
            "max": MAX_TEXT, "n": len(text)}
    if url:
        parts = urlsplit(url if "://" in url else "https://" + url)
        if parts.scheme not in ("http", "https") or not parts.hostname or "." not in parts.hostname:
            errors["url"] = _("Tautan tidak valid: tulis alamat lengkap, misalnya https://contoh.id/berita.")
        else:
            url = parts.geturl()
        if len(url) > 1000:
            errors["url"] = _("Tautan paling banyak 1.000 karakter.")
    if not text and not url and not media:
        errors["text"] = _("Laporan kosong: tempelkan pesan yang beredar, tautannya, atau tangkapan layarnya.")
    if errors:
        raise ValidationError(errors)
    return text, url


def _image_facts(media) -> tuple[str, str]:
    """(perceptual hash, file name to store it under) of an uploaded screenshot; a file that is not an image is
    refused. The name comes from the decoded format, never from the client (a PNG sent as "x.html" is stored as
    .png and served as an image)."""
    from factcheck import images

    if media.size > MAX_MEDIA_BYTES:
        raise ValidationError({"media": _("Tangkapan layar paling besar 10 MB.")})
    media.seek(0)
    data = media.read()
    try:
        image = images.open_image(data)
    except images.NotAnImage as exc:
        raise ValidationError({"media": str(exc)}) from exc
    media.seek(0)
    return images.perceptual_hash(image), f"tangkapan.{images.file_extension(data)}"


def submit_report(*, office, source: str, text: str = "", url: str = "", media=None, actor=None, reporter=None,
                  reporter_name: str = "", conversation=None, message=None, channel=None, notify_address: str = "",
                  forwarded: bool = False, frequently_forwarded: bool = False, created_at=None,
                  media_follows: bool = False) -> Report:
    """A report in, matched, and either answered at once or queued in its claim. Never loses the report: matching
    problems leave it queued. `media_follows`: the picture is an inbox message's attachment the worker is still
    fetching (attach_message_image() hashes it when it arrives)."""
    text, url = _clean_report(text, url, media or media_follows)
    image_hash = file_name = ""
    if media:
        image_hash, file_name = _image_facts(media)
    now = timezone.now()
    # Matching reads in-memory indexes (rebuilt now and then): done before the transaction takes the write lock.
    match_text = "\n".join(filter(None, [text, url]))
    matches = (selectors.match_clarifications(match_text, office), selectors.match_open_claims(match_text, office)) \
        if match_text else ([], [])
    with transaction.atomic():
        report = Report(office=office, source=source, text=text, url=url, reporter=reporter,
                        reporter_name=(reporter_name or (reporter.full_name if reporter else ""))[:150],
                        conversation=conversation, message=message, channel=channel,
                        notify_address=notify_address[:254], forwarded=forwarded,
                        frequently_forwarded=frequently_forwarded, image_hash=image_hash,
                        fingerprint=fingerprint(text, url), created_by=actor if actor and actor.pk else None,
                        created_at=created_at or now, tracking_number=new_tracking_number())
        if media:
            report.media.save(file_name, media, save=False)
        report.save()
        record(actor=actor, office=office, action="factcheck.report_received", target=report,
               target_label=report.tracking_number, after={"source": source, "text": text[:300], "url": url})
        _match_and_file(report, *matches)
    if media and _ocr_wanted():
        transaction.on_commit(lambda: _enqueue_ocr(report.pk))
    return report


def _ocr_wanted() -> bool:
    from factcheck import images

    return images.ocr_available()


def _enqueue_ocr(report_id: int) -> None:
    from factcheck.tasks import read_screenshot

    read_screenshot.enqueue(report_id)


def _match_and_file(report: Report, suggestions: list, claim_matches: list) -> None:
    office = report.office
    config = selectors.office_settings(office)
    text = report.match_text
    report.suggestions = [{"id": s.id, "percent": s.percent, "reasons": s.reasons} for s in suggestions
                          if s.percent >= config.suggest_percent]
    best = suggestions[0] if suggestions else None
    clarification = None
    if best is not None and best.percent >= config.auto_percent and selectors.has_enough_words(text):
        # The index may be a moment old: only a clarification still published answers anyone.
        clarification = Clarification.objects.filter(pk=best.id, status=Clarification.Status.PUBLISHED).first()
    if clarification is not None:
        report.status, report.answered_with, report.match_score = Report.Status.ANSWERED, clarification, best.percent
        report.save(update_fields=["suggestions", "status", "answered_with", "match_score"])
        record(actor=None, office=office, action="factcheck.report_auto_answered", target=report,
               target_label=report.tracking_number, after={"clarification": clarification.pk,
                                                           "percent": best.percent, "reasons": best.reasons})
        # Someone who asks again about a hoax they asked about before is answered again: this answer is for this
        # report, not one per person like the notices sent when a clarification is published.
        transaction.on_commit(lambda: _enqueue_notices(clarification.pk, Notice.Kind.ANSWER, [report.pk],
                                                       per_report=True))
        return
    _file_in_claim(report, config, claim_matches)


def _file_in_claim(report: Report, config: Settings, claim_matches: list | None = None) -> None:
    claim = _claim_for(report, config, claim_matches)
    report.claim = claim
    report.save(update_fields=["suggestions", "claim", "match_score"])
    Claim.objects.filter(pk=claim.pk).update(
        report_count=F("report_count") + 1,
        forwarded_many_count=F("forwarded_many_count") + int(report.frequently_forwarded),
        last_reported_at=report.created_at)


def _open_claim(pk) -> Claim | None:
    """The claim locked, if still open: a claim being published or merged at this moment is not joined (its
    publisher would not see this report); the report then finds another claim or starts one."""
    return Claim.objects.select_for_update().filter(pk=pk, status__in=OPEN).first()


def _claim_for(report: Report, config: Settings, claim_matches: list | None = None) -> Claim:
    """The open claim this report repeats: the same text (fingerprint), the same picture, or a lexical match above
    the office's suggestion threshold; otherwise a new claim."""
    office = report.office
    if report.fingerprint:
        same = (Report.objects.filter(office=office, fingerprint=report.fingerprint, claim__status__in=OPEN)
                .exclude(pk=report.pk).values_list("claim_id", flat=True).first())
        if same and (claim := _open_claim(same)):
            report.match_score = 100
            return claim
    if report.image_hash:
        from factcheck.images import SAME_IMAGE_DISTANCE, hash_distance

        recent = (Report.objects.filter(office=office, claim__status__in=OPEN).exclude(image_hash="")
                  .exclude(pk=report.pk).order_by("-pk").values_list("image_hash", "claim_id")[:5000])
        for other_hash, claim_id in recent:
            if hash_distance(report.image_hash, other_hash) <= SAME_IMAGE_DISTANCE and (
                    claim := _open_claim(claim_id)):
                report.match_score = 100
                return claim
    text = report.match_text
    if text:
        if claim_matches is None:
            claim_matches = selectors.match_open_claims(text, office)
        for found in claim_matches[:3]:
            if found.percent < max(config.suggest_percent, CLAIM_JOIN_PERCENT):
                break
            if claim := _open_claim(found.id):
                report.match_score = found.percent
                return claim
    summary = " ".join((report.text or report.url or report.ocr_text or _("(tangkapan layar)")).split())[:300]
    claim = Claim.objects.create(office=office, summary=summary, first_reported_at=report.created_at,
                                 last_reported_at=report.created_at)
    record(actor=None, office=office, action="factcheck.claim_created", target=claim, after={"summary": summary})
    return claim


# "CEK" as the word people are told to type (in capitals), "cek fakta", "#cek" or "/cek" in any case; a lower-case
# "cek …" only alone, on a forwarded message or as a picture's caption: "Cek DPT saya di mana?" is a question for
# the inbox, not a report.
CEK = re.compile(r"^\s*(?:(?i:[#/]cek(?:\s*fakta)?\b|cek\s*fakta\b)|CEK(?:[\s-]*(?i:fakta))?\b)[\s:.,!-]*")
CEK_ANY_CASE = re.compile(r"^\s*cek\b[\s:.,!-]*", re.IGNORECASE)
CEK_LOOKBACK = timedelta(minutes=30)


def _cek_command(message) -> re.Match | None:
    text = message.text or ""
    command = CEK.match(text)
    loose = CEK_ANY_CASE.match(text) if command is None else None
    if loose and (message.forwarded or message.media_status or not text[loose.end():].strip()):
        command = loose
    return command


def take_command(*, conversation, message, channel, created: bool) -> bool:
    """The CEK command (and a tipline's every message) in the inbound command table."""
    return take_inbox_message(message=message, channel=channel)


def take_inbox_message(*, message, channel) -> bool:
    """An inbound message that is a hoax report: anything sent to a tipline channel, or "CEK <message>" (CEK alone
    reports the person's previous message, e.g. the chain message they forwarded just before). True when taken.
    A message that cannot be a report (nothing in it to check) stays an ordinary inbox message."""
    from inbox.models import Message

    text = message.text or ""
    command = _cek_command(message)
    if not channel.tipline and command is None:
        return False
    try:
        if command is None:
            if not text.strip() and not message.media_status:
                return False   # a reaction, a contact card: nothing to check
            report_from_message(message=message, source=Report.Source.TIPLINE)
            return True
        rest = text[command.end():].strip()
        if rest or message.media_status:
            report_from_message(message=message, source=Report.Source.KEYWORD, text=rest)
            return True
        previous = (message.conversation.messages.filter(
            direction=Message.Direction.INBOUND, created_at__gte=message.created_at - CEK_LOOKBACK,
            created_at__lte=message.created_at).exclude(pk=message.pk).order_by("-created_at", "-pk").first())
        if previous is not None and (previous.text.strip() or previous.media_status):
            already = Report.objects.filter(message=previous).first()
            if already is not None:   # on a tipline the forwarded message already was a report
                if already.status == Report.Status.QUEUED:
                    _acknowledge(already)
            else:
                report_from_message(message=previous, source=Report.Source.KEYWORD)
            return True
    except ValidationError:
        logger.info("inbox message %s not taken as a report: nothing to check", message.pk)
        return False
    from inbox.services import send_automatic

    with override("id"):
        help_text = _("Untuk memeriksa kabar yang beredar, teruskan pesannya ke nomor ini lalu kirim CEK, atau tulis "
                      "CEK diikuti isi pesannya.")
    send_automatic(conversation=message.conversation, text=help_text, audit_action="factcheck.help_sent")
    return True


def report_from_message(*, message, source: str, actor=None, text: str | None = None) -> Report:
    """An inbox message (or, for CEK alone, the message before it) as a report; the reporter is told its number."""
    from inbox.models import Message

    conversation = message.conversation
    report = submit_report(
        office=conversation.office, source=source, text=message.text if text is None else text, actor=actor,
        reporter=conversation.member, conversation=conversation, message=message, channel=message.channel,
        forwarded=message.forwarded, frequently_forwarded=message.frequently_forwarded,
        media_follows=bool(message.media_status))
    if message.media_status == Message.MediaStatus.STORED and message.media_mime_type.startswith("image/"):
        with message.media.open("rb") as handle:
            attach_message_image(message=message, content=handle.read())
        report.refresh_from_db()
    if report.status == Report.Status.QUEUED:
        _acknowledge(report)
    return report


def _acknowledge(report: Report) -> None:
    from inbox.services import send_automatic

    with override("id"):
        text = _("Terima kasih, laporan Anda kami terima dengan nomor %(number)s dan sedang diperiksa. Anda akan "
                 "mendapat kabar di sini setelah klarifikasinya terbit.") % {"number": report.tracking_number}
    send_automatic(conversation=report.conversation, text=text, audit_action="factcheck.report_acknowledged")


def attach_message_image(*, message, content: bytes) -> None:
    """A screenshot a report came with, fetched by the worker after the report was filed: hashed (and read, where
    OCR is installed) so the next copy of the same picture finds the claim."""
    from factcheck import images

    reports = list(Report.objects.filter(message=message, image_hash=""))
    if not reports:
        return
    try:
        image = images.open_image(content)
    except images.NotAnImage:
        return
    image_hash = images.perceptual_hash(image)
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(image_hash=image_hash, media=message.media.name)
    for report in reports:
        _join_claim_of_same_picture(report, image_hash)
    if images.ocr_available():
        for report in reports:
            transaction.on_commit(lambda pk=report.pk: _enqueue_ocr(pk))


def _join_claim_of_same_picture(report: Report, image_hash: str) -> None:
    """A report that started a claim of its own before its picture arrived joins the open claim that already has
    the same picture; its own claim, now empty, is closed as merged."""
    from factcheck.images import SAME_IMAGE_DISTANCE, hash_distance

    if report.claim_id is None or Report.objects.filter(claim_id=report.claim_id).exclude(pk=report.pk).exists():
        return
    others = (Report.objects.filter(office_id=report.office_id, claim__status__in=OPEN).exclude(image_hash="")
              .exclude(claim_id=report.claim_id).order_by("-pk").values_list("image_hash", "claim_id")[:5000])
    target = next((claim_id for other, claim_id in others if hash_distance(image_hash, other) <= SAME_IMAGE_DISTANCE),
                  None)
    if target is None:
        return
    with transaction.atomic():
        if _open_claim(target) is None:   # published or merged a moment ago: the report stays where it is
            return
        Report.objects.filter(pk=report.pk).update(claim_id=target, match_score=100)
        Claim.objects.filter(pk=target).update(
            report_count=F("report_count") + 1,
            forwarded_many_count=F("forwarded_many_count") + int(report.frequently_forwarded),
            last_reported_at=report.created_at)
        Claim.objects.filter(pk=report.claim_id).update(status=Claim.Status.DONE, resolution=Claim.Resolution.MERGED,
                                                        merged_into_id=target, report_count=0, forwarded_many_count=0,
                                                        updated_at=timezone.now())


def attach_ocr_text(*, report: Report, text: str) -> None:
    """The words read from a screenshot: kept, and for a report still waiting, matched again."""
    Report.objects.filter(pk=report.pk).update(ocr_text=text)
    report.ocr_text = text
    if text and report.status == Report.Status.QUEUED and not report.text:
        with transaction.atomic():
            config = selectors.office_settings(report.office)
            suggestions = selectors.match_clarifications(report.match_text, report.office)
            report.suggestions = [{"id": s.id, "percent": s.percent, "reasons": s.reasons} for s in suggestions
                                  if s.percent >= config.suggest_percent]
            report.save(update_fields=["suggestions"])


# Claims: the verifiers' workflow -----------------------------------------------------------------------------

def _locked_claim(claim: Claim, expected_version: int | None) -> Claim:
    current = Claim.objects.select_for_update().get(pk=claim.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(_("Klaim ini baru saja diubah orang lain. Muat ulang halaman."))
    return current


def _save_claim(claim: Claim, fields: list[str]) -> None:
    claim.version += 1
    claim.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def assign_claim(*, actor, claim: Claim, assignee) -> Claim:
    _require(actor, "factcheck.verify", claim.office)
    current = _locked_claim(claim, None)
    if assignee is not None and (assignee.office_id != current.office_id or not can(assignee, "factcheck.verify")):
        raise ValidationError({"assignee": _("Pilih verifikator dari satker ini.")})
    before = current.assigned_to_id
    current.assigned_to = assignee
    if assignee is not None and current.status == Claim.Status.NEW:
        current.status = Claim.Status.VERIFYING
    _save_claim(current, ["assigned_to", "status"])
    record(actor=actor, office=current.office, action="factcheck.claim_assigned", target=current,
           before={"assigned_to": before}, after={"assigned_to": assignee.pk if assignee else None})
    return current


@transaction.atomic
def start_verification(*, actor, claim: Claim, expected_version: int | None = None) -> Claim:
    _require(actor, "factcheck.verify", claim.office)
    current = _locked_claim(claim, expected_version)
    if current.status != Claim.Status.NEW:
        raise ValidationError(_("Hanya klaim baru yang dapat mulai diverifikasi."))
    current.status = Claim.Status.VERIFYING
    current.assigned_to = current.assigned_to or actor
    _save_claim(current, ["status", "assigned_to"])
    record(actor=actor, office=current.office, action="factcheck.claim_verifying", target=current)
    return current


@transaction.atomic
def update_claim(*, actor, claim: Claim, summary: str, evidence: list[str], expected_version: int | None) -> Claim:
    _require(actor, "factcheck.verify", claim.office)
    current = _locked_claim(claim, expected_version)
    summary = " ".join((summary or "").split())
    errors = {}
    if not summary:
        errors["summary"] = _("Tulis ringkasan klaim.")
    elif len(summary) > 300:
        errors["summary"] = _("Ringkasan paling banyak 300 karakter.")
    links = []
    for number, link in enumerate(line.strip() for line in evidence if line.strip()):
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            errors["evidence"] = _("Baris %(n)s bukan tautan http(s) yang lengkap.") % {"n": number + 1}
            break
        links.append(link[:500])
    if errors:
        raise ValidationError(errors)
    before = {"summary": current.summary, "evidence": current.evidence}
    current.summary, current.evidence = summary, links[:20]
    _save_claim(current, ["summary", "evidence"])
    record(actor=actor, office=current.office, action="factcheck.claim_updated", target=current, before=before,
           after={"summary": summary, "evidence": links})
    return current


@transaction.atomic
def add_claim_note(*, actor, claim: Claim, text: str) -> ClaimNote:
    _require(actor, "factcheck.verify", claim.office)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Catatan kosong.")})
    note = ClaimNote.objects.create(claim=claim, author=actor, text=text[:MAX_TEXT])
    record(actor=actor, office=claim.office, action="factcheck.claim_noted", target=claim)
    return note


def _bulk_claims(actor, office, claim_ids) -> list[Claim]:
    _require(actor, "factcheck.verify", office)
    claims = list(Claim.objects.select_for_update().filter(pk__in=claim_ids, office=office, status__in=OPEN)
                  .order_by("pk"))
    if not claims:
        raise ValidationError(_("Pilih setidaknya satu klaim yang masih terbuka."))
    return claims


@transaction.atomic
def merge_claims(*, actor, office, claim_ids: list[int], into_id: int | None = None) -> Claim:
    """Reports of the chosen claims move to one claim (the one named, else the one with most reports)."""
    claims = _bulk_claims(actor, office, claim_ids)
    if len(claims) < 2:
        raise ValidationError(_("Pilih dua klaim atau lebih untuk digabung."))
    target = next((c for c in claims if c.pk == into_id), None) or max(claims, key=lambda c: (c.report_count, -c.pk))
    others = [c for c in claims if c.pk != target.pk]
    for other in others:
        Report.objects.filter(claim=other).update(claim=target)
        Clarification.objects.filter(claim=other).update(claim=target)
        other.status, other.resolution, other.merged_into = Claim.Status.DONE, Claim.Resolution.MERGED, target
        # Its reports now belong to the target: the merged claim counts none, as its report table shows.
        other.report_count = other.forwarded_many_count = 0
        _save_claim(other, ["status", "resolution", "merged_into", "report_count", "forwarded_many_count"])
    target.report_count = Report.objects.filter(claim=target).count()
    target.forwarded_many_count = Report.objects.filter(claim=target, frequently_forwarded=True).count()
    target.first_reported_at = min(c.first_reported_at for c in claims)
    target.last_reported_at = max(c.last_reported_at for c in claims)
    _save_claim(target, ["report_count", "forwarded_many_count", "first_reported_at", "last_reported_at"])
    record(actor=actor, office=office, action="factcheck.claims_merged", target=target,
           after={"merged": [c.pk for c in others]})
    return target


@transaction.atomic
def dismiss_claims(*, actor, office, claim_ids: list[int]) -> int:
    """Spam or not a claim at all: closed without a clarification; nobody is notified."""
    claims = _bulk_claims(actor, office, claim_ids)
    for claim in claims:
        claim.status, claim.resolution = Claim.Status.DONE, Claim.Resolution.SPAM
        _save_claim(claim, ["status", "resolution"])
        Report.objects.filter(claim=claim, status=Report.Status.QUEUED).update(status=Report.Status.DISMISSED)
        record(actor=actor, office=office, action="factcheck.claim_dismissed", target=claim)
    return len(claims)


@transaction.atomic
def assign_claims(*, actor, office, claim_ids: list[int], assignee) -> int:
    claims = _bulk_claims(actor, office, claim_ids)
    for claim in claims:
        assign_claim(actor=actor, claim=claim, assignee=assignee)
    return len(claims)


@transaction.atomic
def answer_claim_with(*, actor, claim: Claim, clarification: Clarification) -> Claim:
    """The claim is already answered by a published clarification (here, above, or imported): every reporter is
    told it and the claim is done."""
    _require(actor, "factcheck.verify", claim.office)
    current = _locked_claim(claim, None)
    if clarification.status != Clarification.Status.PUBLISHED or clarification.office_id not in \
            selectors.matchable_office_ids(current.office):
        raise ValidationError(_("Pilih klarifikasi terbit dari satker ini atau satker di atasnya."))
    current.status, current.resolution = Claim.Status.DONE, Claim.Resolution.CLARIFIED
    _save_claim(current, ["status", "resolution"])
    reports = list(Report.objects.filter(claim=current, status=Report.Status.QUEUED).values_list("pk", flat=True))
    Report.objects.filter(pk__in=reports).update(status=Report.Status.ANSWERED, answered_with=clarification)
    record(actor=actor, office=current.office, action="factcheck.claim_answered", target=current,
           after={"clarification": clarification.pk, "reports": len(reports)})
    transaction.on_commit(lambda: _enqueue_notices(clarification.pk, Notice.Kind.ANSWER, reports))
    return current


# Clarifications ----------------------------------------------------------------------------------------------

def _clean_clarification(values: dict) -> dict:
    cleaned = {
        "claim_reviewed": " ".join((values.get("claim_reviewed") or "").split()),
        "verdict": values.get("verdict") or "",
        "summary": " ".join((values.get("summary") or "").split()),
        "body": (values.get("body") or "").replace("\r\n", "\n").strip(),
        "item_reviewed_url": (values.get("item_reviewed_url") or "").strip(),
    }
    evidence = values.get("evidence") or []
    errors: dict[str, str] = {}
    if not cleaned["claim_reviewed"]:
        errors["claim_reviewed"] = _("Tulis klaim yang diperiksa.")
    elif len(cleaned["claim_reviewed"]) > 500:
        errors["claim_reviewed"] = _("Klaim paling banyak 500 karakter.")
    if cleaned["verdict"] not in Verdict.values:
        errors["verdict"] = _("Pilih putusan.")
    if not cleaned["summary"]:
        errors["summary"] = _("Tulis penjelasan singkat (dua baris) yang dikirim kepada pelapor.")
    elif len(cleaned["summary"]) > 300:
        errors["summary"] = _("Penjelasan singkat paling banyak 300 karakter: cukup dua baris untuk pesan.")
    if len(cleaned["body"]) > 20_000:
        errors["body"] = _("Penjelasan lengkap paling banyak 20.000 karakter.")
    url = cleaned["item_reviewed_url"]
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname):
        errors["item_reviewed_url"] = _("Tautan tidak valid: tulis alamat lengkap dengan https://.")
    links = []
    for number, link in enumerate(line.strip() for line in evidence if line.strip()):
        if urlsplit(link).scheme not in ("http", "https") or not urlsplit(link).hostname:
            errors["evidence"] = _("Baris %(n)s bukan tautan http(s) yang lengkap.") % {"n": number + 1}
            break
        links.append(link[:500])
    cleaned["evidence"] = links[:20]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _unique_slug(office, text: str) -> str:
    base = slugify(text)[:100].strip("-") or "klarifikasi"
    slug, n = base, 2
    while Clarification.objects.filter(office=office, slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _snapshot(c: Clarification) -> dict:
    return {"claim_reviewed": c.claim_reviewed, "verdict": c.verdict, "summary": c.summary, "status": c.status,
            "revision": c.revision}


@transaction.atomic
def save_clarification(*, actor, office, claim: Claim | None = None, clarification: Clarification | None = None,
                       expected_version: int | None = None, **values) -> Clarification:
    """Create or edit a draft. A published clarification changes only through correct_clarification()."""
    _require(actor, "factcheck.verify", office)
    cleaned = _clean_clarification(values)
    if clarification is None:
        if claim is not None and claim.office_id != office.pk:
            raise PermissionDenied("claim of another office")
        clarification = Clarification.objects.create(office=office, claim=claim, author=actor, edited_by=actor,
                                                     slug=_unique_slug(office, cleaned["claim_reviewed"]), **cleaned)
        record(actor=actor, office=office, action="factcheck.clarification_created", target=clarification,
               after=_snapshot(clarification))
        if claim is not None and claim.status == Claim.Status.NEW:
            Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.VERIFYING, updated_at=timezone.now())
        return clarification
    _require(actor, "factcheck.verify", clarification.office)
    current = Clarification.objects.select_for_update().get(pk=clarification.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(_("Klarifikasi ini baru saja diubah orang lain. Muat ulang halaman."))
    if current.status not in (Clarification.Status.DRAFT, Clarification.Status.PENDING) or current.is_external:
        raise ValidationError(_("Klarifikasi yang sudah terbit diubah lewat koreksi, agar riwayatnya terlihat."))
    before = _snapshot(current)
    for key, value in cleaned.items():
        setattr(current, key, value)
    current.edited_by = actor
    current.status = Clarification.Status.DRAFT   # an edit after submission needs approval again
    current.version += 1
    current.save()
    record(actor=actor, office=office, action="factcheck.clarification_edited", target=current, before=before,
           after=_snapshot(current))
    return current


def _locked_clarification(actor, clarification: Clarification, capability: str, status: str,
                          refusal: str) -> Clarification:
    _require(actor, capability, clarification.office)
    current = Clarification.objects.select_for_update().get(pk=clarification.pk)
    if current.status != status:
        raise ValidationError(refusal)
    return current


@transaction.atomic
def submit_clarification(*, actor, clarification: Clarification) -> Clarification:
    current = _locked_clarification(actor, clarification, "factcheck.verify", Clarification.Status.DRAFT,
                                    _("Hanya draf yang dapat diajukan untuk disetujui."))
    current.status, current.author = Clarification.Status.PENDING, current.author or actor
    current.version += 1
    current.save()
    record(actor=actor, office=current.office, action="factcheck.clarification_submitted", target=current)
    return current


@transaction.atomic
def publish_clarification(*, actor, clarification: Clarification) -> Clarification:
    """A second person approves: it goes on the portal, the claim is done, and every reporter is told."""
    # The claim is locked before the clarification, in the order merge_claims() takes them (no deadlock).
    claim = _claim_to_close(Clarification.objects.filter(pk=clarification.pk).values_list("claim_id",
                                                                                           flat=True).first())
    current = _locked_clarification(actor, clarification, "factcheck.approve", Clarification.Status.PENDING,
                                    _("Klarifikasi harus diajukan dulu sebelum disetujui."))
    if actor.pk in (current.author_id, current.edited_by_id):
        raise ValidationError(_("Klarifikasi disetujui oleh staf lain, bukan yang menulis atau terakhir mengubahnya."))
    current.status, current.approved_by = Clarification.Status.PUBLISHED, actor
    current.claim = claim or current.claim
    current.published_at = current.published_at or timezone.now()
    current.version += 1
    current.save()
    record(actor=actor, office=current.office, action="factcheck.clarification_published", target=current,
           after=_snapshot(current))
    reports = []
    if claim is not None:
        claim.status, claim.resolution = Claim.Status.DONE, Claim.Resolution.CLARIFIED
        _save_claim(claim, ["status", "resolution"])
        reports = list(Report.objects.filter(claim=claim, status=Report.Status.QUEUED).values_list("pk", flat=True))
        Report.objects.filter(pk__in=reports).update(status=Report.Status.ANSWERED, answered_with=current)
    transaction.on_commit(lambda: _enqueue_notices(current.pk, Notice.Kind.ANSWER, reports))
    transaction.on_commit(_portal_changed)
    _embed_later([current.pk])
    return current


def _claim_to_close(claim_id: int | None) -> Claim | None:
    """The open claim a clarification answers, locked (a report being filed waits, then files elsewhere); if it
    was merged meanwhile, the claim it was merged into."""
    seen = set()
    while claim_id is not None and claim_id not in seen:
        seen.add(claim_id)
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        if claim.resolution == Claim.Resolution.MERGED and claim.merged_into_id is not None:
            claim_id = claim.merged_into_id
            continue
        return claim if claim.status in OPEN else None   # answered otherwise, or dismissed: left as it is
    return None


def _portal_changed() -> None:
    """What is published changed: the portal's cached pages and every process's matching index are stale."""
    from portal.services import bump_generation

    if not IndexVersion.objects.filter(pk=1).update(value=F("value") + 1):
        IndexVersion.objects.get_or_create(pk=1, defaults={"value": 1})
    bump_generation()


def _embed_later(clarification_ids: list[int]) -> None:
    """With semantic re-ranking on, the worker computes the clarification's vector (about 0.1 s each)."""
    from factcheck import semantic

    if semantic.enabled() and clarification_ids:
        from factcheck.tasks import embed_clarification

        for pk in clarification_ids:
            transaction.on_commit(lambda pk=pk: embed_clarification.enqueue(pk))


@transaction.atomic
def return_clarification(*, actor, clarification: Clarification, reason: str) -> Clarification:
    current = _locked_clarification(actor, clarification, "factcheck.approve", Clarification.Status.PENDING,
                                    _("Hanya klarifikasi yang menunggu persetujuan yang dapat dikembalikan."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Tulis apa yang perlu diperbaiki.")})
    current.status = Clarification.Status.DRAFT
    current.version += 1
    current.save()
    if current.claim_id:
        ClaimNote.objects.create(claim_id=current.claim_id, author=actor,
                                 text=_("Klarifikasi dikembalikan: %(reason)s") % {"reason": reason})
    record(actor=actor, office=current.office, action="factcheck.clarification_returned", target=current,
           after={"reason": reason})
    return current


# Corrections and withdrawals: proposed by one person, approved by another -----------------------------------

def _open_published(actor, clarification: Clarification, capability: str) -> Clarification:
    _require(actor, capability, clarification.office)
    current = Clarification.objects.select_for_update().get(pk=clarification.pk)
    if current.status != Clarification.Status.PUBLISHED:
        raise ValidationError(_("Hanya klarifikasi terbit yang dapat dikoreksi atau ditarik."))
    if current.changes.filter(status=ClarificationChange.Status.PENDING).exists():
        raise ValidationError(_("Sudah ada koreksi atau penarikan yang menunggu persetujuan. Setujui atau tolak "
                                "dulu yang itu."))
    return current


def _change_snapshot(change: ClarificationChange) -> dict:
    values = {"change": change.pk, "kind": change.kind, "note": change.note}
    if change.kind == ClarificationChange.Kind.CORRECTION:
        values.update(claim_reviewed=change.claim_reviewed, verdict=change.verdict, summary=change.summary)
    return values


@transaction.atomic
def propose_correction(*, actor, clarification: Clarification, note: str, **values) -> ClarificationChange:
    """A correction of a published clarification (text and/or verdict), with the note that will show on its page.
    Nothing public changes and nobody is notified until a second person approves it (approve_change)."""
    current = _open_published(actor, clarification, "factcheck.verify")
    if current.is_external:
        raise ValidationError(_("Cek fakta impor tidak dikoreksi di sini; koreksinya dibuat penerbitnya."))
    note = " ".join((note or "").split())
    if not note:
        raise ValidationError({"note": _("Tulis apa yang dikoreksi: catatan ini tampil di halaman klarifikasi.")})
    cleaned = _clean_clarification(values)
    if all(getattr(current, key) == value for key, value in cleaned.items()):
        raise ValidationError(_("Koreksi ini tidak mengubah apa pun."))
    change = ClarificationChange.objects.create(clarification=current, kind=ClarificationChange.Kind.CORRECTION,
                                                note=note[:500], proposed_by=actor, **cleaned)
    record(actor=actor, office=current.office, action="factcheck.correction_proposed", target=current,
           before=_snapshot(current), after=_change_snapshot(change))
    return change


@transaction.atomic
def propose_withdrawal(*, actor, clarification: Clarification, reason: str) -> ClarificationChange:
    """A request to withdraw a published clarification; it stays public until a second person approves."""
    current = _open_published(actor, clarification, "factcheck.verify")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Tulis alasan penarikan: alasan ini tampil di halaman klarifikasi.")})
    change = ClarificationChange.objects.create(clarification=current, kind=ClarificationChange.Kind.WITHDRAWAL,
                                                note=reason[:300], proposed_by=actor)
    record(actor=actor, office=current.office, action="factcheck.withdrawal_proposed", target=current,
           before=_snapshot(current), after=_change_snapshot(change))
    return change


def _pending_change(actor, clarification: Clarification) -> tuple[Clarification, ClarificationChange]:
    _require(actor, "factcheck.approve", clarification.office)
    current = Clarification.objects.select_for_update().get(pk=clarification.pk)
    change = current.changes.select_for_update().filter(status=ClarificationChange.Status.PENDING).first()
    if change is None:
        raise ValidationError(_("Tidak ada koreksi atau penarikan yang menunggu persetujuan."))
    return current, change


def change_permissions(user, clarification: Clarification) -> dict:
    """For views: the pending change of a clarification and what this user may do with it."""
    change = selectors.pending_change(clarification)
    may_decide = (change is not None and user.office_id == clarification.office_id
                  and can(user, "factcheck.approve"))
    own = change is not None and change.proposed_by_id == user.pk
    return {"change": change, "can_approve_change": may_decide and not own, "can_reject_change": may_decide,
            "own_change": may_decide and own}


@transaction.atomic
def approve_change(*, actor, clarification: Clarification) -> Clarification:
    """The second person: the correction or withdrawal takes effect, the portal changes, and everyone told before
    is told (once: the Notice row per person, revision and kind is the guard)."""
    # The claims a withdrawal reopens are locked by its queryset update; the clarification first, as publishing does.
    current, change = _pending_change(actor, clarification)
    if actor is not None and actor.pk == change.proposed_by_id:
        raise ValidationError(_("Perubahan ini Anda usulkan sendiri, jadi harus disetujui staf lain (prinsip empat "
                                "mata)."))
    if current.status != Clarification.Status.PUBLISHED:
        raise ValidationError(_("Klarifikasi ini tidak lagi terbit."))
    before = _snapshot(current)
    if change.kind == ClarificationChange.Kind.CORRECTION:
        _apply_correction(current, change)
    else:
        _apply_withdrawal(current, change)
    change.status, change.decided_by, change.decided_at = ClarificationChange.Status.APPROVED, actor, timezone.now()
    change.save(update_fields=["status", "decided_by", "decided_at"])
    action = ("factcheck.clarification_corrected" if change.kind == ClarificationChange.Kind.CORRECTION
              else "factcheck.clarification_withdrawn")
    record(actor=actor, office=current.office, action=action, target=current, before=before,
           after={**_snapshot(current), **_change_snapshot(change), "proposed_by": change.proposed_by_id})
    transaction.on_commit(_portal_changed)
    return current


@transaction.atomic
def reject_change(*, actor, clarification: Clarification, reason: str) -> ClarificationChange:
    """The pending correction or withdrawal is dropped with a note; the published clarification stays as it is."""
    current, change = _pending_change(actor, clarification)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Tulis alasan penolakan untuk pengusul.")})
    change.status, change.decided_by, change.decided_at = ClarificationChange.Status.REJECTED, actor, timezone.now()
    change.decision_note = reason[:300]
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    record(actor=actor, office=current.office, action="factcheck.change_rejected", target=current,
           after={**_change_snapshot(change), "reason": change.decision_note, "proposed_by": change.proposed_by_id})
    return change


def _apply_correction(current: Clarification, change: ClarificationChange) -> None:
    """The previous verdict and summary stay on the page with the note; everyone told before gets the correction."""
    Correction.objects.create(clarification=current, revision=current.revision, note=change.note,
                              previous_verdict=current.verdict, previous_summary=current.summary,
                              author=change.proposed_by)
    for key in ("claim_reviewed", "verdict", "summary", "body", "evidence", "item_reviewed_url"):
        setattr(current, key, getattr(change, key))
    current.revision += 1
    current.version += 1
    current.save()
    transaction.on_commit(lambda: _enqueue_notices(current.pk, Notice.Kind.CORRECTION, None))
    _embed_later([current.pk])


def _apply_withdrawal(current: Clarification, change: ClarificationChange) -> None:
    """Taken off the list (its page stays, marked withdrawn, so links already sent still explain); reporters already
    told are told it was withdrawn, and its open reports go back to the queue."""
    current.status, current.withdrawn_reason = Clarification.Status.WITHDRAWN, change.note[:300]
    current.version += 1
    current.save()
    answered = list(Report.objects.filter(answered_with=current).values_list("pk", "claim_id"))
    claim_ids = {claim_id for _pk, claim_id in answered if claim_id} | ({current.claim_id} if current.claim_id else
                                                                         set())
    still_answered = set(Clarification.objects.filter(claim_id__in=claim_ids, status=Clarification.Status.PUBLISHED)
                         .values_list("claim_id", flat=True))
    # Claims this clarification closed are open again (not one that another published clarification answers).
    Claim.objects.filter(pk__in=claim_ids - still_answered, status=Claim.Status.DONE,
                         resolution=Claim.Resolution.CLARIFIED).update(status=Claim.Status.VERIFYING, resolution="",
                                                                       updated_at=timezone.now())
    Report.objects.filter(pk__in=[pk for pk, _c in answered]).update(status=Report.Status.QUEUED, answered_with=None)
    unfiled = [pk for pk, claim_id in answered if not claim_id]   # answered automatically: back in a claim
    if unfiled:
        transaction.on_commit(lambda: _enqueue_refile(unfiled))
    transaction.on_commit(lambda: _enqueue_notices(current.pk, Notice.Kind.WITHDRAWAL, None))


@transaction.atomic
def broadcast_clarification(*, actor, clarification: Clarification):
    """One click: a broadcast draft to the whole forum with the verdict, the two lines and the link."""
    from broadcasts.services import create_broadcast

    if clarification.status != Clarification.Status.PUBLISHED or clarification.office_id != actor.office_id:
        raise ValidationError(_("Hanya klarifikasi terbit milik satker ini yang dapat disiarkan."))
    with override("id"):
        text = notice_text(clarification, Notice.Kind.ANSWER, tracking_number="")
        title = _("Klarifikasi: %(claim)s") % {"claim": " ".join(clarification.claim_reviewed.split())[:150]}
    return create_broadcast(actor=actor, office=clarification.office, title=title[:200], text=text,
                            audience_all=True)


# Notices to reporters ----------------------------------------------------------------------------------------

def public_url(clarification: Clarification) -> str:
    if clarification.is_external:
        return clarification.external_url
    return settings.SITE_URL + reverse("factcheck_public:clarification",
                                       args=[clarification.office.slug, clarification.slug])


def notice_text(clarification: Clarification, kind: str, *, tracking_number: str) -> str:
    verdict = clarification.get_verdict_display().upper()
    source = f" ({clarification.external_publisher})" if clarification.is_external else ""
    head = {
        Notice.Kind.ANSWER: _("Hasil cek fakta"),
        Notice.Kind.CORRECTION: _("Koreksi hasil cek fakta"),
        Notice.Kind.WITHDRAWAL: _("Klarifikasi ditarik"),
    }[kind]
    number = f" {tracking_number}" if tracking_number else ""
    if kind == Notice.Kind.WITHDRAWAL:
        return _("%(head)s%(number)s: “%(claim)s”. %(reason)s Laporan Anda kami periksa kembali.") % {
            "head": head, "number": number, "claim": clarification.claim_reviewed[:200],
            "reason": clarification.withdrawn_reason}
    return f"{head}{number}: *{verdict}*{source}\n“{clarification.claim_reviewed[:200]}”\n" \
           f"{clarification.summary}\n{public_url(clarification)}"


def _enqueue_refile(report_ids: list[int]) -> None:
    from factcheck.tasks import refile_reports

    refile_reports.enqueue(report_ids)


def refile(*, report_ids: list[int]) -> int:
    """Reports whose automatic answer was withdrawn, each into the claim it repeats (or a new one), in its own
    transaction: a clarification that answered ten thousand people must not hold the database for one request."""
    count = 0
    for report in Report.objects.filter(pk__in=report_ids, claim=None, status=Report.Status.QUEUED).select_related(
            "office"):
        with transaction.atomic():
            _file_in_claim(report, selectors.office_settings(report.office))
        count += 1
    return count


def _enqueue_notices(clarification_id: int, kind: str, report_ids: list[int] | None, *,
                     per_report: bool = False) -> None:
    from factcheck.tasks import notify_reporters

    notify_reporters.enqueue(clarification_id, kind, report_ids, per_report)


def _recipient_key(report: Report) -> str:
    if report.conversation_id:
        return f"member:{report.conversation.member_id}"
    if report.reporter_id:
        return f"member:{report.reporter_id}"
    return report.notify_address


def notify(*, clarification_id: int, kind: str, report_ids: list[int] | None = None, per_report: bool = False) -> int:
    """Tell each reporter once (per clarification, revision and kind; a person who reported twice gets one
    message). Corrections and withdrawals go to everyone told before. Safe to run twice: the Notice row is the
    guard. `per_report`: the answer to one new report, sent even to someone told before (they asked again).
    Returns how many were handed to a channel."""
    clarification = Clarification.objects.select_related("office").get(pk=clarification_id)
    if kind == Notice.Kind.ANSWER:
        if clarification.status != Clarification.Status.PUBLISHED:
            return 0
        reports = Report.objects.filter(answered_with=clarification)
        if report_ids is not None:
            reports = reports.filter(pk__in=report_ids)
    else:
        told = Notice.objects.filter(clarification=clarification, kind=Notice.Kind.ANSWER,
                                     status=Notice.Status.QUEUED).values_list("report_id", flat=True)
        reports = Report.objects.filter(pk__in=told)
    sent = 0
    revision = clarification.revision if kind != Notice.Kind.WITHDRAWAL else 0
    for report in reports.select_related("conversation", "conversation__member", "office").order_by("pk"):
        key = _recipient_key(report)
        if key and per_report:
            key = f"{key}#{report.tracking_number}"[:254]
        if not key:
            continue   # a portal report without a contact: the reporter looks the number up
        try:
            with transaction.atomic():
                notice = Notice.objects.create(clarification=clarification, report=report, recipient_key=key,
                                               kind=kind, revision=revision, status=Notice.Status.QUEUED)
                notice.delivery, reason = _send_notice(report, clarification, kind)
                if notice.delivery is None:
                    notice.status, notice.reason = Notice.Status.UNREACHABLE, reason[:300]
                notice.save(update_fields=["delivery", "status", "reason"])
        except IntegrityError:
            continue   # this person was already told
        sent += notice.status == Notice.Status.QUEUED
    return sent


def _send_notice(report: Report, clarification: Clarification, kind: str):
    from broadcasts.audience import usable_channels
    from broadcasts.services import send_direct
    from inbox.services import send_automatic

    config = selectors.office_settings(report.office)
    with override("id"):
        text = notice_text(clarification, kind, tracking_number=report.tracking_number)
        parameters = [clarification.get_verdict_display(), public_url(clarification)]
        if report.conversation_id:
            message, reason = send_automatic(
                conversation=report.conversation, text=text, template=config.notice_template,
                template_parameters=parameters, audit_action="factcheck.reporter_notified")
            return (message.delivery if message else None), reason
        kind_, _sep, value = report.notify_address.partition(":")
        channel = usable_channels(report.office).get(kind_)
        if channel is None:
            return None, _("Satker tidak punya kanal aktif untuk alamat ini.")
        choice = window.free_text_or_template(channel=channel, window_open=value in window.open_for(channel, {value}),
                                              template=config.notice_template)
        if choice.refused:
            return None, _("Pelapor belum menulis ke nomor ini dalam 24 jam dan belum ada templat pemberitahuan.")
        template = choice.template
        delivery = send_direct(channel=channel, recipient=value, text=text, template=template,
                               template_parameters=parameters if template else (),
                               audit_action="factcheck.reporter_notified")
        return delivery, ""


def erase_member_reports(member) -> int:
    """Erasure (UU 27/2022): the person's reports (also those sent from the portal with one of their addresses)
    lose what they sent and who sent it, in the audit log too; a claim summarised from their words loses its
    summary (a claim they were the first to report). The claims keep their counts, so the forum still knows how
    widely a hoax was reported."""
    from audit.services import REDACTED, redact_target_history

    addresses = [f"{a.kind}:{a.value}" for a in member.addresses.all()]
    reports = Report.objects.filter(Q(reporter=member) | Q(notify_address__in=addresses, reporter__isnull=True))
    own = set(reports.values_list("pk", flat=True))
    claims = [claim_id for claim_id in set(reports.exclude(claim=None).values_list("claim_id", flat=True))
              if Report.objects.filter(claim_id=claim_id).order_by("created_at", "pk")
              .values_list("pk", flat=True).first() in own]   # summarised from their words: they reported first
    Claim.objects.filter(pk__in=claims).update(summary=REDACTED, updated_at=timezone.now())
    redact_target_history(target_type="factcheck.claim", target_ids=[str(pk) for pk in claims],
                          actions=["factcheck.claim_created"])
    redact_target_history(target_type="factcheck.report", target_ids=[str(pk) for pk in reports.values_list(
        "pk", flat=True)])
    for report in reports.exclude(media=""):
        if not report.message_id:   # a screenshot shared with an inbox message is erased with the message
            report.media.delete(save=False)
    return reports.update(reporter=None, reporter_name="", notify_address="", text=REDACTED, url="", ocr_text="",
                          media="", image_hash="", fingerprint="")


# Settings and imports ----------------------------------------------------------------------------------------

@transaction.atomic
def update_settings(*, actor, office, suggest_percent: int, auto_percent: int, notice_template=None) -> Settings:
    _require(actor, "factcheck.manage", office)
    errors = {}
    if not 0 <= suggest_percent <= 100:
        errors["suggest_percent"] = _("Isi angka 0 sampai 100.")
    if not 0 <= auto_percent <= 100:
        errors["auto_percent"] = _("Isi angka 0 sampai 100.")
    elif auto_percent < suggest_percent:
        errors["auto_percent"] = _("Ambang jawaban otomatis tidak boleh di bawah ambang saran.")
    if notice_template is not None and (notice_template.channel.office_id != office.pk or
                                        notice_template.status != notice_template.Status.APPROVED):
        errors["notice_template"] = _("Pilih templat yang disetujui dari kanal satker ini.")
    elif notice_template is not None and len(notice_template.parameters) != 2:
        errors["notice_template"] = _("Templat pemberitahuan harus punya dua parameter: putusan dan tautan.")
    if errors:
        raise ValidationError(errors)
    config, _created = Settings.objects.select_for_update().get_or_create(office=office)
    before = {"suggest": config.suggest_percent, "auto": config.auto_percent,
              "template": config.notice_template_id}
    config.suggest_percent, config.auto_percent, config.notice_template = suggest_percent, auto_percent, \
        notice_template
    config.save()
    record(actor=actor, office=office, action="factcheck.settings_updated", target=office, before=before,
           after={"suggest": suggest_percent, "auto": auto_percent, "template": config.notice_template_id})
    return config


def import_external(*, actor, office, data: bytes, filename: str = "") -> dict:
    """ClaimReview JSON-LD or Google Fact Check Tools files into attributed clarifications awaiting approval: the
    importer is their author, so a second person with factcheck.approve publishes each (publish_clarification)
    before it is public or answers any report. Items already imported (same article URL) are skipped; each problem
    names the item and field."""
    from factcheck.external import parse

    _require(actor, "factcheck.approve", office)
    result = parse(data, filename)
    created, skipped = 0, 0
    for check in result.checks:
        if Clarification.objects.filter(office=office, external_url=check.url[:500]).exists():
            skipped += 1
            continue
        try:
            with transaction.atomic():
                imported = Clarification.objects.create(
                    office=office, slug=_unique_slug(office, check.claim_reviewed),
                    claim_reviewed=check.claim_reviewed[:500], verdict=check.verdict,
                    summary=_("%(rating)s menurut %(publisher)s.") % {"rating": check.rating,
                                                                     "publisher": check.publisher},
                    item_reviewed_url=check.item_reviewed_url[:500], status=Clarification.Status.PENDING,
                    published_at=check.published, external_publisher=check.publisher[:200],
                    external_url=check.url[:500], external_rating=check.rating[:100], author=actor,
                    edited_by=actor)
        except IntegrityError:
            skipped += 1
            continue
        created += 1
        record(actor=actor, office=office, action="factcheck.clarification_imported", target=imported,
               after={**_snapshot(imported), "publisher": imported.external_publisher,
                      "url": imported.external_url})
    record(actor=actor, office=office, action="factcheck.external_imported", target=office,
           target_label=filename[:100] or None,
           after={"created": created, "skipped": skipped, "problems": len(result.problems)})
    return {"created": created, "skipped": skipped, "problems": result.problems}
