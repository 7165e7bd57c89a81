import string
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Model, QuerySet
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.permissions import can
from audit import sentences
from audit.models import AuditEntry
from audit.services import REDACTED
from offices.selectors import office_and_descendants

OBJECT_CHARS = 80


def audit_entries_for(office, *, area: str = "", actor: str = "") -> QuerySet[AuditEntry]:
    entries = (AuditEntry.objects.filter(office__in=office_and_descendants(office))
               .select_related("office", "actor"))
    if area:
        entries = entries.filter(action__startswith=f"{area}.")
    if actor:
        entries = entries.filter(actor_label__icontains=actor)
    return entries


def history_of(obj: Model, viewer, *, limit: int = 50) -> list[AuditEntry]:
    """The audit rows about one object, newest first; only those written in the viewer's office or below (a
    clarification of KPU RI shown to a kabupaten/kota does not show KPU RI's workflow)."""
    if viewer is None or getattr(viewer, "office_id", None) is None:
        return []
    return list(AuditEntry.objects.filter(target_type=obj._meta.label_lower, target_id=str(obj.pk),
                                          office__in=office_and_descendants(viewer.office))
                .select_related("actor").order_by("-at", "-id")[:limit])


@dataclass(frozen=True)
class Line:
    """One audit row as a person reads it."""

    entry: AuditEntry
    sentence: SafeString
    changes: list[tuple[str, str, str]]        # (label, before, after), formatted; before is "" when there was none


class _Placeholders(dict):
    def __missing__(self, key: str) -> str:
        return sentences.EMPTY


def actor_name(entry: AuditEntry) -> str:
    if entry.actor_id is not None and entry.actor is not None:
        return entry.actor.get_full_name() or entry.actor.get_username()
    if entry.actor_label in ("", "sistem"):
        return _("Sistem")
    return entry.actor_label


def _openable(entries: list[AuditEntry], viewer) -> set[tuple[str, str]]:
    """(target type, id) of the objects that still exist and the viewer may open."""
    wanted: dict[str, set[str]] = {}
    for entry in entries:
        registered = sentences.target(entry.target_type)
        found = sentences.sentence(entry.action)
        if (registered is None or not entry.target_id or entry.target_label == REDACTED
                or (found is not None and not found.link) or viewer is None
                or not can(viewer, registered.capability)):
            continue
        wanted.setdefault(entry.target_type, set()).add(entry.target_id)
    openable = set()
    for model_label, ids in wanted.items():
        model = apps.get_model(model_label)
        valid = [pk for pk in ids if pk.isdigit()]
        found = model.objects.filter(pk__in=valid).values_list("pk", flat=True)
        openable.update((model_label, str(pk)) for pk in found)
    return openable


def _object(entry: AuditEntry, openable: set) -> str:
    if not entry.target_label:
        return sentences.EMPTY
    label = Truncator(entry.target_label).chars(OBJECT_CHARS)
    if entry.target_label == REDACTED:
        return format_html("<em>{}</em>", label)
    if (entry.target_type, entry.target_id) in openable:
        try:
            url = sentences.target(entry.target_type).url(entry.target_id)
        except NoReverseMatch:
            url = ""
        if url:
            return format_html("«<a href=\"{}\">{}</a>»", url, label)
    return format_html("«{}»", label)


def describe(entries, viewer, *, zone=None, links: bool = True) -> list[Line]:
    """Each row as a sentence ("Dewi Lestari menerbitkan klarifikasi «…»") with its changed values formatted.
    `links=False` on the object's own page (its history), where a link to itself says nothing."""
    entries = list(entries)
    openable = _openable(entries, viewer) if links else set()
    lines = []
    for entry in entries:
        found = sentences.sentence(entry.action)
        text = found.text if found is not None else (
            sentences.GENERIC if entry.target_label else sentences.GENERIC_NO_OBJECT)
        values = _Placeholders()
        before, after = entry.before, entry.after
        for prefix, data in (("old_", before), ("", after)):
            if isinstance(data, dict):
                for key, value in data.items():
                    values[f"{prefix}{key}"] = conditional_escape(
                        sentences.format_value(entry.target_type, key, value, zone))
        if found is not None and found.values is not None:
            extra = found.values(before if isinstance(before, dict) else {}, after if isinstance(after, dict) else {})
            for key, value in extra.items():
                shown = value if isinstance(value, sentences.Verbatim) else sentences.format_value(
                    entry.target_type, key, value, zone)
                values[key] = conditional_escape(shown)
        values["actor"] = format_html("<strong>{}</strong>", actor_name(entry))
        values["object"] = _object(entry, openable)
        try:
            rendered = string.Formatter().vformat(str(conditional_escape(str(text))), (), values)
        except (ValueError, IndexError, KeyError, AttributeError, TypeError):
            rendered = string.Formatter().vformat(str(sentences.GENERIC), (), values)
        # The sentence is escaped above and every value placed in it is escaped or built by format_html.
        lines.append(Line(entry, mark_safe(rendered), _changes(entry, zone)))  # noqa: S308
    return lines


def _changes(entry: AuditEntry, zone) -> list[tuple[str, str, str]]:
    before, after = entry.before, entry.after
    if not isinstance(before, dict | None) or not isinstance(after, dict | None):
        return []
    rows = []
    for key, old, new in entry.changes():
        had = before is not None and key in before
        if not had and new in (None, "", [], {}):
            continue          # nothing was there and nothing is: not a change worth a line
        rows.append((sentences.field_label(entry.target_type, key),
                     sentences.format_value(entry.target_type, key, old, zone) if had else "",
                     sentences.format_value(entry.target_type, key, new, zone)))
    return rows
