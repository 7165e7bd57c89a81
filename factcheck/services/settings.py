"""An office's matching thresholds and notice template, and fact-checks imported from outside."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.services import record
from factcheck.models import Clarification, Settings
from factcheck.services._common import _require
from factcheck.services.clarifications import _snapshot, _unique_slug


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
