"""{% load inbox_tags %}: the conversation view's small pieces. {% icon "whatsapp" %} (inline SVG, nothing loaded
from elsewhere), {{ user|initials }}, {{ when|list_time }} (the office's zone, as the middleware activated it) and
{{ text|chat_html }} (WhatsApp formatting rendered, everything else escaped)."""

import re

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from lib.chatformat import to_html

register = template.Library()

# 24×24 drawings, coloured by the CSS (currentColor) except the channels' own colours.
ICONS = {
    "whatsapp": '<circle cx="12" cy="12" r="12" fill="#1f9d55"/><path d="M12 5.6a6.3 6.3 0 0 0-5.4 9.6L5.8 18.4l3.3-.9'
                'A6.3 6.3 0 1 0 12 5.6z" fill="none" stroke="#fff" stroke-width="1.5" stroke-linejoin="round"/>'
                '<path d="M9.8 9.2c.2-.4.5-.4.7-.4l.5.9c.1.2 0 .4-.1.5l-.3.4c.4.9 1.1 1.6 2 2l.4-.3c.2-.1.3-.2.5-.1'
                'l.9.5c0 .3 0 .6-.4.8-.5.3-1.2.3-1.9 0a5.4 5.4 0 0 1-2.6-2.6c-.3-.7-.2-1.3.3-1.7z" fill="#fff"/>',
    "telegram": '<circle cx="12" cy="12" r="12" fill="#1d8acb"/><path d="M5.9 11.7l10.4-4c.5-.2.9.1.8.8l-1.8 8.4'
                'c-.1.6-.5.7-1 .4l-2.7-2-1.3 1.3c-.2.2-.3.2-.5.2l.2-2.8 5-4.6c.2-.2 0-.3-.3-.1l-6.2 3.9-2.7-.8'
                'c-.6-.2-.6-.6.1-.7z" fill="#fff"/>',
    "email": '<circle cx="12" cy="12" r="12" fill="#5b6675"/><rect x="6.2" y="8" width="11.6" height="8.2" rx="1"'
             ' fill="none" stroke="#fff" stroke-width="1.4"/><path d="M6.6 8.6l5.4 4.2 5.4-4.2" fill="none"'
             ' stroke="#fff" stroke-width="1.4"/>',
    "web": '<circle cx="12" cy="12" r="12" fill="#7a4fb5"/><rect x="7.4" y="6" width="9.2" height="12" rx="1"'
           ' fill="none" stroke="#fff" stroke-width="1.4"/><path d="M9.6 9.5h4.8M9.6 12h4.8M9.6 14.5h3" stroke="#fff"'
           ' stroke-width="1.4"/>',
    "chat": '<circle cx="12" cy="12" r="12" fill="#5b6675"/><path d="M6.5 8.5a2 2 0 0 1 2-2h7a2 2 0 0 1 2 2v5a2 2 0 0 1'
            '-2 2h-4.5l-3 2.5v-2.5a2 2 0 0 1-1.5-2z" fill="none" stroke="#fff" stroke-width="1.4"/>',
    "back": '<path d="M15 5l-7 7 7 7" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round"'
            ' stroke-linejoin="round"/>',
    "send": '<path d="M4 12l16-8-6 16-2.5-6.5z" fill="none" stroke="currentColor" stroke-width="2"'
            ' stroke-linejoin="round"/><path d="M11.5 13.5L20 4" stroke="currentColor" stroke-width="2"/>',
    "reply": '<path d="M10 7L5 12l5 5M5.5 12H14a5 5 0 0 1 5 5v1" fill="none" stroke="currentColor" stroke-width="2"'
             ' stroke-linecap="round" stroke-linejoin="round"/>',
    "clock": '<circle cx="12" cy="12" r="8.5" fill="none" stroke="currentColor" stroke-width="2"/><path d="M12 7.5V12'
             'l3 2" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>',
    "tick": '<path d="M5 12.5l4.5 4.5L19 7.5" fill="none" stroke="currentColor" stroke-width="2.2"'
            ' stroke-linecap="round" stroke-linejoin="round"/>',
    "ticks": '<path d="M2.5 12.5L7 17l9.5-9.5M11.5 16.2l.8.8 9.5-9.5" fill="none" stroke="currentColor"'
             ' stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/>',
    "alert": '<circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" stroke-width="2"/><path d="M12 7.5v5.5'
             'M12 15.8v.4" stroke="currentColor" stroke-width="2.2" stroke-linecap="round"/>',
    "note": '<path d="M6 4.5h9l3.5 3.5v11.5H6z" fill="none" stroke="currentColor" stroke-width="1.8"'
            ' stroke-linejoin="round"/><path d="M9 11h6M9 14.5h6" stroke="currentColor" stroke-width="1.8"/>',
    "search": '<circle cx="10.5" cy="10.5" r="6" fill="none" stroke="currentColor" stroke-width="2"/><path d="M15'
              ' 15l5 5" stroke="currentColor" stroke-width="2.2" stroke-linecap="round"/>',
    "up": '<path d="M12 19V6M6 11.5L12 5.5l6 6" fill="none" stroke="currentColor" stroke-width="2"'
          ' stroke-linecap="round" stroke-linejoin="round"/>',
}


@register.simple_tag
def icon(name: str, css: str = "", label: str = ""):
    """An inline SVG; decorative (aria-hidden) unless a label is given."""
    body = ICONS.get(name, ICONS["chat"])
    if label:
        return format_html('<svg class="icon {}" viewBox="0 0 24 24" role="img" aria-label="{}">{}</svg>',
                           css, label, mark_safe(body))   # noqa: S308 - constant markup defined above
    return format_html('<svg class="icon {}" viewBox="0 0 24 24" aria-hidden="true" focusable="false">{}</svg>',
                       css, mark_safe(body))   # noqa: S308 - constant markup defined above


CHANNEL_NAMES = {"whatsapp": "WhatsApp", "telegram": "Telegram", "email": "E-mail"}


@register.filter
def channel_name(kind: str) -> str:
    if kind == "web":
        return _("Formulir kontak portal")
    return CHANNEL_NAMES.get(kind) or _("Pesan")


@register.filter
def initials(user) -> str:
    """"Sri Wahyuni" → "SW"; "operator.madiun" → "OM"."""
    if user is None:
        return ""
    name = user.get_full_name() or user.username
    words = [w for w in re.split(r"[\s._\-@]+", name) if w]
    return "".join(w[0] for w in words[:2]).upper() or "?"


@register.filter
def list_time(when) -> str:
    """Today: the time; this year: day and month; before: the date with its year."""
    if when is None:
        return ""
    local, today = timezone.localtime(when), timezone.localdate()
    if local.date() == today:
        return date_filter(local, "H.i")
    if local.year == today.year:
        return date_filter(local, "j M")
    return date_filter(local, "j M Y")


@register.filter
def chat_html(text: str) -> str:
    """The text as the person sees it on WhatsApp: *bold*, _italic_, ~strike~, ```mono```, line breaks kept."""
    return mark_safe(to_html(text or "").replace("\n", "<br>"))   # noqa: S308 - to_html escapes everything first


@register.filter
def kind_label(kind: str) -> str:
    """What kind of message it is, in words ("Foto", "Jawaban tombol"); nothing for a type without a name here."""
    from inbox.selectors import KIND_LABELS

    return str(KIND_LABELS.get(kind, ""))
