"""Staff inbox (/staf/kotak-masuk/). A conversation exists for its own office and the offices it was escalated to;
for anyone else it is 404."""

import mimetypes
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from accounts.models import User
from accounts.permissions import can
from accounts.services import set_on_duty
from bakohumas.forms import add_service_errors
from bakohumas.locking import ConflictError
from bakohumas.spamguard import SpamSuspected
from inbox import public, selectors, services
from inbox.forms import ContactForm, EscalateForm, NoteForm, ReplyForm, SavedReplyForm
from inbox.models import Conversation, Message, SavedReply
from lib.http import client_ip
from members.models import Member
from portal.views import office_from_slug
from portal.views import render_office_page as portal_page

FOLDER_LABELS = {
    "unassigned": gettext_lazy("Belum ditangani"), "mine": gettext_lazy("Saya tangani"),
    "escalated": gettext_lazy("Diteruskan ke kami"), "waiting": gettext_lazy("Menunggu jawaban warga"),
    "closed": gettext_lazy("Selesai"), "open": gettext_lazy("Semua yang terbuka"),
}


def _visible(request, pk) -> Conversation:
    queryset = selectors.conversations_visible_to(request.user.office).select_related(
        "office", "member", "member__organization", "assigned_to", "escalated_to")
    return get_object_or_404(queryset, pk=pk)


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _list_context(request, current: Conversation | None = None) -> dict:
    counts = selectors.folder_counts(request.user)
    name = request.GET.get("folder")
    if name not in FOLDER_LABELS:
        name = selectors.opening_folder(counts)
    q = request.GET.get("q", "")
    conversations = selectors.search(selectors.folder(request.user, name), q)
    conversations = conversations.select_related("member", "member__organization", "assigned_to", "office")
    page = Paginator(conversations.order_by("-last_message_at", "-id"), 50).get_page(request.GET.get("page"))
    page.object_list = selectors.decorate_list(request.user, list(page.object_list))
    keep = {"folder": name, **({"q": q} if q else {})}
    return {"page": page, "folder": name, "q": q, "list_query": urlencode(keep),
            "page_query": urlencode({**keep, "page": page.number}) if page.number > 1 else urlencode(keep),
            "current": current, "can_reply": can(request.user, "inbox.reply"),
            "folders": [(key, label, counts.get(key)) for key, label in FOLDER_LABELS.items()]}


@staff_required("inbox.view")
def inbox(request):
    current = None
    if _is_htmx(request) and request.GET.get("aktif", "").isdecimal():
        current = Conversation(pk=int(request.GET["aktif"]))
    template = "inbox/_list.html" if _is_htmx(request) else "inbox/inbox.html"
    return render(request, template, _list_context(request, current))


def _panel_context(request, conversation: Conversation, notice: str = "", notice_error: bool = False) -> dict:
    channel, _recipient = services.reply_route(conversation)
    staff = User.objects.filter(office_id__in=selectors.handling_office_ids(conversation), is_active=True).order_by(
        "username")
    return {
        "conversation": conversation, "channel": channel,
        "actions": selectors.conversation_actions(request.user, conversation),
        "staff": [u for u in staff if can(u, "inbox.reply")],
        "escalations": conversation.escalations.select_related("from_office", "to_office", "created_by"),
        "link_suggestions": _link_suggestions(conversation),
        "notice": notice, "notice_error": notice_error, "list_query": _list_query(request),
    }


def _list_query(request) -> str:
    return urlencode({k: v for k, v in request.GET.items() if k in ("folder", "q", "page")})


def _detail_context(request, conversation: Conversation, reply_form=None) -> dict:
    context = _panel_context(request, conversation)
    channel = context["channel"]
    state = selectors.window_state(conversation, channel)
    saved = SavedReply.objects.filter(office=request.user.office)
    context.update({
        "window": state, "window_open": state.open,
        "thread": selectors.thread(conversation),
        "reply_form": reply_form or ReplyForm(channel=channel, window_open=state.open,
                                              initial={"version": conversation.version}),
        "saved_replies": saved,
        "saved_reply_data": [{"code": s.shortcode, "title": s.title, "text": s.text} for s in saved],
    })
    return context


def _page_context(request, conversation: Conversation, reply_form=None) -> dict:
    """The conversation page. The list beside it is fetched by the page itself (the list's own poll, at once), so
    the thread is not held up by the folder and a phone, which shows the thread alone, never asks for it."""
    folder = request.GET.get("folder", "")
    lazy_list = {"lazy_list": True, "current": conversation, "folder": folder if folder in FOLDER_LABELS else "",
                 "q": request.GET.get("q", ""), "page_query": _list_query(request),
                 "can_reply": can(request.user, "inbox.reply")}
    return {**lazy_list, **_detail_context(request, conversation, reply_form)}


def _link_suggestions(conversation: Conversation) -> list[Member]:
    """Registered members of the office holding an address typed in the contact form (a hint, not a proof)."""
    if not conversation.from_contact_form:
        return []
    urns = [urn.split(":", 1) for urn in conversation.reply_addresses if ":" in urn]
    matching = Q(pk__in=[])
    for kind, value in urns:
        matching |= Q(addresses__kind=kind, addresses__value=value)
    return list(Member.objects.filter(matching, office=conversation.office,
                                      status__in=services.LINKABLE_STATUSES).exclude(pk=conversation.member_id)
                .select_related("organization").distinct()[:10])


@staff_required("inbox.view")
def conversation_detail(request, pk):
    conversation = _visible(request, pk)
    seen = selectors.last_seen(request.user, conversation)
    context = _page_context(request, conversation)
    shown = [m.pk for m in context["thread"]]
    if shown:
        services.mark_seen(user=request.user, conversation=conversation, message_id=max(shown))
    if seen is not None:
        context["first_unread"] = next((m.pk for m in context["thread"] if m.pk > seen
                                        and m.direction != Message.Direction.EVENT), None)
    return render(request, "inbox/conversation.html", context)


def _int_param(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdecimal() and len(value) <= 18 else None


@staff_required("inbox.view")
def conversation_thread(request, pk):
    """The live thread. With ?setelah=<id> (what the page's poll sends): only the messages after that one, the
    delivery ticks of recent replies, and the side panel again when the conversation changed (?versi=); nothing
    (204) when nothing did. Without it: the whole thread."""
    conversation = _visible(request, pk)
    actions = selectors.conversation_actions(request.user, conversation)
    after = _int_param(request, "setelah")
    if after is None:
        return render(request, "inbox/_thread.html", {
            "conversation": conversation, "actions": actions, "thread": selectors.thread(conversation)})
    new = list(selectors.thread(conversation, after=after))
    ticks = selectors.unsettled_replies(conversation, upto=after)
    changed = _int_param(request, "versi") not in (None, conversation.version)
    if not new and not ticks and not changed:
        return HttpResponse(status=204)
    if new:
        services.mark_seen(user=request.user, conversation=conversation, message_id=max(m.pk for m in new))
    context = {"conversation": conversation, "actions": actions, "new": new, "ticks": ticks, "changed": changed}
    if changed:
        context.update(_panel_context(request, conversation))
    return render(request, "inbox/_thread_poll.html", context)


@staff_required("inbox.reply")
@require_POST
def conversation_reply(request, pk):
    conversation = _visible(request, pk)
    channel, _recipient = services.reply_route(conversation)
    form = ReplyForm(request.POST, channel=channel, window_open=services.window_open(conversation, channel))
    if form.is_valid():
        data = form.cleaned_data
        parameters = [line.strip() for line in (data.get("template_parameters") or "").splitlines() if line.strip()]
        try:
            services.reply(actor=request.user, conversation=conversation, text=data.get("text") or "",
                           expected_version=data["version"], template=data.get("template"),
                           template_parameters=parameters)
        except ConflictError:
            form.add_error(None, _("Percakapan ini baru saja berubah (ada balasan atau pesan baru dari staf lain). "
                                   "Baca dulu yang terbaru; balasan Anda belum dikirim dan masih ada di kotak di "
                                   "bawah."))
            conversation.refresh_from_db()
            form.data = form.data.copy()
            form.data["version"] = conversation.version
        except ValidationError as exc:
            add_service_errors(form, exc)
            if request.user.office_id not in selectors.handling_office_ids(conversation):
                messages.error(request, " ".join(exc.messages))   # the reply form is not shown to them
        else:   # the reply shows in the thread with its delivery tick: no banner above the page
            return _back_to(request, conversation)
    return render(request, "inbox/conversation.html", _page_context(request, conversation, reply_form=form),
                  status=400)


def _back_to(request, conversation: Conversation):
    query = _list_query(request)
    return redirect(reverse("inbox:conversation_detail", args=[conversation.pk]) + (f"?{query}" if query else ""))


def _panel_response(request, conversation: Conversation, notice: str, error: bool):
    """A side-panel action asked through htmx: the panel again, saying what happened, and the thread told to look
    for the event it wrote."""
    conversation = _visible(request, conversation.pk)
    response = render(request, "inbox/_panel_swap.html", _panel_context(request, conversation, notice, error))
    response["HX-Trigger-After-Settle"] = "inbox-changed"
    return response


def _simple_action(request, pk, action, done: str):
    conversation = _visible(request, pk)
    try:
        action(conversation)
    except ValidationError as exc:
        notice, error = " ".join(exc.messages), True
    else:
        notice, error = done, False
    if _is_htmx(request):
        return _panel_response(request, conversation, notice, error)
    (messages.error if error else messages.success)(request, notice)
    return _back_to(request, conversation)


@staff_required("inbox.reply")
@require_POST
def conversation_note(request, pk):
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _simple_action(request, pk, lambda c: _refuse(_("Catatan kosong.")), "")
    return _simple_action(request, pk, lambda c: services.add_note(actor=request.user, conversation=c,
                                                                   text=form.cleaned_data["text"]),
                          _("Catatan disimpan."))


@staff_required("inbox.reply")
@require_POST
def conversation_assign(request, pk):
    value = request.POST.get("assignee", "")
    if value == "me":
        assignee = request.user
    elif value.isdecimal():
        assignee = User.objects.filter(pk=int(value)).first()
        if assignee is None:
            raise Http404
    else:
        assignee = None
    return _simple_action(request, pk, lambda c: services.assign(actor=request.user, conversation=c,
                                                                 assignee=assignee), _("Penanganan diperbarui."))


@staff_required("inbox.reply")
@require_POST
def conversation_tags(request, pk):
    tags = request.POST.get("tags", "").split(",")
    return _simple_action(request, pk, lambda c: services.set_tags(actor=request.user, conversation=c, tags=tags),
                          _("Label disimpan."))


@staff_required("inbox.reply")
@require_POST
def conversation_close(request, pk):
    return _simple_action(request, pk, lambda c: services.close(actor=request.user, conversation=c),
                          _("Percakapan ditutup."))


@staff_required("inbox.reply")
@require_POST
def conversation_reopen(request, pk):
    return _simple_action(request, pk, lambda c: services.reopen(actor=request.user, conversation=c),
                          _("Percakapan dibuka kembali."))


@staff_required("inbox.reply")
@require_POST
def conversation_escalate(request, pk):
    form = EscalateForm(request.POST)
    reason = form.data.get("reason", "")
    return _simple_action(request, pk, lambda c: services.escalate(actor=request.user, conversation=c,
                                                                   reason=reason),
                          _("Diteruskan ke tingkat atas."))


@staff_required("inbox.reply")
@require_POST
def conversation_return(request, pk):
    note = request.POST.get("note", "")
    return _simple_action(request, pk, lambda c: services.return_escalation(actor=request.user, conversation=c,
                                                                            note=note),
                          _("Dikembalikan ke satker asal."))


@staff_required("inbox.reply")
@require_POST
def conversation_unflag(request, pk):
    return _simple_action(request, pk, lambda c: services.clear_flood_flag(actor=request.user, conversation=c),
                          _("Tanda banjir pesan dihapus; balasan otomatis aktif lagi."))


def _refuse(reason: str):
    raise ValidationError(reason)


@staff_required("inbox.reply")
@require_POST
def conversation_link_member(request, pk):
    conversation = _visible(request, pk)
    value = request.POST.get("member", "").strip()
    member = None
    if value.isdecimal() and len(value) <= 12:
        member = Member.objects.filter(pk=int(value), office=conversation.office).first()
    if member is None:
        return _simple_action(request, pk, lambda c: _refuse(_("Tidak ada anggota satker ini dengan ID %(id)s.") % {
            "id": value[:20]}), "")
    return _simple_action(request, pk, lambda c: services.link_conversation_to_member(
        actor=request.user, conversation=c, member=member), _("Percakapan dihubungkan ke %(name)s.") % {
        "name": member.full_name})


@staff_required("inbox.reply")
@require_POST
def toggle_duty(request):
    on_duty = request.POST.get("on_duty") == "1"
    set_on_duty(actor=request.user, user=request.user, on_duty=on_duty)
    messages.success(request, _("Anda bertugas: percakapan baru dibagi bergiliran kepada Anda.") if on_duty else
                     _("Anda tidak lagi menerima percakapan baru secara bergiliran."))
    return redirect("inbox:inbox")


@staff_required("inbox.view")
def message_media(request, pk, message_pk):
    conversation = _visible(request, pk)
    message = get_object_or_404(conversation.messages, pk=message_pk, media_status=Message.MediaStatus.STORED)
    content_type = message.media_mime_type or mimetypes.guess_type(message.media.name)[0] or "application/octet-stream"
    response = FileResponse(message.media.open("rb"), content_type=content_type, as_attachment=True)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_required("inbox.view")
def saved_reply_list(request):
    return render(request, "inbox/saved_replies.html", {
        "saved_replies": SavedReply.objects.filter(office=request.user.office),
        "can_manage": can(request.user, "inbox.manage")})


@staff_required("inbox.manage")
def saved_reply_edit(request, saved_pk=None):
    saved = get_object_or_404(SavedReply, pk=saved_pk, office=request.user.office) if saved_pk else None
    form = SavedReplyForm(request.POST or None, instance=saved)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_reply_template(actor=request.user, office=request.user.office, saved=saved,
                                         **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Balasan tersimpan."))
            return redirect("inbox:saved_reply_list")
    return render(request, "inbox/saved_reply_form.html", {"form": form, "saved": saved})


# Public: contact form and tracking lookup on the portal ----------------------------------------------------------

def _contact_form_too_large(request, declared, office_slug):
    office = office_from_slug(office_slug)
    response = portal_page(request, office, "inbox/public_contact.html", {
        "form": ContactForm(initial={"started": public.form_token()}),
        "too_large": _("Kiriman terlalu besar untuk formulir ini. Pesan paling banyak 4.096 karakter: perpendek "
                       "pesan Anda lalu kirim lagi. Tombol Kembali di peramban biasanya memulihkan isian Anda.")},
        title=_("Kirim pesan") + f" · {office.name}")
    response.status_code = 413
    response["Cache-Control"] = "no-store"
    return response


@public.body_limited(public.CONTACT_FORM_MAX_BODY, _contact_form_too_large)
def contact_form(request, office_slug):
    office = office_from_slug(office_slug)
    form = ContactForm(request.POST or None, initial={"started": public.form_token()})
    if request.method == "POST" and form.is_valid():
        try:
            conversation = public.submit_contact_form(
                office=office, data=form.cleaned_data,
                ip_address=client_ip(request.META, trusted_proxies=settings.TRUSTED_PROXY_COUNT))
        except SpamSuspected:
            return portal_page(request, office, "inbox/public_contact_done.html", {"conversation": None},
                               title=_("Pesan terkirim"))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return portal_page(request, office, "inbox/public_contact_done.html", {"conversation": conversation},
                               title=_("Pesan terkirim"))
    response = portal_page(request, office, "inbox/public_contact.html", {"form": form},
                           title=_("Kirim pesan") + f" · {office.name}")
    response["Cache-Control"] = "no-store"
    return response


def tracking(request, office_slug):
    office = office_from_slug(office_slug)
    number = request.GET.get("nomor", "")
    conversation, error = None, ""
    if number:
        try:
            conversation = public.tracking_status(
                office=office, number=number,
                ip_address=client_ip(request.META, trusted_proxies=settings.TRUSTED_PROXY_COUNT))
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            if conversation is None:
                error = _("Nomor lacak %(number)s tidak ditemukan. Periksa penulisannya (mis. BKH-7KQ2-M9XD).") % {
                    "number": number[:40]}
    response = portal_page(request, office, "inbox/public_tracking.html", {
        "number": number[:40], "found": conversation, "error": error,
        "escalations": conversation.escalations.select_related("from_office", "to_office") if conversation else []},
        title=_("Lacak pertanyaan") + f" · {office.name}")
    response["Cache-Control"] = "no-store"
    return response
