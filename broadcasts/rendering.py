"""How a broadcast reads on each channel: WhatsApp-style text, e-mail HTML, the text for WhatsApp groups."""

from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

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


def email_html(text: str, unsubscribe: str = "") -> str:
    """WhatsApp formatting (*bold*, _italic_, ~strike~, ```code```) and bare links as HTML; everything else escaped."""
    html = to_html(text, bold="strong", italic="em", strike="del", link=True)
    paragraphs = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in html.split("\n\n") if p.strip())
    footer = ""
    if unsubscribe:
        footer = (f'<hr><p style="font-size:12px;color:#555">'
                  f'{escape(_("Anda menerima e-mail ini sebagai anggota forum Bakohumas."))} '
                  f'<a href="{escape(unsubscribe)}">{escape(pgettext("action", "Berhenti berlangganan"))}</a></p>')
    return f"<!doctype html><html><body>{paragraphs}{footer}</body></html>"


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
