"""Serving stored attachments and cover images. MEDIA_ROOT is never served directly: drafts are under embargo.

Both the staff pages and the public portal call these after deciding that the visitor may see the publication.
The content type is the one established when the file was checked, never the browser's claim; documents are
downloads, images are shown inline; a strict sandbox policy applies in case a browser still tries to render.
"""

from django.http import FileResponse, Http404

from content.models import Attachment, Publication

FILE_POLICY = "default-src 'none'; img-src 'self'; sandbox"
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp"}


def _open(field):
    if not field:
        raise Http404
    try:
        return field.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc


def _harden(response: FileResponse, *, private: bool) -> FileResponse:
    response["Content-Security-Policy"] = FILE_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store" if private else "public, max-age=300"
    return response


def attachment_response(attachment: Attachment, *, private: bool = True) -> FileResponse:
    """`private=True` for staff (drafts must not sit in shared caches); the portal may pass False for live items."""
    inline = attachment.content_type in IMAGE_TYPES
    response = FileResponse(_open(attachment.file), as_attachment=not inline, filename=attachment.original_name,
                            content_type=attachment.content_type)
    return _harden(response, private=private)


def cover_response(publication: Publication, *, private: bool = True) -> FileResponse:
    return image_response(publication.cover_image, private=private)


def image_response(field, *, private: bool = True) -> FileResponse:
    """A stored, already checked image (a cover, or a new cover waiting in a pending change)."""
    name = field.name.rsplit("/", 1)[-1] if field else ""
    extension = name.rsplit(".", 1)[-1].lower()
    content_type = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}.get(
        extension, "application/octet-stream")
    response = FileResponse(_open(field), filename=name, content_type=content_type)
    return _harden(response, private=private)
