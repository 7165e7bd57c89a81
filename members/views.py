import io

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from accounts.permissions import can, can_edit_office
from bakohumas import spamguard
from bakohumas.forms import add_service_errors
from bakohumas.locking import ConflictError
from bakohumas.spamguard import SpamSuspected
from lib import tabular
from lib.http import client_ip
from lib.params import parse_id
from members import selectors, services
from members.forms import (
    AddressFormSet,
    ConsentForm,
    ErasureForm,
    GroupForm,
    ImportMappingForm,
    ImportUploadForm,
    MemberForm,
    OrganizationForm,
    SelfRegistrationForm,
)
from members.models import Address, Category, Consent, ImportJob, Member, Tag
from offices.models import Office
from offices.selectors import office_and_descendants

PAGE_SIZE = 50
EXPORT_HEADERS = ["Nama lengkap", "Instansi/lembaga", "Kategori", "Jabatan", "WhatsApp", "Telepon", "E-mail",
                  "Telegram", "Label", "Status", "Satker"]




def _writable(request, obj):
    if not can_edit_office(request.user, obj.office):
        raise PermissionDenied
    return obj


# Dashboard -------------------------------------------------------------------------------------------------

@staff_required("registry.view")
def dashboard(request):
    office = request.user.office
    members = selectors.members_visible_to(office)
    by_category = (
        members.filter(status=Member.Status.ACTIVE)
        .values("organization__category").annotate(n=Count("id")).order_by("-n")
    )
    labels = dict(Category.choices)
    chart = [{"label": labels.get(row["organization__category"], _("Perorangan/publik")), "n": row["n"]}
             for row in by_category]
    top = max([c["n"] for c in chart], default=1)
    for row in chart:
        row["percent"] = round(100 * row["n"] / top)
    context = {
        "active_count": members.filter(status=Member.Status.ACTIVE).count(),
        "pending_count": members.filter(status=Member.Status.PENDING, office=office).count(),
        "organization_count": selectors.organizations_visible_to(office).count(),
        "opted_out_count": Address.objects.filter(member__in=members, opted_out=True).count(),
        "chart": chart,
        "recent_imports": selectors.import_jobs_visible_to(office)[:5],
    }
    return render(request, "members/dashboard.html", context)


# Members ---------------------------------------------------------------------------------------------------

def _filtered_members(request):
    office = request.user.office
    params = request.GET
    group = None
    if parse_id(params.get("group")) is not None:
        group = get_object_or_404(selectors.groups_visible_to(office), pk=parse_id(params["group"]))

    def as_int(name):
        return parse_id(params.get(name))

    return selectors.search_members(
        selectors.members_visible_to(office), q=params.get("q", ""), category=params.get("category", ""),
        organization=as_int("organization"), status=params.get("status", ""), tag=as_int("tag"), group=group,
        office=as_int("office"),
    )


@staff_required("registry.view")
def member_list(request):
    office = request.user.office
    members = selectors.member_list_page_queryset(_filtered_members(request))
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "query": query.urlencode(),
        "categories": Category.choices,
        "statuses": Member.Status.choices,
        "tags": Tag.objects.filter(office=office),
        "groups": selectors.groups_visible_to(office),
        "offices": office_and_descendants(office) if office.level != Office.Level.REGENCY else [],
        "can_edit": can(request.user, "registry.edit"),
    }
    template = "members/_member_rows.html" if request.headers.get("HX-Request") else "members/member_list.html"
    return render(request, template, context)


def _address_inputs(formset) -> list[services.AddressInput]:
    return [
        services.AddressInput(kind=f.cleaned_data["kind"], value=f.cleaned_data.get("value", ""),
                              opted_out=f.cleaned_data.get("opted_out", False))
        for f in formset.forms if f.cleaned_data and f.cleaned_data.get("value")
    ]


@staff_required("registry.edit")
def member_create(request):
    office = request.user.office
    form = MemberForm(request.POST or None, office=office)
    formset = AddressFormSet(request.POST or None, prefix="addr",
                             initial=[{"kind": Address.Kind.WHATSAPP}, {"kind": Address.Kind.EMAIL}])
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            member = services.create_member(
                actor=request.user, office=office, full_name=data["full_name"], position=data["position"],
                organization=data["organization"], status=data["status"], notes=data["notes"],
                preferred_channel=data["preferred_channel"], addresses=_address_inputs(formset),
                tags=services.get_or_create_tags(office=office, names=data["tags"].split(",")),
                consent=services.ConsentInput(data["consent_purposes"], Consent.Method.FORM,
                                              data["consent_evidence"]),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Anggota %s ditambahkan.") % member.full_name)
            return redirect("members:member_detail", pk=member.pk)
    return render(request, "members/member_form.html", {"form": form, "formset": formset, "creating": True})


@staff_required("registry.view")
def member_detail(request, pk):
    member = get_object_or_404(
        selectors.members_visible_to(request.user.office).select_related("organization", "office"), pk=pk)
    addresses = member.addresses.prefetch_related("consents")
    context = {
        "member": member,
        "addresses": addresses,
        "actions": selectors.member_actions(request.user, member),
        "consent_form": ConsentForm(),
        "groups": member.manual_groups.all(),
    }
    return render(request, "members/member_detail.html", context)


@staff_required("registry.edit")
def member_edit(request, pk):
    member = _writable(request, get_object_or_404(selectors.members_visible_to(request.user.office), pk=pk))
    if member.status == Member.Status.ERASED:
        raise Http404
    initial = {
        "full_name": member.full_name, "organization": member.organization, "position": member.position,
        "status": member.status, "preferred_channel": member.preferred_channel,
        "tags": ", ".join(t.name for t in member.tags.all()), "notes": member.notes, "version": member.version,
    }
    address_initial = [{"kind": a.kind, "value": a.value, "opted_out": a.opted_out} for a in member.addresses.all()]
    form = MemberForm(request.POST or None, office=member.office, initial=initial)
    del form.fields["consent_purposes"], form.fields["consent_evidence"]
    if member.status == Member.Status.PENDING:
        form.fields["status"].choices = [(Member.Status.PENDING, Member.Status.PENDING.label)]
    formset = AddressFormSet(request.POST or None, prefix="addr", initial=address_initial)
    conflict = None
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            services.update_member(
                actor=request.user, member=member, expected_version=data["version"], full_name=data["full_name"],
                position=data["position"], organization=data["organization"], status=data["status"],
                notes=data["notes"], preferred_channel=data["preferred_channel"], addresses=_address_inputs(formset),
                tags=services.get_or_create_tags(office=member.office, names=data["tags"].split(",")),
            )
        except ConflictError as exc:
            conflict = exc.current
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Perubahan disimpan."))
            return redirect("members:member_detail", pk=member.pk)
    return render(request, "members/member_form.html",
                  {"form": form, "formset": formset, "member": member, "conflict": conflict})


@staff_required("registry.view")
def member_export_json(request, pk):
    member = get_object_or_404(selectors.members_visible_to(request.user.office), pk=pk)
    if not can(request.user, "registry.export"):
        raise PermissionDenied
    data = selectors.member_personal_data(member)
    services.record_personal_data_export(actor=request.user, member=member)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="data-pribadi-anggota-{member.pk}.json"'
    return response


@staff_required("registry.erase")
def member_erase(request, pk):
    """A page of its own: what will be erased, the reason, and the name typed again before anything happens."""
    member = _writable(request, get_object_or_404(selectors.members_visible_to(request.user.office), pk=pk))
    if member.status == Member.Status.ERASED:
        return redirect("members:member_detail", pk=pk)
    form = ErasureForm(request.POST or None, member=member)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            services.erase_member(actor=request.user, member=member, reason=form.cleaned_data["reason"])
            messages.success(request, _("Data pribadi anggota telah dihapus dan dianonimkan."))
            return redirect("members:member_detail", pk=pk)
        status = 400
    return render(request, "members/member_erase.html",
                  {"member": member, "form": form, "preview": selectors.erasure_preview(member)}, status=status)


@require_POST
@staff_required("registry.edit")
def address_opt_out(request, pk):
    address = get_object_or_404(Address.objects.filter(member__in=selectors.members_visible_to(request.user.office)),
                                pk=pk)
    _writable(request, address)
    services.set_opt_out(actor=request.user, address=address, opted_out=request.POST.get("opted_out") == "1",
                         note=_("diubah oleh staf"))
    return redirect("members:member_detail", pk=address.member_id)


@require_POST
@staff_required("registry.edit")
def address_reachable(request, pk):
    address = get_object_or_404(Address.objects.filter(member__in=selectors.members_visible_to(request.user.office)),
                                pk=pk)
    _writable(request, address)
    services.clear_undeliverable(actor=request.user, address=address)
    messages.success(request, _("Tanda dihapus; siaran berikutnya mencoba alamat ini lagi."))
    return redirect("members:member_detail", pk=address.member_id)


@require_POST
@staff_required("registry.edit")
def consent_give(request, pk):
    member = _writable(request, get_object_or_404(selectors.members_visible_to(request.user.office), pk=pk))
    form = ConsentForm(request.POST)
    if form.is_valid():
        address = get_object_or_404(member.addresses, pk=form.cleaned_data["address"])
        services.give_consent(actor=request.user, address=address, purposes=form.cleaned_data["purposes"],
                              method=Consent.Method.FORM, evidence=form.cleaned_data["evidence"])
        messages.success(request, _("Persetujuan dicatat."))
    else:
        messages.error(request, _("Pilih tujuan dan isi dasar/bukti persetujuan."))
    return redirect("members:member_detail", pk=pk)


@require_POST
@staff_required("registry.edit")
def consent_withdraw(request, pk):
    consent = get_object_or_404(
        Consent.objects.filter(address__member__in=selectors.members_visible_to(request.user.office)), pk=pk)
    _writable(request, consent.address)
    services.withdraw_consent(actor=request.user, address=consent.address, purposes=[consent.purpose],
                              note=request.POST.get("note", "")[:300] or _("ditarik melalui staf"))
    messages.success(request, _("Persetujuan ditarik."))
    return redirect("members:member_detail", pk=consent.address.member_id)


@staff_required("registry.export")
def member_export(request, fmt):
    members = selectors.member_list_page_queryset(_filtered_members(request)).prefetch_related("tags")
    labels = dict(Category.choices)

    def rows():
        for m in members.iterator(chunk_size=2000):
            by_kind: dict[str, list[str]] = {}
            for a in m.addresses.all():
                by_kind.setdefault(a.kind, []).append(a.value + (" (berhenti)" if a.opted_out else ""))
            yield [m.full_name, m.organization.name if m.organization else "",
                   labels.get(m.organization.category, "") if m.organization else "", m.position,
                   ", ".join(by_kind.get("whatsapp", [])), ", ".join(by_kind.get("tel", [])),
                   ", ".join(by_kind.get("mailto", [])), ", ".join(by_kind.get("telegram", [])),
                   ", ".join(t.name for t in m.tags.all()), m.get_status_display(), m.office.name]

    services.record_registry_export(actor=request.user, fmt=fmt, count=members.count())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        response = StreamingHttpResponse(tabular.write_csv(EXPORT_HEADERS, rows()), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="anggota-bakohumas-{stamp}.csv"'
        return response
    buffer = io.BytesIO()
    tabular.write_xlsx(EXPORT_HEADERS, rows(), buffer)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=f"anggota-bakohumas-{stamp}.xlsx")


# Self-registration -----------------------------------------------------------------------------------------

@staff_required("registry.approve")
def registration_list(request):
    office = request.user.office
    pending = Member.objects.filter(office=office, status=Member.Status.PENDING).prefetch_related("addresses")
    link = request.build_absolute_uri(reverse("public:self_register", args=[office.registration_token]))
    return render(request, "members/registration_list.html", {"pending": pending, "link": link, "office": office})


@staff_required("registry.approve")
def registration_qr(request):
    office = request.user.office
    link = request.build_absolute_uri(reverse("public:self_register", args=[office.registration_token]))
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="svg", scale=6, title=f"Pendaftaran Bakohumas {office.name}")
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    if request.GET.get("download"):
        response["Content-Disposition"] = 'attachment; filename="qr-pendaftaran-bakohumas.svg"'
    return response


@require_POST
@staff_required("registry.approve")
def registration_decide(request, pk):
    member = get_object_or_404(Member.objects.filter(office=request.user.office), pk=pk)
    decision = request.POST.get("decision")
    if decision not in {"approve", "reject"}:
        return HttpResponse(_("Keputusan tidak dikenal."), status=400)
    try:
        if decision == "approve":
            services.approve_registration(actor=request.user, member=member)
            messages.success(request, _("%s disetujui dan kini aktif.") % member.full_name)
        else:
            services.reject_registration(actor=request.user, member=member)
            messages.success(request, _("Pendaftaran ditolak; datanya dihapus."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("members:registration_list")


@require_POST
@staff_required("office.manage")
def registration_settings(request):
    services.update_registration_settings(actor=request.user, office=request.user.office,
                                          is_open=request.POST.get("open") == "1",
                                          rotate_token=request.POST.get("rotate") == "1")
    messages.success(request, _("Pengaturan pendaftaran mandiri disimpan."))
    return redirect("members:registration_list")


def self_register(request, token):
    office = get_object_or_404(Office, registration_token=token)
    if not office.registration_open:
        return render(request, "members/self_register_closed.html", {"office": office}, status=410)
    form = SelfRegistrationForm(request.POST or None,
                                initial={"started": spamguard.form_token(services.SELF_REGISTRATION_SALT)})
    if request.method == "POST" and form.is_valid():
        try:
            services.register_self(office=office, data=form.cleaned_data,
                                   ip_address=client_ip(request.META, trusted_proxies=settings.TRUSTED_PROXY_COUNT))
        except SpamSuspected:
            # Bots get the same page as people, so they learn nothing.
            return render(request, "members/self_register_done.html", {"office": office})
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return render(request, "members/self_register_done.html", {"office": office})
    return render(request, "members/self_register.html", {"form": form, "office": office})


# Organisations ---------------------------------------------------------------------------------------------

@staff_required("registry.view")
def organization_list(request):
    office = request.user.office
    orgs = selectors.organizations_visible_to(office).select_related("office").annotate(
        member_count=Count("members", filter=~Q(members__status=Member.Status.ERASED)))
    q = " ".join(request.GET.get("q", "").split())
    if q:
        orgs = orgs.filter(Q(name__icontains=q) | Q(abbreviation__icontains=q))
    if request.GET.get("category") in Category.values:
        orgs = orgs.filter(category=request.GET["category"])
    page = Paginator(orgs.order_by("name"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "members/organization_list.html", {
        "page": page, "query": query.urlencode(), "categories": Category.choices,
        "can_edit": can(request.user, "registry.edit")})


@staff_required("registry.edit")
def organization_create(request):
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            org = services.create_organization(actor=request.user, office=request.user.office, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Instansi %s ditambahkan.") % org.name)
            return redirect("members:organization_detail", pk=org.pk)
    return render(request, "members/organization_form.html", {"form": form, "creating": True})


@staff_required("registry.view")
def organization_detail(request, pk):
    org = get_object_or_404(selectors.organizations_visible_to(request.user.office), pk=pk)
    members = org.members.exclude(status=Member.Status.ERASED).prefetch_related("addresses")
    return render(request, "members/organization_detail.html", {
        "org": org, "members": members, "can_edit": can_edit_office(request.user, org.office)})


@staff_required("registry.edit")
def organization_edit(request, pk):
    org = _writable(request, get_object_or_404(selectors.organizations_visible_to(request.user.office), pk=pk))
    fields = ["name", "abbreviation", "category", "address", "email", "phone", "website", "notes"]
    form = OrganizationForm(request.POST or None, initial={**{f: getattr(org, f) for f in fields},
                                                            "version": org.version})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.update_organization(actor=request.user, organization=org, expected_version=version, **data)
        except ConflictError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Perubahan disimpan."))
            return redirect("members:organization_detail", pk=org.pk)
    return render(request, "members/organization_form.html", {"form": form, "org": org})


# Groups ----------------------------------------------------------------------------------------------------

@staff_required("registry.view")
def group_list(request):
    groups = selectors.groups_visible_to(request.user.office).select_related("office")
    return render(request, "members/group_list.html", {
        "groups": groups, "can_edit": can(request.user, "registry.edit")})


def _group_form_save(request, form, group=None):
    data = form.cleaned_data
    office = request.user.office
    tags = services.get_or_create_tags(office=office, names=data["rule_tags"].split(","))
    if group is None:
        return services.create_group(
            actor=request.user, office=office, name=data["name"], kind=data["kind"],
            description=data["description"], categories=data["rule_categories"], tags=tags,
            include_descendants=data["rule_include_descendants"])
    return services.update_group(
        actor=request.user, group=group, expected_version=data["version"], name=data["name"],
        description=data["description"], categories=data["rule_categories"], tags=tags,
        include_descendants=data["rule_include_descendants"])


@staff_required("registry.edit")
def group_create(request):
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = _group_form_save(request, form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("members:group_detail", pk=group.pk)
    return render(request, "members/group_form.html", {"form": form, "creating": True})


@staff_required("registry.edit")
def group_edit(request, pk):
    group = _writable(request, get_object_or_404(selectors.groups_visible_to(request.user.office), pk=pk))
    form = GroupForm(request.POST or None, initial={
        "name": group.name, "description": group.description, "kind": group.kind,
        "rule_categories": group.rule_categories, "rule_tags": ", ".join(t.name for t in group.rule_tags.all()),
        "rule_include_descendants": group.rule_include_descendants, "version": group.version})
    form.fields["kind"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            _group_form_save(request, form, group)
        except ConflictError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("members:group_detail", pk=group.pk)
    return render(request, "members/group_form.html", {"form": form, "group": group})


@staff_required("registry.view")
def group_detail(request, pk):
    group = get_object_or_404(selectors.groups_visible_to(request.user.office), pk=pk)
    members = selectors.member_list_page_queryset(selectors.group_members(group))
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    candidates = []
    actions = selectors.group_actions(request.user, group)
    if actions.manage_members and request.GET.get("cari"):
        candidates = selectors.search_members(
            Member.objects.filter(office=group.office), q=request.GET["cari"]).exclude(
            manual_groups=group)[:20]
    return render(request, "members/group_detail.html", {
        "group": group, "page": page, "actions": actions, "candidates": candidates})


@require_POST
@staff_required("registry.edit")
def group_membership(request, pk):
    group = _writable(request, get_object_or_404(selectors.groups_visible_to(request.user.office), pk=pk))
    member_id = parse_id(request.POST.get("member"))
    if member_id is None:
        raise Http404
    member = get_object_or_404(Member.objects.filter(office=group.office), pk=member_id)
    try:
        services.set_group_membership(actor=request.user, group=group, member=member,
                                      included=request.POST.get("action") == "add")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("members:group_detail", pk=group.pk)


@require_POST
@staff_required("registry.edit")
def group_delete(request, pk):
    group = _writable(request, get_object_or_404(selectors.groups_visible_to(request.user.office), pk=pk))
    services.delete_group(actor=request.user, group=group)
    messages.success(request, _("Grup dihapus."))
    return redirect("members:group_list")


# Import ----------------------------------------------------------------------------------------------------

@staff_required("registry.import")
def import_start(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.create_import_job(actor=request.user, office=request.user.office,
                                             uploaded_file=form.cleaned_data["file"],
                                             default_category=form.cleaned_data["default_category"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("members:import_detail", pk=job.pk)
    # Headers and mapping are not shown here; a job stored before headers were bounded may hold megabytes of them.
    jobs = ImportJob.objects.filter(office=request.user.office).defer("headers", "mapping") \
        .select_related("created_by")[:20]
    return render(request, "members/import_start.html", {"form": form, "jobs": jobs})


def _import_job(request, pk) -> ImportJob:
    return get_object_or_404(ImportJob.objects.filter(office=request.user.office), pk=pk)


@staff_required("registry.import")
def import_detail(request, pk):
    job = _import_job(request, pk)
    actions = selectors.import_actions(request.user, job)
    form = None
    if actions.map_columns:
        form = ImportMappingForm(request.POST or None, headers=job.headers, initial_mapping=job.mapping,
                                 initial={"consent_purposes": job.consent_purposes,
                                          "consent_evidence": job.consent_evidence})
        if request.method == "POST" and form.is_valid():
            try:
                services.configure_import_job(actor=request.user, job=job, mapping=form.mapping(),
                                              consent_purposes=form.cleaned_data["consent_purposes"],
                                              consent_evidence=form.cleaned_data["consent_evidence"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("members:import_detail", pk=job.pk)
    errors = Paginator(job.row_errors.all(), 100).get_page(request.GET.get("page"))
    listed = job.row_errors.values("row_number").distinct().count() if errors.paginator.count else 0
    unlisted = max(0, job.error_rows + job.duplicate_rows - listed)
    sample = _sample_rows(job) if job.status == ImportJob.Status.UPLOADED and job.file else []
    return render(request, "members/import_detail.html", {
        "job": job, "actions": actions, "form": form, "errors": errors, "sample": sample, "unlisted_rows": unlisted})


SAMPLE_CELL_CHARS = 80


def _sample_rows(job: ImportJob) -> list[list[str]]:
    from pathlib import Path

    from members.importing import import_limits

    info = tabular.TableInfo(job.file_format, job.encoding, job.delimiter, job.headers)
    width = len(job.headers)
    rows = []
    try:
        for _number, cells in tabular.iter_rows(Path(job.file.path), info, import_limits()):
            cells = [c if len(c) <= SAMPLE_CELL_CHARS else c[:SAMPLE_CELL_CHARS - 1] + "…" for c in cells[:width]]
            rows.append(cells + [""] * (width - len(cells)))
            if len(rows) > 5:
                break
    except tabular.TabularError:
        return []
    return rows[1:]


@staff_required("registry.import")
def import_progress(request, pk):
    job = _import_job(request, pk)
    if not job.is_running and request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "members/_import_progress.html", {"job": job})


@require_POST
@staff_required("registry.import")
def import_confirm(request, pk):
    job = _import_job(request, pk)
    try:
        services.confirm_import_job(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("members:import_detail", pk=job.pk)


@require_POST
@staff_required("registry.import")
def import_cancel(request, pk):
    job = _import_job(request, pk)
    try:
        services.cancel_import_job(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("members:import_start")


@staff_required("registry.import")
def import_errors_csv(request, pk):
    job = _import_job(request, pk)
    rows = ([e.row_number, e.field, e.message] for e in job.row_errors.all().iterator())
    response = StreamingHttpResponse(tabular.write_csv(["Baris", "Kolom", "Masalah"], rows),
                                     content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="galat-impor-{job.pk}.csv"'
    return response


@staff_required("registry.import")
def import_template(request):
    headers = ["Nama lengkap", "Instansi", "Kategori", "Jabatan", "WhatsApp", "Telepon", "E-mail", "Telegram",
               "Label"]
    example = [["Siti Rahmawati", "DPC Partai Contoh Kota Madiun", "Partai politik", "Sekretaris",
                "0812-3456-7890", "", "siti@example.id", "", "Parpol"]]
    response = StreamingHttpResponse(tabular.write_csv(headers, example), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="templat-impor-anggota.csv"'
    return response
