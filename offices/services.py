"""Seeding of the KPU office tree from the Kemendagri region list shipped in data/, and the office's public
contact profile."""

import csv
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from audit.services import record
from bakohumas import portal_hooks
from lib.contacts import MARKUP, AddressError, clean_plain_text, normalize_email
from lib.phones import PhoneError, parse_phone
from offices.models import SOCIAL_FIELDS, Office, new_registration_token

REGION_FILE = settings.BASE_DIR / "data" / "wilayah_kabkota.csv"
NATIONAL_CODE = "00"
ACEH_CODE = "11"

# Province code -> time zone (Permenpan/Keppres 41/1987 zones).
WITA_PROVINCES = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
WIT_PROVINCES = {"81", "82", "91", "92", "93", "94", "95", "96"}


def zone_for_province(province_code: str) -> str:
    if province_code in WIT_PROVINCES:
        return Office.Zone.WIT
    if province_code in WITA_PROVINCES:
        return Office.Zone.WITA
    return Office.Zone.WIB


@dataclass
class SeedResult:
    created: int
    updated: int
    total: int


def _office_name(region_name: str, kind: str, province_code: str) -> str:
    body = "KIP" if province_code == ACEH_CODE else "KPU"
    if kind == "provinsi":
        return f"{body} {region_name}" if province_code == ACEH_CODE else f"{body} Provinsi {region_name}"
    return f"{body} {region_name}"


@transaction.atomic
def seed_offices(*, path: Path = REGION_FILE) -> SeedResult:
    """Create or update KPU RI and every office in the region list; running it twice changes nothing."""
    existing = {o.code: o for o in Office.objects.all()}
    created = updated = 0

    def upsert(code, *, name, region_name, level, parent, slug, timezone):
        nonlocal created, updated
        office = existing.get(code)
        values = dict(name=name, region_name=region_name, level=level, parent=parent, slug=slug, timezone=timezone)
        if office is None:
            office = Office.objects.create(code=code, registration_token=new_registration_token(), **values)
            existing[code] = office
            created += 1
        elif any(getattr(office, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(office, k, v)
            office.save()
            updated += 1
        return office

    national = upsert(
        NATIONAL_CODE, name="KPU RI", region_name="Indonesia", level=Office.Level.NATIONAL,
        parent=None, slug="ri", timezone=Office.Zone.WIB,
    )
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in sorted(rows, key=lambda r: (r["kode_induk"] != "", r["kode"])):
        code, kind = row["kode"].strip(), row["jenis"].strip()
        province_code = row["kode_induk"].strip() or code
        parent = national if kind == "provinsi" else existing[province_code]
        upsert(
            code,
            name=_office_name(row["nama"].strip(), kind, province_code),
            region_name=row["nama"].strip(),
            level=Office.Level.PROVINCE if kind == "provinsi" else Office.Level.REGENCY,
            parent=parent,
            slug=slugify(row["nama"].strip()),
            timezone=zone_for_province(province_code),
        )
    if created or updated:
        record(actor=None, office=national, action="offices.seeded", target=national,
               after={"created": created, "updated": updated})
    return SeedResult(created=created, updated=updated, total=len(existing))


# Profile ---------------------------------------------------------------------------------------------------------

PROFILE_FIELDS = ["contact_address", "contact_phone", "contact_email", "service_hours", "map_url",
                  *(field for field, _label in SOCIAL_FIELDS)]
# A social account's link must lead to that service (a typo'd or foreign link in the footer would mislead).
SOCIAL_HOSTS = {
    "instagram_url": ("instagram.com",), "facebook_url": ("facebook.com", "fb.com", "fb.me"),
    "x_url": ("x.com", "twitter.com"), "youtube_url": ("youtube.com", "youtu.be"), "tiktok_url": ("tiktok.com",),
}
ADDRESS_MAX = 500


def _web_link(raw: str, *, label: str, max_length: int, hosts: tuple[str, ...] = ()) -> str:
    value = (raw or "").strip()
    if not value:
        return ""
    if "://" not in value and ":" not in value.split("/", 1)[0]:
        value = "https://" + value   # "instagram.com/kpu" as people copy it
    if urlsplit(value).scheme.lower() not in ("http", "https"):
        raise ValidationError(_("%(label)s harus alamat web yang diawali https:// atau http://.") % {"label": label})
    if len(value) > max_length:
        raise ValidationError(_("%(label)s terlalu panjang (maksimal %(max)s karakter).") % {
            "label": label, "max": max_length})
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError as exc:
        raise ValidationError(_("%(label)s bukan alamat web yang valid.") % {"label": label}) from exc
    host = (urlsplit(value).hostname or "").lower()
    if hosts and not any(host == h or host.endswith("." + h) for h in hosts):
        raise ValidationError(_("%(label)s harus alamat di %(hosts)s.") % {"label": label, "hosts": ", ".join(hosts)})
    return value


def clean_profile(data: dict) -> dict:
    """The profile as it is stored: links http(s) only, the phone in E.164, the e-mail checked; plain text only."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {}

    def attempt(field, check):
        try:
            clean[field] = check((data.get(field) or "").strip())
        except ValidationError as exc:
            errors[field] = exc.messages

    def address(value):
        lines = [" ".join(line.split()) for line in value.replace("\r\n", "\n").split("\n")]
        value = "\n".join(line for line in lines if line)
        if MARKUP.search(value):
            raise ValidationError(_("Alamat kantor tidak boleh berisi kode HTML atau skrip."))
        if len(value) > ADDRESS_MAX:
            raise ValidationError(_("Alamat kantor terlalu panjang (maksimal %(max)s karakter).") % {
                "max": ADDRESS_MAX})
        return value

    def phone(value):
        if not value:
            return ""
        try:
            return parse_phone(value).e164
        except PhoneError as exc:
            raise ValidationError(_("Telepon kantor: %(reason)s") % {"reason": exc}) from exc

    def email(value):
        if not value:
            return ""
        try:
            return normalize_email(value)
        except AddressError as exc:
            raise ValidationError(_("E-mail kantor: %(reason)s") % {"reason": exc}) from exc

    attempt("contact_address", address)
    attempt("contact_phone", phone)
    attempt("contact_email", email)
    attempt("service_hours", lambda v: clean_plain_text(v, max_length=120, label=_("Jam layanan"), required=False))
    attempt("map_url", lambda v: _web_link(v, label=_("Tautan peta"), max_length=500))
    for field, label in SOCIAL_FIELDS:
        attempt(field, lambda v, field=field, label=label: _web_link(
            v, label=_("Tautan %(service)s") % {"service": label}, max_length=300, hosts=SOCIAL_HOSTS[field]))
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def update_profile(*, actor, office: Office, data: dict) -> list[str]:
    """Store the office's public profile and drop the cached portal pages (every footer shows it).
    Returns the names of the fields that changed."""
    values = clean_profile(data)
    changed = [field for field in PROFILE_FIELDS if getattr(office, field) != values[field]]
    if not changed:
        return []
    before = {field: getattr(office, field) for field in changed}
    for field in changed:
        setattr(office, field, values[field])
    office.save(update_fields=changed)
    record(actor=actor, office=office, action="office.profile_updated", target=office, before=before,
           after={field: values[field] for field in changed})
    portal_hooks.site_changed()
    return changed
