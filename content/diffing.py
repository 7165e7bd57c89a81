"""Differences between two revisions, as lines for a template to escape and colour (no HTML is built here)."""

import difflib
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from content.models import Publication, PublicationChange, Revision

FIELDS = (("title", _("Judul")), ("summary", _("Ringkasan")), ("body", _("Isi")))


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "del", "same" or "hunk"
    text: str


@dataclass(frozen=True)
class FieldDiff:
    name: str
    label: str
    lines: list[DiffLine]

    @property
    def changed(self) -> bool:
        return any(line.kind in {"add", "del"} for line in self.lines)


def diff_text(old: str, new: str, *, context: int = 3) -> list[DiffLine]:
    lines = []
    for line in list(difflib.unified_diff((old or "").splitlines(), (new or "").splitlines(), lineterm="",
                                          n=context))[2:]:
        if line.startswith("@@"):
            lines.append(DiffLine("hunk", "…"))
        elif line.startswith("+"):
            lines.append(DiffLine("add", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("del", line[1:]))
        else:
            lines.append(DiffLine("same", line[1:]))
    return lines


@dataclass(frozen=True)
class ValueChange:
    label: str
    old: object
    new: object
    is_date: bool = False


def revision_diff(old: Revision | Publication, new: Revision | PublicationChange) -> list[FieldDiff]:
    return [FieldDiff(name, str(label), diff_text(getattr(old, name), getattr(new, name))) for name, label in FIELDS]


def _stage_label(stage) -> str:
    return f"{stage.election.name} — {stage.name}" if stage is not None else "—"


def change_settings(live: Publication, change: PublicationChange) -> list[ValueChange]:
    """The settings a pending change alters, old and new value (text fields are diffed by revision_diff)."""
    kinds = dict(Publication.Kind.choices)
    rows = []
    if live.kind != change.kind:
        rows.append(ValueChange(str(_("Jenis")), str(kinds.get(live.kind, live.kind)),
                                str(kinds.get(change.kind, change.kind))))
    if list(live.tags) != list(change.tags):
        rows.append(ValueChange(str(_("Label")), ", ".join(live.tags) or "—", ", ".join(change.tags) or "—"))
    if live.stage_id != change.stage_id:
        rows.append(ValueChange(str(_("Tahapan terkait")), _stage_label(live.stage), _stage_label(change.stage)))
    for field, label in (("publish_at", _("Terbit pada")), ("unpublish_at", _("Berhenti tayang pada"))):
        if getattr(live, field) != getattr(change, field):
            rows.append(ValueChange(str(label), getattr(live, field), getattr(change, field), is_date=True))
    if change.cover_changed and change.cover_alt != live.cover_alt:
        rows.append(ValueChange(str(_("Teks alternatif gambar")), live.cover_alt or "—", change.cover_alt))
    return rows
