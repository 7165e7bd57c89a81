"""How a broadcast reads on each channel: WhatsApp-style text, e-mail HTML, the text for WhatsApp groups."""

import re
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from channels.providers import telegram
from lib.chatformat import to_html, to_plain

UNSUBSCRIBE_SALT = "broadcasts.unsubscribe"
MAX_TEXT = 4096


def publication_url(publication) -> str:
    return settings.SITE_URL + reverse("portal:publication", args=[publication.office.slug, publication.slug])


def text_from_publication(publication) -> str:
    """The message a publication suggests: its title in bold, the summary, the link."""
    parts = [f"*{publication.title}*"]
    if publication.summary:
        parts.append(publication.summary)
    parts.append(_("Selengkapnya: %(url)s") % {"url": publication_url(publication)})
    return "\n\n".join(parts)


def direct_subject(channel) -> str:
    return _("Pesan dari %(office)s") % {"office": channel.office.name}


def opt_out_footer() -> str:
    return _("Balas BERHENTI bila tidak ingin menerima siaran lagi.")


def chat_text(text: str) -> str:
    """WhatsApp and Telegram: the text as written, plus how to stop receiving."""
    return f"{text}\n\n_{opt_out_footer()}_"


def unsubscribe_token(address_id: int) -> str:
    return signing.dumps(address_id, salt=UNSUBSCRIBE_SALT, compress=True)


def address_from_token(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def unsubscribe_url(address_id: int) -> str:
    return settings.SITE_URL + reverse("broadcasts_public:unsubscribe", args=[unsubscribe_token(address_id)])


def sample_unsubscribe_url() -> str:
    """For previews: the shape of the link without a working token for anyone."""
    return settings.SITE_URL + reverse("broadcasts_public:unsubscribe", args=["contoh"])


def email_body(text: str, unsubscribe: str = "") -> str:
    """WhatsApp formatting (*bold*, _italic_, ~strike~, ```code```) and bare links as HTML; everything else escaped."""
    html = to_html(text, bold="strong", italic="em", strike="del", link=True)
    paragraphs = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in html.split("\n\n") if p.strip())
    footer = ""
    if unsubscribe:
        footer = (f'<hr><p style="font-size:12px;color:#555">'
                  f'{escape(_("Anda menerima e-mail ini sebagai anggota forum Bakohumas."))} '
                  f'<a href="{escape(unsubscribe)}">{escape(pgettext("action", "Berhenti berlangganan"))}</a></p>')
    return paragraphs + footer


def email_html(text: str, unsubscribe: str = "") -> str:
    return f"<!doctype html><html><body>{email_body(text, unsubscribe)}</body></html>"


def email_text(text: str, unsubscribe: str = "") -> str:
    plain = to_plain(text)
    if unsubscribe:
        plain += "\n\n-- \n" + _("Berhenti berlangganan: %(url)s") % {"url": unsubscribe}
    return plain


def group_text(broadcast) -> str:
    """Ready to paste into the forum's WhatsApp groups (which the API cannot post to)."""
    text = broadcast.text
    if broadcast.media_url and broadcast.media_url not in text:
        text += f"\n\n{broadcast.media_url}"
    return text


def share_link(text: str) -> str:
    return "https://wa.me/?text=" + quote(text, safe="")


def template_parameters(broadcast, recipient_name: str) -> list[str]:
    """The broadcast's template values for one recipient: {nama} becomes their name."""
    return [str(p).replace("{nama}", recipient_name or "") for p in broadcast.template_parameters]


PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


def template_text(template, values: list[str]) -> str:
    """The template's body as the recipient reads it, its {{1}}… or {{name}} placeholders filled in order."""
    filled = dict(zip((str(p) for p in template.parameters), values, strict=False))
    return PLACEHOLDER.sub(lambda m: filled.get(m.group(1), m.group(0)), template.body)


@dataclass(frozen=True)
class Preview:
    """One broadcast as one recipient would get it on each channel. The HTML parts come from to_html, which
    escapes everything it does not mark up itself."""
    recipient_name: str
    recipient_address: str
    whatsapp_html: str          # the chat text with WhatsApp's own formatting rendered
    template_name: str
    template_html: str          # outside the 24-hour window: the template, filled for this recipient
    telegram_html: str          # exactly what Telegram receives in its HTML parse mode
    email_subject: str
    email_html: str
    email_text: str


def whatsapp_html(text: str) -> str:
    return to_html(text, bold="strong", italic="em", strike="del", link=True)


def with_media(broadcast, text: str) -> str:
    return f"{text}\n\n{broadcast.media_url}" if broadcast.media_url else text


def preview(broadcast, *, recipient_name: str, recipient_address: str = "", unsubscribe: str = "") -> Preview:
    chat = chat_text(broadcast.text)
    template = broadcast.template
    return Preview(
        recipient_name=recipient_name, recipient_address=recipient_address,
        whatsapp_html=whatsapp_html(chat),
        template_name=str(template) if template else "",
        template_html=whatsapp_html(template_text(template, template_parameters(broadcast, recipient_name)))
        if template else "",
        telegram_html=telegram.message_request(0, with_media(broadcast, chat))["text"],
        email_subject=broadcast.title,
        email_html=email_body(broadcast.text, unsubscribe),
        email_text=email_text(broadcast.text, unsubscribe),
    )
