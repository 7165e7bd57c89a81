"""Seeding of the KPU office tree from the Kemendagri region list shipped in data/."""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from audit.services import record
from offices.models import Office, new_registration_token

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
