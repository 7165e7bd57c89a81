"""Public pages of the inbox on the portal: the contact form, and looking up a tracking number."""

from functools import wraps

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from audit.services import record
from bakohumas import spamguard
from inbox.models import Conversation, Message
from inbox.services import new_tracking_number
from lib.contacts import AddressError, clean_plain_text, normalize_address
from members.models import Member
from offices.selectors import office_and_descendants
from ops.services import throttle_exceeded

CONTACT_FORM_SALT = "inbox.contact-form"
MESSAGES_PER_IP_PER_HOUR = 10
LOOKUPS_PER_IP_PER_HOUR = 60


CONTACT_FORM_MAX_BODY = 128 * 1024   # 4,096 characters of message, even all emoji and percent-encoded, fit


def body_limited(max_bytes: int, refuse):
    """Answer `refuse(request, declared_bytes, *args, **kwargs)` to a POST that declares a body over `max_bytes`,
    before anything reads it (Django reads at most CONTENT_LENGTH bytes, so the declared length bounds what would
    be read). The CSRF check reads the body too: it runs after the guard (csrf_protect inside, csrf_exempt
    outside)."""
    def decorate(view):
        protected = csrf_protect(view)

        @wraps(view)
        def guarded(request, *args, **kwargs):
            if request.method == "POST":
                try:
                    declared = int(request.META.get("CONTENT_LENGTH") or 0)
                except ValueError:
                    declared = 0
                if declared > max_bytes:
                    return refuse(request, declared, *args, **kwargs)
            return protected(request, *args, **kwargs)

        return csrf_exempt(guarded)

    return decorate


def form_token() -> str:
    return spamguard.form_token(CONTACT_FORM_SALT)


def submit_contact_form(*, office, data: dict, ip_address: str | None) -> Conversation:
    """A question from the portal: a conversation like any other, answered by e-mail or WhatsApp."""
    spamguard.check(data, salt=CONTACT_FORM_SALT)
    if throttle_exceeded(scope=f"contact-form:{office.pk}", key=ip_address or "unknown",
                         limit=MESSAGES_PER_IP_PER_HOUR, window=timezone.timedelta(hours=1)):
        raise ValidationError(_("Terlalu banyak pesan dari jaringan ini. Coba lagi dalam satu jam."))
    errors: dict = {}
    try:
        name = clean_plain_text(data.get("name", ""), max_length=150, label=_("Nama"))
    except ValidationError as exc:
        errors["name"] = exc.messages
    text = (data.get("message") or "").replace("\r\n", "\n").strip()
    if not text:
        errors["message"] = [_("Tulis pesan Anda.")]
    elif len(text) > 4096:
        errors["message"] = [_("Pesan paling banyak 4.096 karakter.")]
    addresses = []
    for kind, field in (("mailto", "email"), ("whatsapp", "whatsapp")):
        raw = (data.get(field) or "").strip()
        if raw:
            try:
                addresses.append((kind, normalize_address(kind, raw)))
            except AddressError as exc:
                errors[field] = [str(exc)]
    if not addresses and "email" not in errors and "whatsapp" not in errors:
        errors["email"] = [_("Isi e-mail atau nomor WhatsApp agar kami dapat menjawab.")]
    if not data.get("agree"):
        errors["agree"] = [_("Centang persetujuan agar kami boleh memakai kontak ini untuk menjawab.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    urns = [f"{kind}:{value}" for kind, value in addresses]
    with transaction.atomic():
        # A web form proves nothing about who sent it: never the registered member with this number or e-mail,
        # and no address book entry (the typed addresses stay on the conversation, the only ones answered).
        member = Member.objects.create(office=office, full_name=name, source=Member.Source.INBOUND)
        conversation = Conversation.objects.create(
            office=office, member=member, tracking_number=new_tracking_number(), from_contact_form=True,
            reply_addresses=urns, last_message_at=now, last_inbound_at=now)
        Message.objects.create(conversation=conversation, direction=Message.Direction.INBOUND, kind="text",
                               text=text, created_at=now)
        record(actor=None, office=office, action="conversation.contact_form", target=conversation,
               after={"addresses": urns, "member": member.pk})
    return conversation


def tracking_status(*, office, number: str, ip_address: str | None) -> Conversation | None:
    if throttle_exceeded(scope="tracking-lookup", key=ip_address or "unknown", limit=LOOKUPS_PER_IP_PER_HOUR,
                         window=timezone.timedelta(hours=1)):
        raise ValidationError(_("Terlalu banyak pencarian dari jaringan ini. Coba lagi dalam satu jam."))
    number = "".join((number or "").upper().split())
    if not number:
        return None
    # A portal answers for its own office and the offices below it (whose questions may be escalated to it).
    return Conversation.objects.filter(tracking_number=number, office__in=office_and_descendants(office)
                                       ).select_related("office", "escalated_to").first()


def tracking_page_url(office) -> str:
    return settings.SITE_URL + reverse("inbox_public:tracking", args=[office.slug])


def render_done(request, office, conversation):
    return render(request, "inbox/public_contact_done.html", {"office": office, "conversation": conversation,
                                                              "tracking_url": tracking_page_url(office)})
