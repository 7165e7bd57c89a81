"""Staff pages for an office's channels (/staf/kanal/). Only the office's own channels exist here: others are 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from accounts.permissions import can
from bakohumas.forms import add_service_errors
from bakohumas.locking import ConflictError
from channels import selectors, services
from channels.explain import explain_result
from channels.forms import ChannelForm, ReceiveForm, SendingSettingsForm, TemplateForm, TestForm
from channels.models import Channel, InboundMessage, Template
from channels.providers import REGISTRY


def _own(request, pk) -> Channel:
    return get_object_or_404(Channel.objects.select_related("office"), pk=pk, office=request.user.office)


def webhook_url(request, channel: Channel) -> str:
    return request.build_absolute_uri(reverse("channel_webhook", args=[channel.uuid]))


@staff_required("broadcast.view")
def channel_list(request):
    office = request.user.office
    settings_form = SendingSettingsForm(initial={
        "broadcast_requires_approval": office.broadcast_requires_approval,
        "quiet_hours_start": office.quiet_hours_start, "quiet_hours_end": office.quiet_hours_end})
    return render(request, "channels/channel_list.html", {
        "channels": Channel.objects.filter(office=office), "kinds": REGISTRY.items(),
        "can_manage": can(request.user, "channels.manage"), "can_settings": can(request.user, "office.manage"),
        "settings_form": settings_form})


@staff_required("office.manage")
@require_POST
def sending_settings(request):
    form = SendingSettingsForm(request.POST)
    if form.is_valid():
        try:
            services.update_sending_settings(
                actor=request.user, office=request.user.office,
                requires_approval=form.cleaned_data["broadcast_requires_approval"],
                quiet_start=form.cleaned_data["quiet_hours_start"], quiet_end=form.cleaned_data["quiet_hours_end"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Pengaturan pengiriman disimpan."))
    else:
        messages.error(request, _("Jam tenang tidak valid: gunakan format JJ:MM."))
    return redirect("channels:channel_list")


@staff_required("channels.manage")
def channel_create(request, kind):
    if kind not in REGISTRY:
        raise Http404
    form = ChannelForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            channel = services.create_channel(actor=request.user, office=request.user.office, kind=kind,
                                              **form.service_values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Kanal %(name)s dibuat.") % {"name": channel.name})
            return redirect("channels:channel_detail", pk=channel.pk)
    return render(request, "channels/channel_form.html", {"form": form, "provider": REGISTRY[kind], "creating": True})


@staff_required("channels.manage")
def channel_edit(request, pk):
    channel = _own(request, pk)
    form = ChannelForm(request.POST or None, kind=channel.kind, channel=channel)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_channel(actor=request.user, channel=channel,
                                    expected_version=form.cleaned_data.get("version"), **form.service_values())
        except ConflictError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Kanal disimpan."))
            return redirect("channels:channel_detail", pk=channel.pk)
    return render(request, "channels/channel_form.html", {"form": form, "provider": channel.provider,
                                                          "channel": channel})


@staff_required("broadcast.view")
def channel_detail(request, pk):
    return _detail(request, _own(request, pk))


def _detail(request, channel: Channel, receive_form: ReceiveForm | None = None, status: int = 200):
    actions = selectors.channel_actions(request.user, channel)
    if actions.receive and receive_form is None:
        receive_form = ReceiveForm(senders=selectors.receive_senders(channel))
    outbox = None
    if channel.provider.is_simulation:
        outbox = Paginator(channel.outbox_messages.all(), 50).get_page(request.GET.get("page"))
    stuck = channel.inbound_messages.filter(routed_at=None, route_attempts__gte=InboundMessage.MAX_ROUTE_ATTEMPTS)
    return render(request, "channels/channel_detail.html", {
        "channel": channel, "provider": channel.provider, "stuck": stuck.order_by("pk")[:20],
        "stuck_count": stuck.count(), "actions": actions, "receive_form": receive_form,
        "webhook_url": webhook_url(request, channel) if channel.provider.two_way else "",
        "webhook_help": channel.provider.webhook_help(channel, webhook_url(request, channel)),
        "test_form": TestForm(channel=channel), "outbox": outbox,
        "templates": selectors.templates_with_category_changes(channel),
        "config": [(f.label, channel.config.get(f.name) or "—") for f in channel.provider.fields if not f.secret],
        # An unreadable secret is still stored: the status box says why it cannot be used.
        "secrets": [(f.label, bool(channel.secrets.get(f.name)) or f.name in channel.unreadable_secrets)
                    for f in channel.provider.fields if f.secret]}, status=status)


@staff_required("channels.manage")
@require_POST
def channel_toggle(request, pk):
    channel = _own(request, pk)
    active = request.POST.get("active") == "1"
    services.set_channel_status(actor=request.user, channel=channel, active=active)
    messages.success(request, _("Kanal diaktifkan; antrean dilanjutkan.") if active else
                     _("Kanal dijeda; pesan menunggu dalam antrean."))
    return redirect("channels:channel_detail", pk=channel.pk)


@staff_required("channels.manage")
@require_POST
def channel_retry_routing(request, pk):
    channel = _own(request, pk)
    count = services.retry_routing(actor=request.user, channel=channel)
    messages.success(request, _("%(n)s pesan dicoba lagi untuk kotak masuk.") % {"n": count})
    return redirect("channels:channel_detail", pk=channel.pk)


@staff_required("channels.manage")
@require_POST
def channel_test(request, pk):
    channel = _own(request, pk)
    form = TestForm(request.POST, channel=channel)
    if form.is_valid():
        try:
            result = services.send_test(actor=request.user, channel=channel, to=form.cleaned_data["to"],
                                        template=form.cleaned_data.get("template"))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if result.ok:
                messages.success(request, _("Pesan uji untuk %(to)s diterima %(provider)s: kanal ini dapat "
                                            "mengirim.") % {"to": form.cleaned_data["to"],
                                                            "provider": channel.provider.label})
            else:
                messages.error(request, _("Pesan uji gagal: %(why)s") % {"why": explain_result(result)})
    else:
        messages.error(request, _("Isi alamat tujuan uji."))
    return redirect("channels:channel_detail", pk=channel.pk)


@staff_required("channels.manage")
@require_POST
def channel_receive(request, pk):
    """The dev outbox receives a message typed by staff; the router takes it from there as from a webhook."""
    channel = _own(request, pk)
    if not channel.provider.is_simulation:
        raise Http404
    form = ReceiveForm(request.POST, senders=selectors.receive_senders(channel))
    if form.is_valid():
        try:
            inbound = services.receive_typed_message(actor=request.user, channel=channel, **form.service_values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Pesan dari %(sender)s diterima kanal ini; sebentar lagi ada di kotak masuk "
                                        "(dan dijawab bila berisi kata kunci).") % {
                "sender": inbound.sender_name or inbound.sender.partition(":")[2]})
            return redirect(reverse("channels:channel_detail", args=[channel.pk]) + "#terima")
    return _detail(request, channel, receive_form=form, status=400)


@staff_required("channels.manage")
@require_POST
def channel_register_webhook(request, pk):
    channel = _own(request, pk)
    try:
        result = services.register_webhook(actor=request.user, channel=channel, url=webhook_url(request, channel))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if result.ok:
            messages.success(request, _("Webhook terpasang: pesan masuk akan diterima di sini."))
        else:
            messages.error(request, _("Webhook gagal dipasang: %(why)s") % {"why": result.detail})
    return redirect("channels:channel_detail", pk=channel.pk)


@staff_required("channels.manage")
def template_edit(request, pk, template_pk=None):
    channel = _own(request, pk)
    if channel.provider.session_window is None:
        raise Http404
    template = get_object_or_404(Template, pk=template_pk, channel=channel) if template_pk else None
    form = TemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_template(actor=request.user, channel=channel, template=template, name=data["name"],
                                   language=data["language"], body=data["body"], category=data["category"],
                                   status=data["status"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Templat disimpan."))
            return redirect("channels:channel_detail", pk=channel.pk)
    return render(request, "channels/template_form.html", {"form": form, "channel": channel,
                                                           "template": template})


