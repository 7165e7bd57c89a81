"""One endpoint per channel: /webhooks/<channel uuid>/. Providers verify and parse; this view never branches on one.

Answers: 200 when the events were stored (also for events we ignore: a provider must not retry those), 403 for a
missing or wrong signature/secret, 400 for a body that cannot be read, 413 for one too large, 404 for an unknown
channel, 405 for a method the provider does not use. Every rejection leaves a log line; none is a 500.
"""

import logging

from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from channels.providers.base import WebhookRejected
from channels.selectors import channel_for_webhook
from channels.services import process_webhook_events
from lib.params import parse_id

logger = logging.getLogger("bakohumas.webhooks")
MAX_BODY_BYTES = 3 * 1024 * 1024


@csrf_exempt
def receive(request, channel_uuid):
    channel = channel_for_webhook(channel_uuid)
    provider = channel.provider
    if not provider.two_way:
        logger.warning("webhook for channel %s which takes none", channel.pk)
        return HttpResponse(status=404)
    if request.method == "GET":
        challenge = provider.handshake(channel, request.GET)
        if challenge is None:
            logger.warning("webhook handshake refused for channel %s", channel.pk)
            return HttpResponse(status=403)
        return HttpResponse(challenge, content_type="text/plain")
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    length = parse_id(request.META.get("CONTENT_LENGTH") or "0")
    if length is None:
        logger.warning("webhook for channel %s refused: Content-Length is not a number", channel.pk)
        return HttpResponse(status=400)
    if length > MAX_BODY_BYTES:
        logger.warning("webhook for channel %s refused: %s bytes", channel.pk, length)
        return HttpResponse(status=413)
    raw = request.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        logger.warning("webhook for channel %s refused: body over %s bytes", channel.pk, MAX_BODY_BYTES)
        return HttpResponse(status=413)
    if not provider.verify_webhook(channel, request.headers, raw):
        logger.warning("webhook for channel %s refused: bad or missing signature", channel.pk)
        return HttpResponse(status=403)
    try:
        events = provider.parse_webhook(raw)
    except WebhookRejected as exc:
        logger.warning("webhook for channel %s refused: %s", channel.pk, exc)
        return HttpResponse(status=400)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError, OSError, RecursionError) as exc:
        # Signed, valid JSON, but not in the shape the provider documents: refuse it rather than fail with a 500.
        # (A database outage while processing below still fails loudly, so the provider retries.)
        logger.warning("webhook for channel %s refused: unexpected shape (%s: %s)", channel.pk,
                       type(exc).__name__, exc)
        return HttpResponse(status=400)
    counts = process_webhook_events(channel=channel, events=events)
    if not events:
        logger.info("webhook for channel %s: no event we handle", channel.pk)
    return JsonResponse(counts)
