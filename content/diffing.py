"""Differences between two revisions, as lines for a template to escape and colour (no HTML is built here)."""

import difflib
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from content.models import Revision

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


def revision_diff(old: Revision, new: Revision) -> list[FieldDiff]:
    return [FieldDiff(name, str(label), diff_text(getattr(old, name), getattr(new, name))) for name, label in FIELDS]
