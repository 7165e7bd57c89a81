"""The provider registry: a channel's `kind` → its ChannelType. Core code asks these objects, never for a name."""

from channels.providers.base import ChannelType
from channels.providers.email import SmtpEmail
from channels.providers.outbox import DevOutbox
from channels.providers.telegram import TelegramBot
from channels.providers.whatsapp import WhatsAppCloud

REGISTRY: dict[str, ChannelType] = {p.code: p for p in (WhatsAppCloud(), TelegramBot(), SmtpEmail(), DevOutbox())}


def get_provider(kind: str) -> ChannelType:
    return REGISTRY[kind]


def choices() -> list[tuple[str, str]]:
    return [(code, provider.label) for code, provider in REGISTRY.items()]
