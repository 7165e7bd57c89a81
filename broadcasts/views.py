"""Staff pages for broadcasts (/staf/siaran/). Offices above read their descendants' broadcasts; writes stay in
the author's office (403), another office's broadcast is 404."""

from datetime import timedelta
from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from accounts.permissions import can
from bakohumas.forms import add_service_errors
from bakohumas.locking import ConflictError
from broadcasts import rendering, selectors, services, timing
from broadcasts.audience import REASONS, Recipient, compute_audience, first_recipient
from broadcasts.explain import explain_delivery
from broadcasts.forms import BroadcastForm, CostSettingsForm, GroupPostForm
from broadcasts.models import Broadcast, Delivery, GroupPost
from channels.models import Channel
from content.models import Publication
from lib.params import parse_id
from members import services as member_services
from members.models import Address, Purpose
from offices.quiet import in_quiet_hours

Status = Broadcast.Status
ACTIONS = {
    "submit": ("broadcast.write", services.submit_broadcast, _("Siaran diajukan.")),
    "approve": ("broadcast.approve", services.approve_broadcast, _("Siaran disetujui dan dijadwalkan.")),
    "return": ("broadcast.write", services.return_to_draft, _("Siaran dikembalikan ke draf.")),
    "pause": ("broadcast.write", services.pause_broadcast, _("Siaran dijeda.")),
    "resume": ("broadcast.write", services.resume_broadcast, _("Siaran dilanjutkan.")),
    "cancel": ("broadcast.write", services.cancel_broadcast, _("Siaran dibatalkan.")),
    "urgent": ("broadcast.write", services.mark_urgent, _("Siaran ditandai mendesak: dikirim juga pada jam tenang.")),
}
TAKES_URGENT = {"submit", "approve"}


def _visible(request, pk) -> Broadcast:
    queryset = selectors.broadcasts_visible_to(request.user.office).select_related(
        "office", "publication", "template", "created_by", "approved_by")
    return get_object_or_404(queryset, pk=pk)


def _writable(request, broadcast: Broadcast) -> Broadcast:
    if broadcast.office_id != request.user.office_id:
        raise PermissionDenied
    return broadcast


@staff_required("broadcast.view")
def broadcast_list(request):
    broadcasts = selectors.broadcasts_visible_to(request.user.office).select_related("office")
    status = request.GET.get("status", "")
    if status in Status.values:
        broadcasts = broadcasts.filter(status=status)
    q = request.GET.get("q", "").strip()
    if q:
        broadcasts = broadcasts.filter(title__icontains=q)
    page = Paginator(broadcasts, 50).get_page(request.GET.get("page"))
    return render(request, "broadcasts/broadcast_list.html", {
        "page": page, "statuses": Status.choices, "can_write": can(request.user, "broadcast.write"),
        "can_set_rates": can(request.user, "channels.manage")})


@staff_required("broadcast.write")
def broadcast_create(request):
    office = request.user.office
    initial = {}
    publication_id = parse_id(request.GET.get("publication"))
    if publication_id:
        publication = get_object_or_404(Publication, pk=publication_id, office=office,
                                        status=Publication.Status.PUBLISHED)
        initial = {"title": publication.title, "text": rendering.text_from_publication(publication),
                   "publication": publication.pk}
    form = BroadcastForm(request.POST or None, office=office, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            broadcast = services.create_broadcast(actor=request.user, office=office, **form.service_values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Draf siaran disimpan. Periksa penerimanya, lalu ajukan."))
            return redirect("broadcasts:broadcast_detail", pk=broadcast.pk)
    return render(request, "broadcasts/broadcast_form.html", {"form": form, "creating": True})


@staff_required("broadcast.write")
def broadcast_edit(request, pk):
    broadcast = _writable(request, _visible(request, pk))
    if not broadcast.is_editable:
        messages.error(request, _("Hanya draf yang bisa diubah."))
        return redirect("broadcasts:broadcast_detail", pk=broadcast.pk)
    form = BroadcastForm(request.POST or None, office=broadcast.office,
                         initial=BroadcastForm.initial_from(broadcast))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_broadcast(actor=request.user, broadcast=broadcast,
                                      expected_version=form.cleaned_data.get("version"), **form.service_values())
        except ConflictError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Draf siaran disimpan."))
            return redirect("broadcasts:broadcast_detail", pk=broadcast.pk)
    return render(request, "broadcasts/broadcast_form.html", {"form": form, "broadcast": broadcast})


def _audience_context(broadcast: Broadcast) -> dict:
    audience = compute_audience(broadcast)
    channels = Channel.objects.in_bulk(list(audience.per_channel()))
    windows = selectors.window_counts(audience, channels)
    sample = next((r for r in audience.recipients if r.member_id is not None), None)
    return {"reach": [(channels[pk], n) for pk, n in sorted(audience.per_channel().items())],
            **selectors.reach_summary(broadcast, audience, channels, windows),
            "cost": selectors.cost_estimate(broadcast, audience, channels, windows),
            "budget": selectors.month_budget(broadcast.office),
            "preview": _preview(broadcast, sample, channels),
            "excluded": [(REASONS[r], n, audience.examples[r]) for r, n in audience.excluded.most_common()]}


def _preview(broadcast: Broadcast, recipient, channels: dict | None = None) -> rendering.Preview:
    """The broadcast as `recipient` (the first one the audience reaches) would get it; a stand-in name without one."""
    if recipient is None:
        return rendering.preview(broadcast, recipient_name=_("(nama penerima)"),
                                 unsubscribe=rendering.sample_unsubscribe_url())
    channels = channels or Channel.objects.in_bulk([recipient.channel_id])
    channel = channels.get(recipient.channel_id)
    return rendering.preview(broadcast, recipient_name=recipient.name,
                             recipient_address=f"{recipient.recipient} · {channel.title if channel else ''}",
                             unsubscribe=rendering.sample_unsubscribe_url())


@staff_required("broadcast.view")
def broadcast_detail(request, pk):
    broadcast = _visible(request, pk)
    context = {
        "broadcast": broadcast, "actions": selectors.broadcast_actions(request.user, broadcast),
        "group_text": rendering.group_text(broadcast),
        "share_link": rendering.share_link(rendering.group_text(broadcast)),
        "group_posts": broadcast.group_posts.select_related("posted_by"),
        "group_form": GroupPostForm(),
        "known_groups": GroupPost.objects.filter(broadcast__office=broadcast.office).values_list(
            "group_name", flat=True).distinct()[:50],
        "excluded_started": [(REASONS.get(r, r), n) for r, n in sorted(broadcast.excluded.items(),
                                                                        key=lambda kv: -kv[1])],
        "can_set_rates": can(request.user, "channels.manage") and broadcast.office_id == request.user.office_id,
    }
    if broadcast.status in (Status.DRAFT, Status.PENDING, Status.SCHEDULED):
        context.update(_audience_context(broadcast))
        context["plan"] = timing.start_plan(broadcast)
        if broadcast.status == Status.SCHEDULED and broadcast.scheduled_at <= timezone.now() + timedelta(minutes=1):
            context["progress"] = selectors.broadcast_progress(broadcast)   # starting: the bar takes over
    else:
        context["progress"] = selectors.broadcast_progress(broadcast)
        context["quiet_until"] = _quiet_until(broadcast)
        sent = broadcast.deliveries.filter(member__isnull=False).order_by("pk").first()
        context["preview"] = _preview(broadcast, sent and Recipient(
            sent.channel_id, sent.recipient, sent.member_id, sent.address_id, sent.recipient_name))
    return render(request, "broadcasts/broadcast_detail.html", context)


@staff_required("broadcast.view")
def broadcast_progress(request, pk):
    """The progress bar, and out of band the status badge and the buttons, so the page never disagrees with itself
    while it sends."""
    broadcast = _visible(request, pk)
    return render(request, "broadcasts/_progress.html", {
        "broadcast": broadcast, "progress": selectors.broadcast_progress(broadcast),
        "quiet_until": _quiet_until(broadcast), "actions": selectors.broadcast_actions(request.user, broadcast),
        "oob": True})


@staff_required("broadcast.write")
@require_POST
def broadcast_preview(request):
    """The compose form's preview (htmx): the text as typed, for the first member the chosen audience reaches, and
    when it would start."""
    office = request.user.office
    form = BroadcastForm(request.POST, office=office)
    form.is_valid()
    data = form.cleaned_data
    broadcast = Broadcast(office=office, title=data.get("title") or "", text=(data.get("text") or "").strip(),
                          template=data.get("template"), media_url=data.get("media_url") or "",
                          media_kind=data.get("media_kind") or "", urgent=bool(data.get("urgent")),
                          scheduled_at=data.get("scheduled_at"),
                          template_parameters=form.service_values()["template_parameters"])
    audience = SimpleNamespace(office=office, audience_all=bool(data.get("audience_all")),
                               audience_categories=data.get("audience_categories") or [],
                               include_descendants=bool(data.get("include_descendants")),
                               audience_groups=SimpleNamespace(all=lambda: list(data.get("groups") or [])))
    return render(request, "broadcasts/_preview.html", {
        "preview": _preview(broadcast, first_recipient(audience)), "plan": timing.start_plan(broadcast),
        "broadcast": broadcast, "composing": True})


def _quiet_until(broadcast: Broadcast):
    if broadcast.urgent or broadcast.status != Status.SENDING or not in_quiet_hours(broadcast.office):
        return None
    return broadcast.office.quiet_hours_end


@staff_required("broadcast.view")
@require_POST
def broadcast_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    capability, service, done = ACTIONS[action]
    if not can(request.user, capability):
        raise PermissionDenied
    broadcast = _writable(request, _visible(request, pk))
    if action == "urgent" and not selectors.may_approve(request.user, broadcast):
        raise PermissionDenied
    extra = {"urgent": request.POST.get("urgent") == "1"} if action in TAKES_URGENT else {}
    try:
        service(actor=request.user, broadcast=broadcast, **extra)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("broadcasts:broadcast_detail", pk=broadcast.pk)


@staff_required("broadcast.write")
@require_POST
def group_post(request, pk):
    broadcast = _writable(request, _visible(request, pk))
    form = GroupPostForm(request.POST)
    if form.is_valid():
        try:
            services.record_group_post(actor=request.user, broadcast=broadcast,
                                       group_name=form.cleaned_data["group_name"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Dicatat: siaran ditempel ke grup %(name)s.") % {
                "name": form.cleaned_data["group_name"]})
    else:
        messages.error(request, _("Tulis nama grup WhatsApp."))
    return redirect("broadcasts:broadcast_detail", pk=broadcast.pk)


@staff_required("channels.manage")
def cost_settings(request):
    """Rates per template category and the monthly budget, set by the office's admin."""
    office = request.user.office
    form = CostSettingsForm(request.POST or None, initial=CostSettingsForm.initial_for(office))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_cost_settings(actor=request.user, office=office, **form.service_values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Tarif dan anggaran pesan disimpan."))
            return redirect("broadcasts:cost_settings")
    return render(request, "broadcasts/cost_settings.html", {
        "form": form, "budget": selectors.month_budget(office)})


@staff_required("broadcast.view")
def delivery_list(request, pk):
    broadcast = _visible(request, pk)
    deliveries = broadcast.deliveries.select_related("channel").order_by("id")
    status = request.GET.get("status", "")
    if status in Delivery.Status.values:
        deliveries = deliveries.filter(status=status)
    q = request.GET.get("q", "").strip()
    if q:
        deliveries = deliveries.filter(Q(recipient_name__icontains=q) | Q(recipient__icontains=q))
    possible_duplicates = request.GET.get("ganda") == "1"
    if possible_duplicates:
        deliveries = deliveries.filter(possible_duplicate=True)
    page = Paginator(deliveries, 100).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "broadcasts/delivery_list.html", {
        "broadcast": broadcast, "page": page, "statuses": Delivery.Status.choices,
        "possible_duplicates": possible_duplicates, "query": params.urlencode()})


@staff_required("broadcast.view")
def delivery_detail(request, pk, delivery_pk):
    broadcast = _visible(request, pk)
    delivery = get_object_or_404(broadcast.deliveries.select_related("channel", "member"), pk=delivery_pk)
    return render(request, "broadcasts/delivery_detail.html", {
        "broadcast": broadcast, "delivery": delivery, "explain": explain_delivery(delivery)})


# Public: unsubscribe from e-mail (RFC 8058 one-click POST, or a confirmation page) -----------------------------

@csrf_exempt
def unsubscribe(request, token):
    address_id = rendering.address_from_token(token)
    address = Address.objects.select_related("member", "office").filter(pk=address_id).first() if address_id else None
    if address is None:
        return render(request, "broadcasts/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        note = _("Tautan berhenti berlangganan e-mail")
        if not address.opted_out:
            member_services.set_opt_out(actor=None, address=address, opted_out=True, note=note)
        member_services.withdraw_consent(actor=None, address=address, purposes=[Purpose.DISSEMINATION], note=note)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse(status=200)
        return render(request, "broadcasts/unsubscribe.html", {"done": True, "office": address.office})
    return render(request, "broadcasts/unsubscribe.html", {"address": address, "office": address.office})
