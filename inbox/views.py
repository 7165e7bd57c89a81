"""Staff inbox (/staf/kotak-masuk/). A conversation exists for its own office and the offices it was escalated to;
for anyone else it is 404."""

import mimetypes

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
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


def _list_context(request) -> dict:
    counts = selectors.folder_counts(request.user)
    name = request.GET.get("folder")
    if name not in FOLDER_LABELS:
        name = selectors.opening_folder(counts)
    conversations = selectors.search(selectors.folder(request.user, name), request.GET.get("q", ""))
    conversations = conversations.select_related("member", "member__organization", "assigned_to", "office")
    page = Paginator(conversations.order_by("-last_message_at", "-id"), 50).get_page(request.GET.get("page"))
    return {"page": page, "folder": name, "query": request.GET.urlencode(),
            "can_reply": can(request.user, "inbox.reply"),
            "folders": [(key, label, counts.get(key)) for key, label in FOLDER_LABELS.items()]}


@staff_required("inbox.view")
def inbox(request):
    template = "inbox/_list.html" if request.headers.get("HX-Request") else "inbox/inbox.html"
    return render(request, template, _list_context(request))


def _detail_context(request, conversation: Conversation, reply_form=None, note_form=None) -> dict:
    channel, _recipient = services.reply_route(conversation)
    window = services.window_open(conversation, channel)
    user = request.user
    staff = User.objects.filter(office_id__in=selectors.handling_office_ids(conversation), is_active=True).order_by(
        "username")
    return {
        "conversation": conversation, "channel": channel, "window_open": window,
        "actions": selectors.conversation_actions(user, conversation),
        "thread": conversation.messages.select_related("author", "author_office", "channel", "delivery"),
        "reply_form": reply_form or ReplyForm(channel=channel, window_open=window,
                                              initial={"version": conversation.version}),
        "note_form": note_form or NoteForm(), "escalate_form": EscalateForm(),
        "staff": [u for u in staff if can(u, "inbox.reply")],
        "escalations": conversation.escalations.select_related("from_office", "to_office", "created_by"),
        "saved_replies": SavedReply.objects.filter(office=user.office),
        "link_suggestions": _link_suggestions(conversation),
    }


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
    return render(request, "inbox/conversation.html", _detail_context(request, conversation))


@staff_required("inbox.view")
def conversation_thread(request, pk):
    conversation = _visible(request, pk)
    return render(request, "inbox/_thread.html", {
        "conversation": conversation, "actions": selectors.conversation_actions(request.user, conversation),
        "thread": conversation.messages.select_related("author", "author_office", "channel", "delivery")})


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
        else:
            messages.success(request, _("Balasan masuk antrean kirim."))
            return redirect("inbox:conversation_detail", pk=conversation.pk)
    return render(request, "inbox/conversation.html", _detail_context(request, conversation, reply_form=form),
                  status=400)


def _simple_action(request, pk, action, done: str):
    conversation = _visible(request, pk)
    try:
        action(conversation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("inbox:conversation_detail", pk=conversation.pk)


@staff_required("inbox.reply")
@require_POST
def conversation_note(request, pk):
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Catatan kosong."))
        return redirect("inbox:conversation_detail", pk=pk)
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


@staff_required("inbox.reply")
@require_POST
def conversation_link_member(request, pk):
    conversation = _visible(request, pk)
    value = request.POST.get("member", "").strip()
    member = None
    if value.isdecimal() and len(value) <= 12:
        member = Member.objects.filter(pk=int(value), office=conversation.office).first()
    if member is None:
        messages.error(request, _("Tidak ada anggota satker ini dengan ID %(id)s.") % {"id": value[:20]})
        return redirect("inbox:conversation_detail", pk=conversation.pk)
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
