"""Reports: filed, matched, answered or queued in a claim; refiled when an answer is withdrawn; erased on request.

A report is matched the moment it arrives: against published clarifications (own office, the offices above, KPU
RI, imported fact-checks) and against the office's open claims. Above the office's "answer automatically" threshold
the reporter gets the clarification at once; otherwise the report joins the claim it matches (or starts one) and
the verifiers see the suggestions with their scores and reasons.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from factcheck import selectors
from factcheck.models import Claim, Clarification, Notice, Report, Settings
from factcheck.services._common import MAX_MEDIA_BYTES, MAX_TEXT, OPEN, fingerprint, new_tracking_number
from factcheck.services.notices import _enqueue_notices

# A report joins an open claim from this score up (or the office's suggestion threshold, if higher): sharing a
# couple of words ("KPU", "suara") with a claim is not the same claim.
CLAIM_JOIN_PERCENT = 35


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
