"""Staff pages for elections and their stages (/staf/pemilihan/).

Everyone with an office reads the elections that apply to it and those of the offices below it; admins and
editors (elections.manage) write, and only in their own office's elections. Outside that scope: 404 to read,
403 to write.
"""

import base64
import binascii
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from accounts.permissions import can
from bakohumas.forms import add_service_errors
from bakohumas.locking import ConflictError
from elections import selectors, services
from elections.calendar import stages_ics
from elections.forms import ElectionForm, StageForm, StageImportForm
from elections.models import Election, Stage

# There is no elections.view capability: reading is open to every role, as for publications.
READ = "content.view"
MANAGE = "elections.manage"




def can_manage(user, election: Election) -> bool:
    return can(user, MANAGE) and election.office_id == user.office_id


def _election(request, pk) -> Election:
    return get_object_or_404(selectors.elections_visible_to(request.user.office), pk=pk)


def _writable_election(request, pk) -> Election:
    election = _election(request, pk)
    if not can_manage(request.user, election):
        raise PermissionDenied
    return election


def _writable_stage(request, pk) -> Stage:
    visible = selectors.elections_visible_to(request.user.office).values("pk")
    stage = get_object_or_404(Stage.objects.filter(election__in=visible).select_related("election__office"), pk=pk)
    if not can_manage(request.user, stage.election):
        raise PermissionDenied
    return stage


# Elections -------------------------------------------------------------------------------------------------

@staff_required(READ)
def election_list(request):
    office = request.user.office
    elections = selectors.elections_visible_to(office).annotate(stage_count=Count("stages", distinct=True))
    applicable = set(selectors.elections_for(office).values_list("pk", flat=True))
    rows = [{"election": e, "applies": e.pk in applicable} for e in elections]
    return render(request, "elections/election_list.html", {
        "rows": rows, "can_create": can(request.user, MANAGE),
        "now": selectors.current_and_next(office)})


@staff_required(READ)
def election_detail(request, pk):
    election = _election(request, pk)
    today = selectors.local_today(request.user.office)
    stages = [(stage, selectors.stage_status(stage, today)) for stage in election.stages.all()]
    return render(request, "elections/election_detail.html", {
        "election": election, "stages": stages, "today": today,
        "can_edit": can_manage(request.user, election),
        "dated_count": sum(1 for s, _status in stages if s.is_dated)})


@staff_required(MANAGE)
def election_create(request):
    form = ElectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            election = services.create_election(
                actor=request.user, office=request.user.office, code=data["code"], name=data["name"],
                kind=data["kind"], description=data["description"], is_conditional=data["is_conditional"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Pemilihan %s dibuat.") % election.name)
            return redirect("elections:election_detail", pk=election.pk)
    return render(request, "elections/election_form.html", {"form": form, "creating": True})


@staff_required(MANAGE)
def election_edit(request, pk):
    election = _writable_election(request, pk)
    form = ElectionForm(request.POST or None, initial={
        "code": election.code, "name": election.name, "kind": election.kind, "description": election.description,
        "is_conditional": election.is_conditional, "version": election.version})
    form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_election(
                actor=request.user, election=election, expected_version=data["version"], name=data["name"],
                kind=data["kind"], description=data["description"], is_conditional=data["is_conditional"])
        except ConflictError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Perubahan disimpan."))
            return redirect("elections:election_detail", pk=election.pk)
    return render(request, "elections/election_form.html", {"form": form, "election": election})


@staff_required(READ)
def election_ics(request, pk):
    """The election's calendar as subscribers of the running office's portal get it (download for staff)."""
    election = _election(request, pk)
    response = HttpResponse(stages_ics(election.office, election), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tahapan-{election.code}.ics"'
    return response


# Stages ----------------------------------------------------------------------------------------------------

def _stage_values(form) -> dict:
    data = form.cleaned_data
    return {k: data[k] for k in ("code", "name", "starts_on", "ends_on", "is_firm", "source", "notes")}


@staff_required(MANAGE)
def stage_create(request, pk):
    election = _writable_election(request, pk)
    form = StageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            stage = services.create_stage(actor=request.user, election=election, **_stage_values(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Tahapan %s ditambahkan.") % stage.name)
            return redirect("elections:election_detail", pk=election.pk)
    return render(request, "elections/stage_form.html", {"form": form, "election": election, "creating": True})


@staff_required(MANAGE)
def stage_edit(request, pk):
    stage = _writable_stage(request, pk)
    form = StageForm(request.POST or None, initial={
        "code": stage.code, "name": stage.name,
        # ISO, which parses back whatever the UI language is.
        "starts_on": stage.starts_on.isoformat() if stage.starts_on else "",
        "ends_on": stage.ends_on.isoformat() if stage.ends_on else "",
        "is_firm": stage.is_firm, "source": stage.source, "notes": stage.notes, "version": stage.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_stage(actor=request.user, stage=stage, expected_version=form.cleaned_data["version"],
                                  **_stage_values(form))
        except ConflictError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Perubahan disimpan."))
            return redirect("elections:election_detail", pk=stage.election_id)
    return render(request, "elections/stage_form.html", {"form": form, "election": stage.election, "stage": stage})


@staff_required(MANAGE)
def stage_delete(request, pk):
    stage = _writable_stage(request, pk)
    if request.method == "POST":
        election_pk = stage.election_id
        services.delete_stage(actor=request.user, stage=stage)
        messages.success(request, _("Tahapan %s dihapus.") % stage.name)
        return redirect("elections:election_detail", pk=election_pk)
    return render(request, "elections/stage_delete.html", {"stage": stage, "election": stage.election})


# Stage import ----------------------------------------------------------------------------------------------

def _preview(request, election, outcome, *, content: bytes = b"", name: str = "", form=None):
    return render(request, "elections/stage_import.html", {
        "election": election, "form": form or StageImportForm(), "outcome": outcome,
        "content": base64.b64encode(content).decode("ascii") if content else "", "name": name})


@staff_required(MANAGE)
def stage_import(request, pk):
    """Upload → dry run listing every bad row → confirm (the file travels in the confirmation form)."""
    election = _writable_election(request, pk)
    form = StageImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            outcome = services.import_stages(actor=request.user, election=election, dry_run=True,
                                             path_or_file=_named(content, upload.name))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _preview(request, election, outcome, content=content if outcome.ok else b"", name=upload.name,
                            form=form)
    return render(request, "elections/stage_import.html", {"election": election, "form": form})


def _named(content: bytes, name: str) -> io.BytesIO:
    buffer = io.BytesIO(content)
    buffer.name = name
    return buffer


@require_POST
@staff_required(MANAGE)
def stage_import_confirm(request, pk):
    election = _writable_election(request, pk)
    name = request.POST.get("name", "")[:200] or "tahapan.csv"
    try:
        content = base64.b64decode(request.POST.get("content", ""), validate=True)
    except (binascii.Error, ValueError):
        content = b""
    if not content or len(content) > services.MAX_IMPORT_BYTES:
        messages.error(request, _("Berkas tidak terbaca; unggah lagi."))
        return redirect("elections:stage_import", pk=election.pk)
    try:
        outcome = services.import_stages(actor=request.user, election=election, path_or_file=_named(content, name))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("elections:stage_import", pk=election.pk)
    if not outcome.ok:
        return _preview(request, election, outcome, name=name)
    messages.success(request, _("Impor tahapan selesai: %(c)d baru, %(u)d diubah, %(s)d tidak berubah.") % {
        "c": outcome.created, "u": outcome.updated, "s": outcome.unchanged})
    return redirect("elections:election_detail", pk=election.pk)
