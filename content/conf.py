"""Settings the content app reads (defined in bakohumas/settings.py from the environment)."""

from django.conf import settings


def upload_max_mb() -> int:
    """Largest attachment or cover image, in MB."""
    return settings.CONTENT_UPLOAD_MAX_MB


def upload_max_bytes() -> int:
    return upload_max_mb() * 1024 * 1024
