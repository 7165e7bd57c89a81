"""Every write to channels, templates and inbound messages. Keyword-only, validated, transactional, audited."""

import logging
import re
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import can
from audit.services import record
from bakohumas.locking import ConflictError
from channels import commands, hooks
from channels.crypto import Unreadable
from channels.http import custom_endpoints_allowed
from channels.models import Channel, InboundMessage, Template
from channels.providers import REGISTRY
from channels.providers.base import (
    AccountError,
    OutgoingMessage,
    SendResult,
    StatusUpdate,
    TemplateCategoryChange,
    TemplateMessage,
)
from channels.providers.base import InboundMessage as InboundEvent
from channels.selectors import forget_channel

logger = logging.getLogger(__name__)
TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


def _snapshot(channel: Channel) -> dict:
    # Secrets (and generated webhook secrets) never enter the audit log: only which secrets are set.
    shown = {f.name for f in channel.provider.fields if not f.secret}
    return {"name": channel.name, "kind": channel.kind, "status": channel.status,
            "config": {k: v for k, v in channel.config.items() if k in shown},
            "rate_per_second": channel.rate_per_second, "tipline": channel.tipline,
            "secrets_set": sorted(k for k, v in channel.secrets.items() if v)}


def _clean_config(kind: str, name: str, config: dict, secrets: dict, rate, existing: Channel | None, office) -> tuple:
    provider = REGISTRY.get(kind)
    if provider is None:
        raise ValidationError({"kind": _("Jenis kanal tidak dikenal.")})
    errors: dict[str, str] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = _("Nama kanal wajib diisi.")
    elif Channel.objects.filter(office=office, name=name).exclude(pk=getattr(existing, "pk", None)).exists():
        errors["name"] = _("Satker ini sudah punya kanal bernama “%(name)s”.") % {"name": name}
    generated = provider.generated_config()
    clean_config = {k: v for k, v in (existing.config if existing else {}).items()
                    if k in generated or k not in {f.name for f in provider.fields}}
    # A generated webhook secret no key opens is lost: a new one (to paste or register again) replaces it.
    clean_config.update({k: v for k, v in generated.items() if isinstance(clean_config.get(k), Unreadable)})
    clean_secrets = dict(existing.secrets) if existing else {}
    for field in provider.fields:
        raw = str((secrets if field.secret else config).get(field.name) or "").strip()
        if field.secret:
            if raw:
                clean_secrets[field.name] = raw           # blank keeps the saved secret
            elif field.required and isinstance(clean_secrets.get(field.name), Unreadable):
                errors[field.name] = _("%(label)s yang tersimpan tidak dapat dibuka dengan SECRETS_KEY saat ini: "
                                       "isi lagi.") % {"label": field.label}
            elif field.required and not clean_secrets.get(field.name):
                errors[field.name] = _("%(label)s wajib diisi.") % {"label": field.label}
        else:
            if field.required and not raw:
                errors[field.name] = _("%(label)s wajib diisi.") % {"label": field.label}
            clean_config[field.name] = raw
    if not errors:
        errors.update(provider.validate_config(clean_config))
    for field in provider.fields:
        value = clean_config.get(field.name, "") if field.custom_endpoint else ""
        if not value or value.rstrip("/") == provider.default_base_url:
            continue
        if not custom_endpoints_allowed():
            errors[field.name] = _("Kanal ini hanya memakai %(url)s: kosongkan alamat ini.") % {
                "url": provider.default_base_url}
        elif not value.startswith(("https://", "http://")):
            errors[field.name] = _("Alamat API harus diawali https://.")
    if existing is not None:
        for field in provider.fields:
            typed = str(secrets.get(field.name) or "").strip()
            moved = [name for name in field.bound_to
                     if str(existing.config.get(name) or "").strip() != str(clean_config.get(name) or "").strip()]
            if field.secret and moved and not typed and existing.secrets.get(field.name):
                errors[field.name] = _("Masukkan lagi %(label)s karena alamat server berubah: yang tersimpan tidak "
                                       "dikirim ke server lain.") % {"label": field.label}
    try:
        rate = float(rate if rate not in (None, "") else provider.default_rate)
    except (TypeError, ValueError):
        rate = -1
    if not 0 < rate <= provider.max_rate:
        errors["rate_per_second"] = _("Batas kirim harus antara 0 dan %(max)s pesan per detik.") % {
            "max": f"{provider.max_rate:g}"}
    if errors:
        raise ValidationError(errors)
    return name, clean_config, clean_secrets, rate


@transaction.atomic
def create_channel(*, actor, office, kind: str, name: str, config: dict | None = None, secrets: dict | None = None,
                   rate_per_second=None, tipline: bool = False) -> Channel:
    name, config, secrets, rate = _clean_config(kind, name, config or {}, secrets or {}, rate_per_second, None,
                                                office)
    config = {**REGISTRY[kind].generated_config(), **config}
    channel = Channel.objects.create(office=office, kind=kind, name=name, config=config, secrets=secrets,
                                     rate_per_second=rate, created_by=actor,
                                     tipline=tipline and REGISTRY[kind].two_way)
    record(actor=actor, office=office, action="channel.created", target=channel, after=_snapshot(channel))
    return channel


@transaction.atomic
def update_channel(*, actor, channel: Channel, expected_version: int | None, name: str, config: dict,
                   secrets: dict, rate_per_second, tipline: bool | None = None) -> Channel:
    current = Channel.objects.select_for_update().get(pk=channel.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(current)
    before = _snapshot(current)
    changed_secrets = sorted(k for k, v in secrets.items() if str(v or "").strip())
    current.name, current.config, current.secrets, current.rate_per_second = _clean_config(
        current.kind, name, config, secrets, rate_per_second, current, current.office)
    if tipline is not None:
        current.tipline = tipline and current.provider.two_way
    current.version = F("version") + 1
    # Not the status: a channel whose secrets no key opens only looks broken in memory (Channel.from_db).
    current.save(update_fields=["name", "config", "secrets", "rate_per_second", "tipline", "version"])
    current.refresh_from_db()
    forget_channel(current)
    transaction.on_commit(lambda: forget_channel(current))   # and again once other threads can see the change
    record(actor=actor, office=current.office, action="channel.updated", target=current, before=before,
           after={**_snapshot(current), "secrets_changed": changed_secrets})
    return current


@transaction.atomic
def set_channel_status(*, actor, channel: Channel, active: bool) -> Channel:
    """Pause keeps the queue; (re)activating, also after an automatic stop, sends what waited."""
    current = Channel.objects.select_for_update().get(pk=channel.pk)
    before = {"status": current.status, "reason": current.status_reason}
    current.status = Channel.Status.ACTIVE if active else Channel.Status.PAUSED
    current.status_reason = "" if active else _("Dijeda oleh %(user)s") % {"user": actor.get_username()}
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    record(actor=actor, office=current.office, action="channel.resumed" if active else "channel.paused",
           target=current, before=before, after={"status": current.status})
    if active:
        hooks.channel_resumed(current.pk)
    return current


def send_test(*, actor, channel: Channel, to: str, template: Template | None = None) -> SendResult:
    """Send one message right now (not queued) and report what the provider said."""
    from lib.contacts import AddressError, normalize_address

    if channel.secrets_error:
        raise ValidationError(channel.secrets_error)
    kinds = channel.provider.address_kinds
    try:
        recipient = normalize_address(kinds[0], to) if len(kinds) == 1 else (to or "").strip()
    except AddressError as exc:
        raise ValidationError({"to": str(exc)}) from exc
    if not recipient:
        raise ValidationError({"to": _("Isi alamat tujuan uji.")})
    text = _("Pesan uji dari Bakohumas %(office)s melalui kanal %(name)s.") % {
        "office": channel.office.name, "name": channel.name}
    template_message = TemplateMessage(template.name, template.language) if template else None
    if template is not None and template.parameters:
        raise ValidationError({"template": _("Untuk uji, pilih templat tanpa parameter (mis. hello_world).")})
    message = OutgoingMessage(to=recipient, text=text, subject=text, html=f"<p>{text}</p>", template=template_message)
    [result] = channel.provider.send_batch(channel, [message], timeout=15.0)
    record(actor=actor, office=channel.office, action="channel.tested", target=channel,
           after={"to": recipient, "ok": result.ok, "outcome": result.outcome, "error_code": result.error_code})
    return result


def register_webhook(*, actor, channel: Channel, url: str) -> SendResult:
    if not channel.provider.registers_webhook:
        raise ValidationError(_("Penyedia kanal ini tidak mendukung pemasangan webhook otomatis."))
    if channel.secrets_error:
        raise ValidationError(channel.secrets_error)
    result = channel.provider.register_webhook(channel, url)
    record(actor=actor, office=channel.office, action="channel.webhook_registered", target=channel,
           after={"url": url, "ok": result.ok, "detail": result.detail[:300]})
    return result


# Templates -------------------------------------------------------------------------------------------------

def _clean_template(channel: Channel, name: str, language: str, body: str, exclude_pk=None) -> tuple:
    errors = {}
    name, language, body = (name or "").strip(), (language or "").strip(), (body or "").strip()
    if not TEMPLATE_NAME.match(name):
        errors["name"] = _("Nama templat hanya huruf kecil, angka dan garis bawah, persis seperti di WhatsApp Manager.")
    if not re.match(r"^[a-z]{2,3}(_[A-Z]{2})?$", language):
        errors["language"] = _("Kode bahasa seperti id, en atau en_US.")
    if not body:
        errors["body"] = _("Isi templat wajib diisi.")
    elif len(body) > 1024:
        errors["body"] = _("Isi templat paling banyak 1.024 karakter.")
    if not errors and Template.objects.filter(channel=channel, name=name, language=language).exclude(
            pk=exclude_pk).exists():
        errors["name"] = _("Templat %(name)s (%(lang)s) sudah terdaftar.") % {"name": name, "lang": language}
    parameters = list(dict.fromkeys(PLACEHOLDER.findall(body)))
    positional = [p for p in parameters if p.isdecimal()]
    if positional and len(positional) != len(parameters):
        errors["body"] = _("Jangan campur parameter bernomor ({{1}}) dan bernama ({{nama}}).")
    elif positional and sorted(int(p) for p in positional) != list(range(1, len(positional) + 1)):
        errors["body"] = _("Parameter bernomor harus berurutan mulai {{1}}.")
    if errors:
        raise ValidationError(errors)
    if positional:
        parameters = sorted(positional, key=int)
    return name, language, body, parameters


@transaction.atomic
def save_template(*, actor, channel: Channel, name: str, language: str, body: str, category: str, status: str,
                  template: Template | None = None) -> Template:
    if channel.provider.session_window is None:
        raise ValidationError(_("Templat hanya untuk kanal WhatsApp."))
    if category not in Template.Category.values:
        raise ValidationError({"category": _("Kategori templat tidak dikenal.")})
    if status not in Template.Status.values:
        raise ValidationError({"status": _("Status templat tidak dikenal.")})
    name, language, body, parameters = _clean_template(channel, name, language, body,
                                                       template.pk if template else None)
    before = None
    if template is None:
        template = Template(channel=channel)
    else:
        before = {"name": template.name, "status": template.status, "body": template.body}
    template.name, template.language, template.body, template.parameters = name, language, body, parameters
    template.category, template.status = category, status
    template.save()
    record(actor=actor, office=channel.office, action="template.saved", target=template, before=before,
           after={"name": name, "language": language, "status": status, "parameters": parameters})
    return template


# Webhooks ----------------------------------------------------------------------------------------------------

def store_inbound(*, channel: Channel, event: InboundEvent) -> bool:
    """The message stored once; False for a provider's retry of one already stored. Group traffic is stored only
    (the inbox takes private messages), so it is born routed. One INSERT … ON CONFLICT DO NOTHING written out here:
    on the webhook's hot path the ORM spent more time composing the statement than the database ran it."""
    typed = event.private and event.kind in ("text", "interactive", "button")
    keyword = commands.keyword_of(event.text) if typed else ""
    now = timezone.now()
    values = {
        "channel": channel.pk, "provider_message_id": event.provider_message_id[:200], "sender": event.sender[:254],
        "sender_name": event.sender_name[:200], "sender_handle": event.sender_handle[:100] if event.private else "",
        "kind": event.kind[:20], "text": event.text, "media_id": event.media_id[:200],
        "media_mime_type": event.media_mime_type[:100], "forwarded": event.forwarded,
        "frequently_forwarded": event.frequently_forwarded, "sent_at": event.sent_at, "received_at": now,
        "raw": event.raw, "keyword": keyword, "routed_at": None if event.private else now, "route_attempts": 0,
        "route_error": "", "route_failed_at": None,
    }
    fields = [InboundMessage._meta.get_field(name) for name in values]
    quote = connection.ops.quote_name
    # Only quoted model identifiers are formatted in; every value is a parameter.
    sql = (f"INSERT INTO {quote(InboundMessage._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
           f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT DO NOTHING")
    params = [field.get_db_prep_save(value, connection) for field, value in zip(fields, values.values(), strict=True)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def process_webhook_events(*, channel: Channel, events: list) -> dict:
    """Status updates move deliveries; messages are stored for the worker's router (inbox.services.route_pending),
    so a webhook costs one insert and never waits on routing. Unknown events are counted."""
    counts = {"statuses": 0, "messages": 0, "duplicates": 0, "errors": 0}
    for event in events:
        if isinstance(event, StatusUpdate):
            with transaction.atomic():
                hooks.status_update(channel=channel, provider_message_id=event.provider_message_id,
                                    status=event.status, at=event.at, error_code=event.error_code,
                                    error_title=event.error_title)
            counts["statuses"] += 1
        elif isinstance(event, InboundEvent):
            if store_inbound(channel=channel, event=event):
                counts["messages"] += 1
            else:
                counts["duplicates"] += 1
        elif isinstance(event, TemplateCategoryChange):
            counts["templates"] = counts.get("templates", 0) + apply_template_category(channel=channel, event=event)
        elif isinstance(event, AccountError):
            counts["errors"] += 1
            logger.warning("channel %s: provider reported account error %s %s", channel.pk, event.code, event.title)
    return counts


MAX_RECEIVED_TEXT = 4096


@transaction.atomic
def receive_typed_message(*, actor, channel: Channel, text: str, address=None, phone: str = "",
                          name: str = "") -> InboundMessage:
    """The dev outbox "receives" a message staff typed, as if the member (`address`, one of the office's WhatsApp
    addresses) or the number `phone` had sent it. It is stored exactly as a webhook stores a message, so the router
    answers keywords (BERHENTI, MULAI, JADWAL, INFO, CEK), sends automatic replies and files it in the inbox as it
    would a real one: the forum can be tried without WhatsApp."""
    from lib.contacts import AddressError, normalize_address
    from members.models import Address

    if not channel.provider.is_simulation:
        raise ValidationError(_("Hanya kanal kotak keluar uji yang dapat menerima pesan ketikan staf."))
    if not can(actor, "channels.manage") or actor.office_id != channel.office_id:
        raise PermissionDenied
    errors = {}
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        errors["text"] = _("Pesan: tulis isi pesan yang dikirim anggota.")
    elif len(text) > MAX_RECEIVED_TEXT:
        errors["text"] = _("Pesan paling banyak %(max)s karakter.") % {"max": MAX_RECEIVED_TEXT}
    phone, name = (phone or "").strip(), " ".join((name or "").split())
    sender = ""
    if address is not None and phone:
        errors["phone"] = _("Pilih anggota atau isi nomor WhatsApp, bukan keduanya.")
    elif address is not None:
        if address.office_id != channel.office_id or address.kind != Address.Kind.WHATSAPP:
            errors["member"] = _("Pengirim: pilih anggota satker ini yang punya nomor WhatsApp.")
        else:
            sender, name = f"whatsapp:{address.value}", address.member.full_name
    elif phone:
        try:
            sender = "whatsapp:" + normalize_address("whatsapp", phone)
        except AddressError as exc:
            errors["phone"] = _("Nomor WhatsApp pengirim: %(why)s") % {"why": exc}
    else:
        errors["member"] = _("Pengirim: pilih anggota atau isi nomor WhatsApp.")
    if errors:
        raise ValidationError(errors)
    message_id = f"uji-{uuid.uuid4().hex}"
    store_inbound(channel=channel, event=InboundEvent(
        provider_message_id=message_id, sender=sender, sent_at=timezone.now(), kind="text", text=text,
        sender_name=name, raw={"typed_by": actor.get_username()}))
    record(actor=actor, office=channel.office, action="channel.message_typed", target=channel,
           after={"sender": sender, "text": text[:300]})
    return InboundMessage.objects.get(channel=channel, provider_message_id=message_id)


@transaction.atomic
def apply_template_category(*, channel: Channel, event: TemplateCategoryChange) -> int:
    """Meta re-categorised an approved template: store the new category (it prices every later message) and keep
    the change in the audit log, which the channel page reads. A repeated webhook changes nothing."""
    if event.new not in Template.Category.values:
        logger.warning("channel %s: template %s got unknown category %r", channel.pk, event.name, event.new)
        return 0
    template = Template.objects.select_for_update().filter(channel=channel, name=event.name,
                                                           language=event.language).first()
    if template is None or template.category == event.new:
        return 0
    previous = template.category
    template.category = event.new
    template.save(update_fields=["category"])
    record(actor=None, office=channel.office, action="template.category_changed", target=template,
           before={"category": previous}, after={"category": event.new, "by": "Meta",
                                                 "at": (event.at or timezone.now()).isoformat()})
    return 1


@transaction.atomic
def retry_routing(*, actor, channel: Channel) -> int:
    """Messages whose routing into the inbox failed every attempt get a fresh set of attempts (after the cause was
    fixed); the worker's router takes them within a second."""
    stuck = channel.inbound_messages.filter(routed_at=None, route_attempts__gte=InboundMessage.MAX_ROUTE_ATTEMPTS)
    count = stuck.update(route_attempts=0, route_failed_at=None)
    if count:
        record(actor=actor, office=channel.office, action="channel.routing_retried", target=channel,
               after={"messages": count})
    return count


@transaction.atomic
def update_sending_settings(*, actor, office, requires_approval: bool, quiet_start, quiet_end) -> None:
    if (quiet_start is None) != (quiet_end is None):
        raise ValidationError({"quiet_hours_end": _("Isi jam mulai dan selesai, atau kosongkan keduanya.")})
    before = {"requires_approval": office.broadcast_requires_approval,
              "quiet": [str(office.quiet_hours_start), str(office.quiet_hours_end)]}
    office.broadcast_requires_approval = requires_approval
    office.quiet_hours_start, office.quiet_hours_end = quiet_start, quiet_end
    office.save(update_fields=["broadcast_requires_approval", "quiet_hours_start", "quiet_hours_end"])
    record(actor=actor, office=office, action="office.sending_settings", target=office, before=before,
           after={"requires_approval": requires_approval, "quiet": [str(quiet_start), str(quiet_end)]})
