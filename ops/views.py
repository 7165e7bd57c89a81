import logging

from django.db import DatabaseError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from ops.selectors import health

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    try:
        return JsonResponse(health())
    except DatabaseError:
        logger.exception("healthz: database unavailable")
        return JsonResponse({"status": "error", "database": {"ok": False}, "worker": {"state": "unknown"}},
                            status=503)
