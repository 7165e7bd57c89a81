"""What an audit row says to a person: one sentence per action code, e.g. "{actor} menerbitkan klarifikasi {object}".

Each app registers the sentences of the codes it writes, and how to open the objects they are about, in its own
`audit_sentences.py` (found by AuditConfig.ready(), so audit imports none of them). A sentence is a gettext string
with named placeholders:

- `{actor}`: who did it (the staff member's name, or "Sistem");
- `{object}`: the object's label in «», a link when the viewer may open it;
- `{name}`: the value stored under `name` in the row's "after" data (`{old_name}`: in its "before" data), formatted
  for people: choices by their label, booleans as Ya/Tidak, moments in the viewer's zone, nothing as —.

`audit/tests/test_sentences.py` fails on any code written in the source without a sentence here.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Choices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lib.moments import EMPTY, format_moment

GENERIC = gettext_lazy("{actor} mencatat perubahan pada {object}")
GENERIC_NO_OBJECT = gettext_lazy("{actor} mencatat perubahan")
MAX_VALUE_CHARS = 160
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?)?$")


class Verbatim(str):
    """A placeholder value from a sentence's `values` hook that is shown as it is (escaped), "" included."""


def quoted_note(key: str = "note") -> Callable[[dict, dict], dict]:
    """A `values` hook: {note} becomes `: “…”` when the row has a note under `key`, else nothing."""
    def values(before: dict, after: dict) -> dict:
        note = after.get(key) or ""
        return {"note": Verbatim(f": “{note}”" if isinstance(note, str) and note.strip() else "")}
    return values


@dataclass(frozen=True)
class Sentence:
    text: str
    link: bool = True          # False when the action removed the object: there is nothing left to open
    # (before, after) → more placeholders, for rows whose data was stored in more than one shape
    values: Callable[[dict, dict], dict] | None = None


@dataclass(frozen=True)
class Target:
    """How to open an object of one model (`app_label.modelname`) and what its stored values mean."""

    url: Callable[[str], str]                 # target id → path of its staff page
    capability: str                           # what the viewer needs to open it (accounts.permissions)
    labels: Mapping[str, str] = field(default_factory=dict)          # key → label, beyond the model's fields
    # key → a Choices class, or a function giving (value, label) pairs, beyond the model's own choices
    choices: Mapping[str, type[Choices] | Callable[[], list[tuple]]] = field(default_factory=dict)


_sentences: dict[str, Sentence] = {}
_targets: dict[str, Target] = {}
_areas: dict[str, str] = {}
_labels: dict[str, dict[str, str]] = {}


def register(code: str, text, *, link: bool = True, values: Callable[[dict, dict], dict] | None = None) -> None:
    _sentences[code] = Sentence(text, link, values)


def register_many(sentences: Mapping[str, object], *, link: bool = True) -> None:
    for code, text in sentences.items():
        register(code, text, link=link)


def register_target(model_label: str, target: Target) -> None:
    _targets[model_label] = target


def register_labels(model_label: str, labels: Mapping[str, str]) -> None:
    """Labels for keys another app stores about a model it does not own (factcheck's settings on an office)."""
    _labels.setdefault(model_label, {}).update(labels)


def register_area(prefix: str, label) -> None:
    """A group of codes (`prefix.`) for the audit log's filter, e.g. "member" → "Anggota"."""
    _areas[prefix] = label


def sentence(code: str) -> Sentence | None:
    return _sentences.get(code)


def codes() -> frozenset[str]:
    return frozenset(_sentences)


def target(model_label: str) -> Target | None:
    return _targets.get(model_label)


def areas() -> list[tuple[str, str]]:
    return sorted(((prefix, str(label)) for prefix, label in _areas.items()), key=lambda area: area[1])


def _model_field(model_label: str, key: str):
    try:
        return apps.get_model(model_label)._meta.get_field(key)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None


def field_label(model_label: str, key: str) -> str:
    registered = target(model_label)
    if registered is not None and key in registered.labels:
        return str(registered.labels[key])
    if key in _labels.get(model_label, {}):
        return str(_labels[model_label][key])
    model_field = _model_field(model_label, key)
    if model_field is not None and getattr(model_field, "verbose_name", None):
        return str(model_field.verbose_name)
    return key.replace("_", " ")


def _choice_labels(model_label: str, key: str) -> dict:
    registered = target(model_label)
    if registered is not None and key in registered.choices:
        source = registered.choices[key]
        pairs = source.choices if isinstance(source, type) and issubclass(source, Choices) else source()
        return {value: str(label) for value, label in pairs}
    model_field = _model_field(model_label, key)
    if model_field is not None and getattr(model_field, "choices", None):
        return {value: str(label) for value, label in model_field.flatchoices}
    return {}


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS - 1].rstrip() + "…"


def format_value(model_label: str, key: str, value, zone=None) -> str:
    """A stored value as people read it (never a code, True/None or a JSON dict)."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    labels = _choice_labels(model_label, key)
    if isinstance(value, list):
        return _shorten(", ".join(_plain(model_label, key, item, labels, zone) for item in value))
    return _shorten(_plain(model_label, key, value, labels, zone))


# Rows written from a form's values as text (staff changed in /admin/) hold these for None, True and False.
STRINGIFIED = {"None": None, "True": True, "False": False}


def _plain(model_label: str, key: str, value, labels: dict, zone) -> str:
    if isinstance(value, str) and value in STRINGIFIED:
        value = STRINGIFIED[value]
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return _("Ya") if value else _("Tidak")
    if isinstance(value, dict):
        return "; ".join(f"{field_label(model_label, k)}: {format_value(model_label, k, v, zone)}"
                         for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_plain(model_label, key, item, labels, zone) for item in value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if labels and value in labels:
        return labels[value]
    if isinstance(value, str) and ISO_MOMENT.match(value):
        return format_moment(value, zone)
    return str(value)
