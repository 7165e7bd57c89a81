"""Staff pages of cek fakta (/staf/cek-fakta/). Claims and clarifications of the user's office, and read-only those
of the offices below it; anyone else's are 404. Every write goes through factcheck.services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from accounts.models import User
from accounts.permissions import can
from bakohumas.forms import add_service_errors
from bakohumas.locking import ConflictError
from content.rendering import render_markdown
from factcheck import selectors, services
from factcheck.forms import (
    ClaimForm,
    ClarificationForm,
    CorrectionForm,
    ImportForm,
    NoteForm,
    ReportForm,
    SettingsForm,
)
from factcheck.models import Claim, Clarification, Notice, Report
from inbox import selectors as inbox_selectors
from inbox.models import Message
from offices.selectors import visible_office_ids

STATUS_FILTERS = {"open": [Claim.Status.NEW, Claim.Status.VERIFYING], "new": [Claim.Status.NEW],
                  "verifying": [Claim.Status.VERIFYING], "done": [Claim.Status.DONE]}


def _number(value) -> int:
    """An id from a form field; anything else (abc, ², empty) is 0, which matches nothing."""
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdecimal() else 0


def _claim(request, pk) -> Claim:
    return get_object_or_404(selectors.claims_for(request.user).select_related("office", "assigned_to"), pk=pk)


def _clarification(request, pk) -> Clarification:
    return get_object_or_404(selectors.clarifications_for(request.user).select_related(
        "office", "claim", "author", "approved_by"), pk=pk)


def _verifiers(office):
    return [u for u in User.objects.filter(office=office, is_active=True).order_by("username")
            if can(u, "factcheck.verify")]


@staff_required("factcheck.view")
def queue(request):
    status = request.GET.get("status", "open")
    claims = selectors.claims_for(request.user).filter(status__in=STATUS_FILTERS.get(status, STATUS_FILTERS["open"]))
    if request.GET.get("saya"):
        claims = claims.filter(assigned_to=request.user)
    if request.GET.get("belum"):
        claims = claims.filter(assigned_to__isnull=True)
    query = request.GET.get("q", "").strip()
    if query:
        claims = claims.filter(Q(summary__icontains=query) | Q(reports__tracking_number__iexact=query)).distinct()
    claims = claims.select_related("office", "assigned_to").order_by(
        (F("report_count") + 2 * F("forwarded_many_count")).desc(), "-last_reported_at")
    page = Paginator(claims, 50).get_page(request.GET.get("page"))
    return render(request, "factcheck/queue.html", {
        "page": page, "rows": selectors.queue_rows(request.user, page), "status": status,
        "query": request.GET.urlencode(),
        "can_verify": can(request.user, "factcheck.verify"), "verifiers": _verifiers(request.user.office),
        "statuses": [("open", _("Terbuka")), ("new", _("Baru")), ("verifying", _("Diverifikasi")),
                     ("done", _("Selesai"))]})


@staff_required("factcheck.verify")
@require_POST
def bulk(request):
    ids = [n for n in map(_number, request.POST.getlist("claims")) if n]
    action = request.POST.get("action")
    office = request.user.office
    try:
        if action == "merge":
            target = services.merge_claims(actor=request.user, office=office, claim_ids=ids)
            messages.success(request, _("%(n)s klaim digabung ke “%(claim)s”.") % {"n": len(ids),
                                                                                  "claim": target.summary[:80]})
        elif action == "dismiss":
            count = services.dismiss_claims(actor=request.user, office=office, claim_ids=ids)
            messages.success(request, _("%(n)s klaim ditutup sebagai spam.") % {"n": count})
        elif action == "assign":
            assignee = User.objects.filter(pk=_number(request.POST.get("assignee")), office=office).first()
            if assignee is None:
                raise ValidationError(_("Pilih verifikator."))
            count = services.assign_claims(actor=request.user, office=office, claim_ids=ids, assignee=assignee)
            messages.success(request, _("%(n)s klaim diserahkan kepada %(user)s.") % {"n": count, "user": assignee})
        else:
            raise ValidationError(_("Pilih tindakan."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("factcheck:queue")


@staff_required("factcheck.view")
def trending(request):
    rows = selectors.trending(visible_office_ids(request.user.office))
    top = max((r["count"] for r in rows), default=1)
    for row in rows:
        row["width"] = round(100 * row["count"] / top)
        peak = max(row["hours"]) or 1
        row["bars"] = [(i * 5, 22 - round(20 * h / peak), round(20 * h / peak), h)
                       for i, h in enumerate(row["hours"]) if h]
    return render(request, "factcheck/trending.html", {"rows": rows})


@staff_required("factcheck.view")
def claim_detail(request, pk):
    claim = _claim(request, pk)
    reports = claim.reports.select_related("reporter", "channel").order_by("-created_at")
    suggestion_scores: dict[int, dict] = {}
    for report in reports[:200]:
        for suggestion in report.suggestions:
            best = suggestion_scores.get(suggestion["id"])
            if best is None or suggestion["percent"] > best["percent"]:
                suggestion_scores[suggestion["id"]] = suggestion
    found = Clarification.objects.filter(pk__in=suggestion_scores, status=Clarification.Status.PUBLISHED).in_bulk()
    suggestions = sorted(({"clarification": found[pk], **s} for pk, s in suggestion_scores.items() if pk in found),
                         key=lambda s: s["percent"], reverse=True)
    return render(request, "factcheck/claim.html", {
        "claim": claim, "actions": selectors.claim_actions(request.user, claim),
        "reports": Paginator(reports, 50).get_page(request.GET.get("page")),
        "suggestions": suggestions[:8], "notes": claim.notes.select_related("author"),
        "clarifications": claim.clarifications.order_by("-created_at"),
        "claim_form": ClaimForm(initial={"summary": claim.summary, "evidence": "\n".join(claim.evidence),
                                         "version": claim.version}),
        "note_form": NoteForm(), "verifiers": _verifiers(claim.office),
        "clarification_form": ClarificationForm(initial={"claim_reviewed": claim.summary}),
    })


def _claim_action(request, pk, action) -> Claim:
    claim = _claim(request, pk)
    try:
        action(claim)
    except ConflictError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return claim


@staff_required("factcheck.verify")
@require_POST
def claim_update(request, pk):
    form = ClaimForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return redirect("factcheck:claim", pk=pk)
    claim = _claim_action(request, pk, lambda c: services.update_claim(
        actor=request.user, claim=c, summary=form.cleaned_data["summary"],
        evidence=form.cleaned_data["evidence"].splitlines(), expected_version=form.cleaned_data.get("version")))
    return redirect("factcheck:claim", pk=claim.pk)


@staff_required("factcheck.verify")
@require_POST
def claim_assign(request, pk):
    assignee = User.objects.filter(pk=_number(request.POST.get("assignee"))).first() \
        if request.POST.get("assignee") != "me" else request.user
    claim = _claim_action(request, pk, lambda c: services.assign_claim(actor=request.user, claim=c,
                                                                       assignee=assignee))
    return redirect("factcheck:claim", pk=claim.pk)


@staff_required("factcheck.verify")
@require_POST
def claim_note(request, pk):
    claim = _claim_action(request, pk, lambda c: services.add_claim_note(actor=request.user, claim=c,
                                                                         text=request.POST.get("text", "")))
    return redirect("factcheck:claim", pk=claim.pk)


@staff_required("factcheck.verify")
@require_POST
def claim_answer(request, pk):
    clarification = get_object_or_404(Clarification, pk=_number(request.POST.get("clarification")))
    claim = _claim_action(request, pk, lambda c: services.answer_claim_with(actor=request.user, claim=c,
                                                                            clarification=clarification))
    if claim.reports.filter(answered_with=clarification).exists():
        messages.success(request, _("Klaim dijawab; setiap pelapor diberi tahu."))
    return redirect("factcheck:claim", pk=claim.pk)


@staff_required("factcheck.verify")
@require_POST
def clarification_create(request, pk):
    claim = _claim(request, pk)
    form = ClarificationForm(request.POST)
    if form.is_valid():
        try:
            clarification = services.save_clarification(actor=request.user, office=request.user.office, claim=claim,
                                                        **form.service_values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Draf klarifikasi disimpan."))
            return redirect("factcheck:clarification", pk=clarification.pk)
    return render(request, "factcheck/clarification_form.html", {"form": form, "claim": claim})


@staff_required("factcheck.view")
def clarification_list(request):
    status = request.GET.get("status", "")
    clarifications = selectors.clarifications_for(request.user).select_related("office", "author")
    if status in Clarification.Status.values:
        clarifications = clarifications.filter(status=status)
    page = Paginator(clarifications.order_by("-updated_at"), 50).get_page(request.GET.get("page"))
    return render(request, "factcheck/clarification_list.html", {
        "page": page, "status": status, "statuses": Clarification.Status.choices})


@staff_required("factcheck.view")
def clarification_detail(request, pk):
    clarification = _clarification(request, pk)
    change = selectors.pending_change(clarification)
    actions = selectors.clarification_actions(request.user, clarification, change)
    initial = {"claim_reviewed": clarification.claim_reviewed, "verdict": clarification.verdict,
               "summary": clarification.summary, "body": clarification.body,
               "evidence": "\n".join(clarification.evidence), "item_reviewed_url": clarification.item_reviewed_url,
               "version": clarification.version}
    notices = clarification.notices.values("kind", "status").annotate(n=Count("pk")).order_by("kind", "status")
    return render(request, "factcheck/clarification.html", {
        "actions": actions, "change": change,
        "change_rows": selectors.change_rows(clarification, change) if change is not None else [],
        "clarification": clarification,
        "body_html": mark_safe(render_markdown(clarification.body)),  # noqa: S308 - sanitised by nh3
        "form": ClarificationForm(initial=initial) if actions.edit else None,
        "correction_form": CorrectionForm(initial=initial) if actions.propose_correction else None,
        "notices": [(Notice.Kind(n["kind"]).label, Notice.Status(n["status"]).label, n["n"]) for n in notices],
        "unreachable": clarification.notices.filter(status=Notice.Status.UNREACHABLE).select_related("report")[:20],
        "corrections": clarification.corrections.select_related("author"),
        "public_url": services.public_url(clarification) if clarification.status != "draft" else "",
    })


def _clarification_action(request, pk, action, success: str):
    clarification = _clarification(request, pk)
    try:
        action(clarification)
    except ConflictError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect("factcheck:clarification", pk=clarification.pk)


@staff_required("factcheck.verify")
@require_POST
def clarification_edit(request, pk):
    clarification = _clarification(request, pk)
    form = ClarificationForm(request.POST)
    if form.is_valid():
        try:
            services.save_clarification(actor=request.user, office=request.user.office, clarification=clarification,
                                        expected_version=form.cleaned_data.get("version"), **form.service_values())
        except ConflictError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Draf disimpan."))
            return redirect("factcheck:clarification", pk=clarification.pk)
    return render(request, "factcheck/clarification_form.html", {"form": form, "clarification": clarification})


@staff_required("factcheck.verify")
@require_POST
def clarification_submit(request, pk):
    return _clarification_action(request, pk, lambda c: services.submit_clarification(
        actor=request.user, clarification=c), _("Diajukan; staf lain menyetujui dan menerbitkannya."))


@staff_required("factcheck.approve")
@require_POST
def clarification_publish(request, pk):
    return _clarification_action(request, pk, lambda c: services.publish_clarification(
        actor=request.user, clarification=c), _("Klarifikasi terbit; setiap pelapor diberi tahu."))


@staff_required("factcheck.approve")
@require_POST
def clarification_return(request, pk):
    return _clarification_action(request, pk, lambda c: services.return_clarification(
        actor=request.user, clarification=c, reason=request.POST.get("reason", "")),
        _("Dikembalikan kepada penulis."))


@staff_required("factcheck.verify")
@require_POST
def clarification_correct(request, pk):
    clarification = _clarification(request, pk)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            services.propose_correction(actor=request.user, clarification=clarification,
                                        note=form.cleaned_data["note"], **form.service_values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Koreksi diajukan. Halaman publik dan pelapor baru berubah setelah staf "
                                        "lain menyetujuinya."))
            return redirect("factcheck:clarification", pk=clarification.pk)
    return render(request, "factcheck/clarification_form.html", {"form": form, "clarification": clarification,
                                                                 "correcting": True})


@staff_required("factcheck.verify")
@require_POST
def clarification_withdraw(request, pk):
    return _clarification_action(request, pk, lambda c: services.propose_withdrawal(
        actor=request.user, clarification=c, reason=request.POST.get("reason", "")),
        _("Penarikan diajukan. Klarifikasi tetap terbit sampai staf lain menyetujuinya."))


@staff_required("factcheck.approve")
@require_POST
def clarification_change_approve(request, pk):
    return _clarification_action(request, pk, lambda c: services.approve_change(
        actor=request.user, clarification=c),
        _("Disetujui; halaman publik berubah dan pelapor yang sudah diberi tahu menerima pemberitahuan."))


@staff_required("factcheck.approve")
@require_POST
def clarification_change_reject(request, pk):
    return _clarification_action(request, pk, lambda c: services.reject_change(
        actor=request.user, clarification=c, reason=request.POST.get("reason", "")),
        _("Usulan ditolak; klarifikasi tetap seperti yang terbit."))


@staff_required("broadcast.write")
@require_POST
def clarification_broadcast(request, pk):
    clarification = _clarification(request, pk)
    try:
        broadcast = services.broadcast_clarification(actor=request.user, clarification=clarification)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("factcheck:clarification", pk=clarification.pk)
    messages.success(request, _("Draf siaran ke seluruh forum dibuat. Periksa, lalu ajukan atau kirim."))
    return redirect("broadcasts:broadcast_detail", pk=broadcast.pk)


@staff_required("factcheck.report")
def report_create(request):
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.submit_report(office=request.user.office, source=Report.Source.STAFF,
                                            actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if report.status == Report.Status.ANSWERED:
                messages.success(request, _("Laporan %(n)s cocok dengan klarifikasi yang sudah terbit.") % {
                    "n": report.tracking_number})
                return redirect("factcheck:clarification", pk=report.answered_with_id)
            messages.success(request, _("Laporan %(n)s dicatat.") % {"n": report.tracking_number})
            return redirect("factcheck:claim", pk=report.claim_id)
    return render(request, "factcheck/report_form.html", {"form": form})


@staff_required("factcheck.report")
@require_POST
def report_from_message(request, message_id):
    conversations = inbox_selectors.conversations_visible_to(request.user.office).filter(
        office=request.user.office)
    message = get_object_or_404(Message.objects.select_related("conversation", "channel"), pk=message_id,
                                conversation__in=conversations, direction=Message.Direction.INBOUND)
    try:
        report = services.report_from_message(message=message, source=Report.Source.INBOX, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("inbox:conversation_detail", pk=message.conversation_id)
    messages.success(request, _("Dicatat sebagai laporan cek fakta %(n)s.") % {"n": report.tracking_number})
    if report.claim_id:
        return redirect("factcheck:claim", pk=report.claim_id)
    return redirect("factcheck:clarification", pk=report.answered_with_id)


@staff_required("factcheck.approve")
def import_external(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            form.add_error("file", _("Berkas paling besar 20 MB."))
        else:
            result = services.import_external(actor=request.user, office=request.user.office, data=upload.read(),
                                              filename=upload.name)
    return render(request, "factcheck/import.html", {"form": form, "result": result})


@staff_required("factcheck.manage")
def settings_view(request):
    office = request.user.office
    config = selectors.office_settings(office)
    form = SettingsForm(request.POST or None, office=office, initial={
        "suggest_percent": config.suggest_percent, "auto_percent": config.auto_percent,
        "notice_template": config.notice_template})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_settings(actor=request.user, office=office, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Pengaturan cek fakta disimpan."))
            return redirect("factcheck:settings")
    return render(request, "factcheck/settings.html", {"form": form})
