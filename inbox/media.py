"""Media of inbound messages is fetched by the worker at once: WhatsApp media URLs expire within minutes."""

import logging
import mimetypes
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import F
from django.tasks import default_task_backend
from django.utils import timezone

from channels.providers.base import MediaError
from inbox import hooks
from inbox.models import Message

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


def fetch(message_id: int) -> str:
    message = Message.objects.select_related("channel", "inbound").filter(
        pk=message_id, media_status=Message.MediaStatus.PENDING).first()
    if message is None or message.inbound is None or message.channel is None:
        return "nothing to do"
    Message.objects.filter(pk=message.pk).update(media_attempts=F("media_attempts") + 1)
    attempts = message.media_attempts + 1
    try:
        content, mime = message.channel.provider.fetch_media(message.channel, message.inbound.media_id,
                                                             max_bytes=settings.INBOX_MEDIA_MAX_MB * 1024 * 1024)
    except MediaError as exc:
        final = not exc.retryable or attempts >= MAX_ATTEMPTS
        Message.objects.filter(pk=message.pk).update(
            media_status=Message.MediaStatus.FAILED if final else Message.MediaStatus.PENDING,
            media_error=str(exc)[:300])
        logger.warning("media of message %s: %s (attempt %s%s)", message.pk, exc, attempts, ", giving up" if final
                       else "")
        if not final and default_task_backend.supports_defer:
            from inbox.tasks import fetch_media

            fetch_media.using(run_after=timezone.now() + timedelta(seconds=5 * 2 ** attempts)).enqueue(message.pk)
        return "failed" if final else "retry"
    if not mime or mime.startswith("application/octet-stream"):
        mime = message.media_mime_type   # Telegram's file server says octet-stream for everything; the update knew
    extension = mimetypes.guess_extension((mime or "").split(";")[0].strip()) or ".bin"
    message.media.save(f"{message.inbound.media_id[:60]}{extension}", ContentFile(content), save=False)
    Message.objects.filter(pk=message.pk).update(media=message.media.name, media_status=Message.MediaStatus.STORED,
                                                 media_mime_type=(mime or "")[:100], media_error="")
    if (mime or "").startswith("image/"):
        hooks.image_stored(message=message, content=content)
    return "stored"


def retry_stale() -> int:
    """The tick's safety net: media still pending a minute after it arrived (a lost task) is fetched again."""
    stale = Message.objects.filter(media_status=Message.MediaStatus.PENDING, media_attempts__lt=MAX_ATTEMPTS,
                                   created_at__lt=timezone.now() - timedelta(minutes=1)).values_list("pk", flat=True)
    count = 0
    for message_id in stale[:50]:
        fetch(message_id)
        count += 1
    return count
