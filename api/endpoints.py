"""JSON API for other systems: /api/v1/, bearer-token auth, the same office scoping as the staff UI."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, NinjaAPI, Path, Query, Schema, Status
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import paginate
from ninja.security import HttpBearer
from pydantic import field_validator

from accounts.models import ApiToken
from accounts.permissions import can, can_edit_office
from accounts.services import token_for_api_key
from api.pagination import BoundedPageNumberPagination
from audit.services import record
from bakohumas.locking import ConflictError
from lib.text import clean_deep, clean_text
from members import selectors, services
from members.models import Category, Consent, Member, Organization
from offices.models import Office
from offices.selectors import office_and_descendants
from ops.services import throttle_exceeded


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        api_token = token_for_api_key(token)
        if api_token is None or api_token.user.office_id is None:
            return None
        if request.method not in ("GET", "HEAD", "OPTIONS") and api_token.scope != ApiToken.Scope.WRITE:
            raise PermissionDenied
        request.user, request.api_token = api_token.user, api_token
        return api_token.user


class RateLimited(Exception):
    pass


api = NinjaAPI(
    title="Bakohumas API",
    version="1.0.0",
    description="Registri Bakohumas KPU: satker, instansi, anggota dan grup. Autentikasi: header "
                "`Authorization: Bearer <token>` (buat token di halaman Keamanan akun).",
    auth=TokenAuth(),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url=None,
)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": "Data tidak valid.", "errors": errors}, status=400)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc: NinjaValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", []) if part not in ("body", "payload", "query")]
        errors.setdefault(".".join(location) or "__all__", []).append(_schema_message(error))
    return api.create_response(request, {"detail": "Data tidak valid.", "errors": errors}, status=400)


def _schema_message(error: dict) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return "Wajib diisi."
    if kind in {"enum", "literal_error"}:
        allowed = (error.get("ctx") or {}).get("expected", "")
        return f"Nilai tidak dikenal; pilihan: {allowed}." if allowed else "Nilai tidak dikenal."
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return "Jenis data salah."
    return error.get("msg", "Tidak valid.")


@api.exception_handler(ConflictError)
def on_conflict(request, exc: ConflictError):
    return api.create_response(request, {"detail": str(exc), "current_version": exc.current.version}, status=409)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return api.create_response(request, {"detail": "Token tidak ada, tidak dikenal, kedaluwarsa atau dicabut."},
                               status=401)


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return api.create_response(request, {"detail": "Peran Anda tidak mengizinkan tindakan ini."}, status=403)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": "Tidak ditemukan."}, status=404)


@api.exception_handler(RateLimited)
def on_rate_limited(request, exc):
    response = api.create_response(request, {"detail": "Terlalu banyak permintaan daftar. Coba lagi dalam satu "
                                                       "menit."}, status=429)
    response["Retry-After"] = "60"
    return response


def require(request, capability: str):
    if not can(request.auth, capability):
        raise PermissionDenied


def audit_bulk_read(request, what: str) -> None:
    """A list read through the API can carry many people's data: it is rate-limited per token and audited."""
    if throttle_exceeded(scope="api-bulk-read", key=str(request.api_token.pk), limit=settings.API_BULK_READS_PER_MINUTE,
                         window=timedelta(minutes=1)):
        raise RateLimited
    record(actor=request.auth, office=request.auth.office, action="api.bulk_read", target=request.api_token,
           after={"what": what, "query": {clean_text(k)[:50]: clean_text(v)[:100] for k, v in request.GET.items()}})


# Database keys are 64-bit: a larger number in a path or body is refused as invalid, not passed to the database.
MAX_ID = 2**63 - 1


def object_id(description: str):
    return Path(..., ge=1, le=MAX_ID, description=description)


class InSchema(Schema):
    """A request body: control characters, NUL and lone surrogates are dropped before anything sees the text."""

    @field_validator("*", mode="before")
    @classmethod
    def _clean_text(cls, value):
        return clean_deep(value)


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | None = None
    current_version: int | None = None


# Every answer an endpoint can give is in the OpenAPI document.
READ_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut}
OBJECT_ERRORS = {**READ_ERRORS, 404: ErrorOut}
WRITE_ERRORS = {**OBJECT_ERRORS, 409: ErrorOut}


class OfficeOut(Schema):
    id: int
    code: str
    name: str
    level: str
    parent_code: str | None
    slug: str
    timezone: str

    @staticmethod
    def resolve_parent_code(obj: Office):
        return obj.parent.code if obj.parent_id else None


class OrganizationIn(InSchema):
    name: str
    category: Category
    abbreviation: str = ""
    address: str = ""
    email: str = ""
    phone: str = ""
    website: str = ""
    notes: str = ""


class OrganizationOut(Schema):
    id: int
    office_code: str
    name: str
    abbreviation: str
    category: str
    email: str
    phone: str
    website: str
    is_active: bool
    version: int

    @staticmethod
    def resolve_office_code(obj: Organization):
        return obj.office.code


class AddressSchema(InSchema):
    kind: str
    value: str
    opted_out: bool = False


class AddressOut(AddressSchema):
    urn: str
    consents: list[str]

    @staticmethod
    def resolve_consents(obj):
        return sorted({c.purpose for c in obj.consents.all() if c.withdrawn_at is None})


class MemberIn(InSchema):
    full_name: str
    position: str = ""
    organization_id: int | None = Field(None, ge=1, le=MAX_ID)
    addresses: list[AddressSchema] = []
    tags: list[str] = []
    notes: str = ""
    consent_purposes: list[str] = []
    consent_evidence: str = ""


class MemberPatch(InSchema):
    """Fields left out stay as they are; `organization_id: null` removes the organisation; other fields may not be
    null."""

    version: int = Field(..., ge=0, le=MAX_ID)
    full_name: str | None = None
    position: str | None = None
    organization_id: int | None = Field(None, ge=1, le=MAX_ID)
    status: str | None = None
    addresses: list[AddressSchema] | None = None
    tags: list[str] | None = None
    notes: str | None = None


class MemberOut(Schema):
    id: int
    office_code: str
    full_name: str
    position: str
    status: str
    organization_id: int | None
    organization_name: str | None
    tags: list[str]
    addresses: list[AddressOut]
    version: int
    updated_at: datetime

    @staticmethod
    def resolve_office_code(obj: Member):
        return obj.office.code

    @staticmethod
    def resolve_organization_name(obj: Member):
        return obj.organization.name if obj.organization_id else None

    @staticmethod
    def resolve_tags(obj: Member):
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_addresses(obj: Member):
        return list(obj.addresses.all())


class GroupOut(Schema):
    id: int
    office_code: str
    name: str
    kind: str
    description: str

    @staticmethod
    def resolve_office_code(obj):
        return obj.office.code


def _member_queryset(request):
    return selectors.member_list_page_queryset(selectors.members_visible_to(request.auth.office)).prefetch_related(
        "tags", "addresses__consents")


@api.get("/offices", response={200: list[OfficeOut], **READ_ERRORS}, tags=["satker"])
@paginate(BoundedPageNumberPagination, page_size=100)
def list_offices(request):
    require(request, "registry.view")
    return office_and_descendants(request.auth.office).select_related("parent")


@api.get("/organizations", response={200: list[OrganizationOut], **READ_ERRORS}, tags=["instansi"])
@paginate(BoundedPageNumberPagination, page_size=50)
def list_organizations(request, q: str = "", category: str = ""):
    require(request, "registry.view")
    audit_bulk_read(request, "organizations")
    q, category = clean_text(q), clean_text(category)
    orgs = selectors.organizations_visible_to(request.auth.office).select_related("office")
    if q:
        orgs = orgs.filter(name__icontains=q)
    if category:
        orgs = orgs.filter(category=category)
    return orgs.order_by("name", "id")


@api.get("/organizations/{org_id}", response={200: OrganizationOut, **OBJECT_ERRORS}, tags=["instansi"])
def get_organization(request, org_id: int = object_id("ID instansi")):
    require(request, "registry.view")
    return get_object_or_404(selectors.organizations_visible_to(request.auth.office).select_related("office"),
                             pk=org_id)


@api.post("/organizations", response={201: OrganizationOut, **WRITE_ERRORS}, tags=["instansi"])
def create_organization(request, payload: OrganizationIn):
    require(request, "registry.edit")
    org = services.create_organization(actor=request.auth, office=request.auth.office, **payload.dict())
    return Status(201, org)


@api.get("/members", response={200: list[MemberOut], **OBJECT_ERRORS}, tags=["anggota"])
@paginate(BoundedPageNumberPagination, page_size=50)
def list_members(request, q: str = "", category: str = "", status: str = "", office: str = "",
                 group_id: int | None = Query(None, ge=1, le=MAX_ID)):
    require(request, "registry.view")
    audit_bulk_read(request, "members")
    q, category, status, office = clean_text(q), clean_text(category), clean_text(status), clean_text(office)
    group = None
    if group_id:
        group = get_object_or_404(selectors.groups_visible_to(request.auth.office), pk=group_id)
    office_id = None
    if office:
        target = get_object_or_404(office_and_descendants(request.auth.office), code=office)
        office_id = target.pk
    base = selectors.members_visible_to(request.auth.office)
    members = selectors.search_members(base, q=q, category=category, status=status, group=group, office=office_id)
    return selectors.member_list_page_queryset(members).prefetch_related("tags", "addresses__consents")


@api.get("/members/{member_id}", response={200: MemberOut, **OBJECT_ERRORS}, tags=["anggota"])
def get_member(request, member_id: int = object_id("ID anggota")):
    require(request, "registry.view")
    return get_object_or_404(_member_queryset(request), pk=member_id)


def _organization_for(request, organization_id):
    if organization_id is None:
        return None
    org = Organization.objects.filter(pk=organization_id, office=request.auth.office).first()
    if org is None:
        raise ValidationError({"organization_id": ["Instansi tidak ditemukan di satker Anda."]})
    return org


@api.post("/members", response={201: MemberOut, **WRITE_ERRORS}, tags=["anggota"])
def create_member(request, payload: MemberIn):
    require(request, "registry.edit")
    office = request.auth.office
    member = services.create_member(
        actor=request.auth, office=office, full_name=payload.full_name, position=payload.position,
        organization=_organization_for(request, payload.organization_id), notes=payload.notes,
        addresses=[services.AddressInput(a.kind, a.value, a.opted_out) for a in payload.addresses],
        tags=services.get_or_create_tags(office=office, names=payload.tags), source=Member.Source.API,
        consent=services.ConsentInput(payload.consent_purposes, Consent.Method.API, payload.consent_evidence),
    )
    return Status(201, _member_queryset(request).get(pk=member.pk))


@api.patch("/members/{member_id}", response={200: MemberOut, **WRITE_ERRORS}, tags=["anggota"])
def update_member(request, payload: MemberPatch, member_id: int = object_id("ID anggota")):
    require(request, "registry.edit")
    member = get_object_or_404(selectors.members_visible_to(request.auth.office), pk=member_id)
    if not can_edit_office(request.auth, member.office):
        raise PermissionDenied
    data = payload.dict(exclude_unset=True)
    nulls = sorted(k for k, v in data.items() if v is None and k != "organization_id")
    if nulls:
        raise ValidationError({k: ["Tidak boleh null; hilangkan kolom ini bila tidak diubah."] for k in nulls})
    addresses = data.get("addresses")
    services.update_member(
        actor=request.auth, member=member, expected_version=payload.version,
        full_name=data.get("full_name", member.full_name), position=data.get("position", member.position),
        organization=(_organization_for(request, data["organization_id"]) if "organization_id" in data
                      else member.organization),
        status=data.get("status", member.status), notes=data.get("notes", member.notes),
        addresses=([services.AddressInput(a["kind"], a["value"], a.get("opted_out", False)) for a in addresses]
                   if addresses is not None else
                   [services.AddressInput(a.kind, a.value, a.opted_out, a.is_primary) for a in member.addresses.all()]),
        tags=(services.get_or_create_tags(office=member.office, names=data["tags"]) if "tags" in data
              else list(member.tags.all())),
    )
    return _member_queryset(request).get(pk=member.pk)


@api.get("/groups", response={200: list[GroupOut], **READ_ERRORS}, tags=["grup"])
@paginate(BoundedPageNumberPagination, page_size=100)
def list_groups(request):
    require(request, "registry.view")
    return selectors.groups_visible_to(request.auth.office).select_related("office").order_by("name", "id")


@api.get("/groups/{group_id}/members", response={200: list[MemberOut], **OBJECT_ERRORS}, tags=["grup"])
@paginate(BoundedPageNumberPagination, page_size=50)
def list_group_members(request, group_id: int = object_id("ID grup")):
    require(request, "registry.view")
    audit_bulk_read(request, f"group {group_id} members")
    group = get_object_or_404(selectors.groups_visible_to(request.auth.office), pk=group_id)
    return selectors.member_list_page_queryset(selectors.group_members(group)).prefetch_related(
        "tags", "addresses__consents")
