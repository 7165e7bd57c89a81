"""Staff pages for publications (/staf/publikasi/). Objects come through the office-scoped selector: another
office's item is 404; an office above may read its descendants' items but not change them (403)."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from accounts.permissions import can
from bakohumas.forms import add_service_errors
from bakohumas.locking import ConflictError
from content import downloads, selectors, services
from content.conf import upload_max_bytes, upload_max_mb
from content.diffing import revision_diff
from content.forms import AttachmentForm, ChangeRejectForm, CoverForm, NoteForm, PublicationForm
from content.models import Publication
from lib.moments import format_moment
from lib.params import parse_id
from offices.models import Office
from offices.selectors import office_and_descendants

PAGE_SIZE = 50
# Multipart framing and the other form fields around an uploaded file.
UPLOAD_OVERHEAD = 1024 * 1024
Status = Publication.Status

def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _visible(request, pk, *related) -> Publication:
    queryset = selectors.publications_visible_to(request.user.office).select_related("office", *related)
    return get_object_or_404(queryset, pk=pk)


def _writable(request, publication: Publication) -> Publication:
    """Writes stay in the author's office; an office above only reads."""
    if publication.office_id != request.user.office_id:
        raise PermissionDenied
    return publication


def _version(request) -> int | None:
    return parse_id(request.POST.get("version"))


def _to_detail(publication_or_pk):
    pk = getattr(publication_or_pk, "pk", publication_or_pk)
    return redirect("content:publication_detail", pk=pk)


# List, create, edit --------------------------------------------------------------------------------------------

@staff_required("content.view")
def publication_list(request):
    office = request.user.office
    params = request.GET
    office_filter = parse_id(params.get("office"))
    publications = selectors.search_publications(
        selectors.publications_visible_to(office), q=params.get("q", ""), status=params.get("status", ""),
        kind=params.get("kind", ""), office=office_filter,
    ).select_related("office", "created_by").order_by("-updated_at", "-id")
    page = Paginator(publications, PAGE_SIZE).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    return render(request, "content/publication_list.html", {
        "page": page, "query": query.urlencode(), "statuses": Publication.Status.choices,
        "kinds": Publication.Kind.choices,
        "offices": office_and_descendants(office) if office.level != Office.Level.REGENCY else [],
        "can_write": can(request.user, "content.write"), "now": timezone.now(),
    })


@staff_required("content.write")
def publication_create(request):
    office = request.user.office
    form = PublicationForm(request.POST or None, office=office)
    if request.method == "POST" and form.is_valid():
        try:
            publication = services.create_publication(actor=request.user, office=office, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Draf “%s” disimpan.") % publication.title)
            return _to_detail(publication)
    return render(request, "content/publication_form.html", {"form": form, "creating": True, "office": office})


@staff_required("content.write")
def publication_edit(request, pk):
    publication = _writable(request, _visible(request, pk))
    if publication.status == Status.ARCHIVED:
        messages.error(request, _("Publikasi yang diarsipkan tidak dapat diubah. Keluarkan dari arsip dulu."))
        return _to_detail(publication)
    published = publication.status == Status.PUBLISHED
    change = selectors.pending_change(publication) if published else None
    form = PublicationForm(request.POST or None, office=publication.office, publication=publication,
                           initial=PublicationForm.initial_for(publication, change=change))
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_publication(actor=request.user, publication=publication,
                                        expected_version=form.cleaned_data["version"], **form.service_kwargs())
        except ConflictError as exc:
            conflict = exc.current
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if published:
                messages.success(request, _("Perubahan diajukan. Portal tetap menampilkan versi yang disetujui "
                                            "sampai editor lain menyetujui perubahan ini."))
            else:
                messages.success(request, _("Perubahan disimpan."))
            return _to_detail(publication)
    return render(request, "content/publication_form.html", {
        "form": form, "publication": publication, "conflict": conflict, "office": publication.office,
        "proposes_change": published, "pending_change": change})


# Detail and workflow -------------------------------------------------------------------------------------------

@staff_required("content.view")
def publication_detail(request, pk):
    publication = _visible(request, pk, "stage__election", "created_by", "reviewed_by")
    change = selectors.pending_change(publication)
    context = {
        "actions": selectors.publication_actions(request.user, publication, change),
        "change": change,
        "change_diff": selectors.change_diff(publication, change) if change is not None else None,
        "change_attachments": change.attachments.all() if change is not None else [],
        "reject_form": ChangeRejectForm(),
        "publication": publication,
        "attachments": selectors.approved_attachments(publication),
        "revision_count": publication.revisions.count(),
        "public_state": selectors.public_state(publication),
        "note_form": NoteForm(),
        "attachment_form": AttachmentForm(),
        "cover_form": CoverForm(initial={"cover_alt": publication.cover_alt}),
        "upload_max_mb": upload_max_mb(),
    }
    return render(request, "content/publication_detail.html", context)


def _workflow(request, pk, run, success: str):
    publication = _writable(request, _visible(request, pk))
    try:
        run(publication)
    except ConflictError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, success)
    return _to_detail(publication)


@require_POST
@staff_required("content.write")
def publication_submit(request, pk):
    return _workflow(request, pk, lambda p: services.submit_for_review(
        actor=request.user, publication=p, expected_version=_version(request)),
        _("Diajukan untuk ditinjau. Editor lain akan memeriksa dan menerbitkannya."))


@require_POST
@staff_required("content.publish")
def publication_return(request, pk):
    return _workflow(request, pk, lambda p: services.return_to_draft(
        actor=request.user, publication=p, note=request.POST.get("note", ""), expected_version=_version(request)),
        _("Dikembalikan ke draf dengan catatan untuk penulis."))


@require_POST
@staff_required("content.publish")
def publication_publish(request, pk):
    publication = _writable(request, _visible(request, pk))
    try:
        services.approve_and_publish(actor=request.user, publication=publication,
                                     expected_version=_version(request))
    except ConflictError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        if publication.publish_at > timezone.now():
            messages.success(request, _("Disetujui. Publikasi akan tampil di portal pada %s.")
                             % format_moment(publication.publish_at, publication.office))
        else:
            messages.success(request, _("Disetujui dan diterbitkan; kini tampil di portal."))
    return _to_detail(publication)


@require_POST
@staff_required("content.publish")
def change_approve(request, pk):
    return _workflow(request, pk, lambda p: services.approve_change(
        actor=request.user, publication=p, expected_version=_version(request)),
        _("Perubahan disetujui dan kini tampil di portal."))


@require_POST
@staff_required("content.publish")
def change_reject(request, pk):
    return _workflow(request, pk, lambda p: services.reject_change(
        actor=request.user, publication=p, note=request.POST.get("note", ""), expected_version=_version(request)),
        _("Perubahan ditolak; portal tetap menampilkan versi yang disetujui."))


@require_POST
@staff_required("content.publish")
def publication_archive(request, pk):
    return _workflow(request, pk, lambda p: services.archive(
        actor=request.user, publication=p, note=request.POST.get("note", ""), expected_version=_version(request)),
        _("Diarsipkan; publikasi tidak tampil lagi di portal."))


@require_POST
@staff_required("content.publish")
def publication_unarchive(request, pk):
    return _workflow(request, pk, lambda p: services.unarchive(
        actor=request.user, publication=p, expected_version=_version(request)),
        _("Dikeluarkan dari arsip sebagai draf; ajukan lagi untuk ditinjau."))


@require_POST
@staff_required("content.write")
def publication_delete(request, pk):
    publication = _writable(request, _visible(request, pk))
    try:
        services.delete_draft(actor=request.user, publication=publication, expected_version=_version(request))
    except ConflictError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Draf “%s” dihapus.") % publication.title)
        return redirect("content:publication_list")
    return _to_detail(publication)


# Preview and revisions -----------------------------------------------------------------------------------------

@staff_required("content.view")
def publication_preview(request, pk):
    publication = _visible(request, pk, "stage__election")
    context = selectors.article_context(
        publication, cover_url=reverse("content:cover_image", args=[publication.pk]),
        attachment_url=lambda a: reverse("content:attachment_download", args=[publication.pk, a.pk]))
    context["public_state"] = selectors.public_state(publication)
    return render(request, "content/preview.html", context)


@staff_required("content.view")
def revision_list(request, pk):
    publication = _visible(request, pk)
    revisions = list(publication.revisions.select_related("created_by"))
    numbers = {r.number: r for r in revisions}

    def pick(name, default):
        number = parse_id(request.GET.get(name))
        if number is not None:
            if number not in numbers:
                raise Http404
            return numbers[number]
        return default

    newest = revisions[0] if revisions else None
    new = pick("b", newest)
    old = pick("a", numbers.get(new.number - 1) if new else None)
    diff = revision_diff(old, new) if old is not None and new is not None else None
    return render(request, "content/revision_list.html", {
        "publication": publication, "revisions": revisions, "old": old, "new": new, "diff": diff,
        "can_edit": selectors.can_edit(request.user, publication),
    })


@require_POST
@staff_required("content.write")
def revision_restore(request, pk, number):
    publication = _writable(request, _visible(request, pk))
    revision = get_object_or_404(publication.revisions, number=number)
    if not selectors.can_edit(request.user, publication) and publication.status != Status.ARCHIVED:
        raise PermissionDenied
    try:
        services.restore_revision(actor=request.user, publication=publication, revision=revision,
                                  expected_version=_version(request))
    except ConflictError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        if publication.status == Status.PUBLISHED:
            messages.success(request, _("Pemulihan revisi %d diajukan; tampil di portal setelah disetujui editor "
                                        "lain.") % number)
        else:
            messages.success(request, _("Revisi %d dipulihkan sebagai revisi baru.") % number)
    return _to_detail(publication)


# Attachments and cover image -----------------------------------------------------------------------------------

def _size_guarded(view):
    """Refuse an oversized upload from its declared length, before anything reads the body.

    Django reads no more than CONTENT_LENGTH bytes, so the declared length bounds what would be read. The CSRF
    check reads the body too, so it runs after this guard (csrf_protect below; the URL is csrf_exempt)."""
    protected = csrf_protect(view)

    @wraps(view)
    def wrapped(request, pk, *args, **kwargs):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > upload_max_bytes() + UPLOAD_OVERHEAD:
            messages.error(request, _("Berkas terlalu besar (%(size)d MB). Batasnya %(max)d MB; perkecil atau pecah "
                                      "berkasnya.") % {"size": declared // (1024 * 1024), "max": upload_max_mb()})
            return _to_detail(pk)
        return protected(request, pk, *args, **kwargs)

    return wrapped


@csrf_exempt
@require_POST
@staff_required("content.write")
@_size_guarded
def attachment_add(request, pk):
    publication = _writable(request, _visible(request, pk))
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Pilih berkas yang akan dilampirkan."))
        return _to_detail(publication)
    try:
        attachment = services.add_attachment(actor=request.user, publication=publication,
                                             uploaded_file=form.cleaned_data["file"],
                                             title=form.cleaned_data["title"])
    except ValidationError as exc:
        messages.error(request, _("Lampiran ditolak: %s") % _error_text(exc))
    else:
        messages.success(request, _("Lampiran “%s” ditambahkan.") % attachment.title)
    return _to_detail(publication)


@require_POST
@staff_required("content.write")
def attachment_remove(request, pk, attachment_pk):
    publication = _writable(request, _visible(request, pk))
    attachment = get_object_or_404(publication.attachments, pk=attachment_pk)
    try:
        services.remove_attachment(actor=request.user, attachment=attachment)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Lampiran “%s” dihapus.") % attachment.title)
    return _to_detail(publication)


@staff_required("content.view")
def attachment_download(request, pk, attachment_pk):
    publication = _visible(request, pk)
    return downloads.attachment_response(get_object_or_404(publication.attachments, pk=attachment_pk))


@csrf_exempt
@require_POST
@staff_required("content.write")
@_size_guarded
def cover_set(request, pk):
    publication = _writable(request, _visible(request, pk))
    form = CoverForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _error_text(ValidationError(
            [e for errors in form.errors.values() for e in errors])))
        return _to_detail(publication)
    try:
        services.set_cover_image(actor=request.user, publication=publication,
                                 uploaded_file=form.cleaned_data["cover_image"], alt=form.cleaned_data["cover_alt"])
    except ValidationError as exc:
        messages.error(request, _("Gambar sampul ditolak: %s") % _error_text(exc))
    else:
        messages.success(request, _("Gambar sampul disimpan."))
    return _to_detail(publication)


@require_POST
@staff_required("content.write")
def cover_remove(request, pk):
    publication = _writable(request, _visible(request, pk))
    try:
        services.remove_cover_image(actor=request.user, publication=publication)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Gambar sampul dihapus."))
    return _to_detail(publication)


@staff_required("content.view")
def cover_image(request, pk):
    publication = _visible(request, pk)
    if request.GET.get("usulan"):
        change = selectors.pending_change(publication)
        if change is None or not change.cover_image:
            raise Http404
        return downloads.image_response(change.cover_image)
    return downloads.cover_response(publication)
