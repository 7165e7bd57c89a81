"""Dashboards (/staf/dasbor/): an office's dashboard and KPU RI's national one over a year of data.

    python bench/bench_dashboard.py [--quick] [--conversations 50000] [--members 100000] [--deliveries 1000000]
                                    [--publications 20000] [--requests 30] [--keep]
    BENCH_DATABASE_URL=postgresql://user@host/postgres python bench/bench_dashboard.py   # on PostgreSQL instead

1. Data. The inbox benchmark's history (bench_inbox.py: `--conversations` 50,000 conversations over the last 180
   days with about 1,000,000 messages in five offices, escalations to the provinces). Then, over the last 365 days
   and spread over all 553 offices (Kota Madiun holding 5%): `--members` (100,000) members, each in an organisation
   of one of the eleven categories (some without one), a WhatsApp address with a dissemination consent (5% withdrawn,
   3% opted out); one WhatsApp channel per office and 10 broadcasts per office with `--deliveries` (1,000,000)
   deliveries to that office's members (statuses from queued to read and failed); `--publications` (20,000)
   publications; 20,000 hoax reports on 5,000 claims with 2,000 published clarifications and their notices.
2. Figure 1: Kota Madiun's own dashboard for this quarter (an operator of 35.77). Django's test Client logged in,
   DEBUG off, full middleware and templates; 2 warm-up and `--requests` timed requests: p50/p95/max against
   p95 < 150 ms.
3. Figure 2: KPU RI's national dashboard for this quarter (every office's rows, and the table of 38 provinces):
   cold = the first request on a new database connection (SQLite's page cache is per connection; the operating
   system's file cache stays warm), target < 3 s; warm = 2 warm-up and `--requests` timed requests, p95 < 500 ms.
   The province's (Jawa Timur, 38 kab/kota) dashboard is measured the same way for reference.

`--quick`: 5,000 conversations, 10,000 members, 50,000 deliveries, 2,000 publications, 10 requests per page.
"""

import argparse
import random
import secrets
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(ROOT), str(BENCH_DIR)]

from bench_inbox import (  # noqa: E402
    OFFICE,
    bench_database,
    build_history,
    drop_database,
    machine_load,
    make_staff,
    percentile,
    setup_django,
)
from gen_members_csv import MOBILE_PREFIXES, person_name  # noqa: E402
from gen_publications import publication_kind, publication_text  # noqa: E402
from summary import summary  # noqa: E402
from workdir import bench_workdir  # noqa: E402

TARGET_OFFICE_MS = 150
TARGET_NATIONAL_MS = 500
TARGET_COLD_S = 3.0
MADIUN_SHARE = 0.05
BROADCASTS_PER_OFFICE = 10
REPORTS, CLAIMS, CLARIFICATIONS = 20_000, 5_000, 2_000
BATCH = 5000


def _spread(model, now, days: int, field: str = "created_at") -> None:
    """Give the rows of `model` made by bulk_create (auto_now_add sets now) dates over the last `days` days: one
    UPDATE per 10-day slice of the id range."""
    from django.db.models import Max, Min

    bounds = model.objects.aggregate(lo=Min("id"), hi=Max("id"))
    if bounds["lo"] is None:
        return
    slices = days // 10
    step = max(1, (bounds["hi"] - bounds["lo"] + 1) // slices + 1)
    for k in range(slices):
        low = bounds["lo"] + k * step
        model.objects.filter(id__gte=low, id__lt=low + step).update(**{field: now - timedelta(days=days - 10 * k - 5)})


def add_year(args, rng: random.Random) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from broadcasts.models import Broadcast, Delivery
    from channels.models import Channel
    from content.models import Publication
    from factcheck.models import Claim, Clarification, Notice, Report, Verdict
    from members.models import Address, Category, Consent, Member, Organization, Purpose
    from offices.models import Office

    now = timezone.now().replace(microsecond=0)
    year = timedelta(days=365)
    offices = list(Office.objects.all())
    madiun = next(o for o in offices if o.code == OFFICE)
    others = [o for o in offices if o.pk != madiun.pk]
    categories = list(Category.values)
    start = time.perf_counter()
    with transaction.atomic():
        orgs = Organization.objects.bulk_create([
            Organization(office=office, name=f"Instansi {category} {office.code}", category=category)
            for office in offices for category in categories], batch_size=BATCH)
        by_office: dict[int, list] = {}
        for org in orgs:
            by_office.setdefault(org.office_id, []).append(org)
        members = []
        for i in range(args.members):
            office = madiun if rng.random() < MADIUN_SHARE else rng.choice(others)
            org = rng.choice(by_office[office.pk]) if rng.random() < 0.85 else None
            members.append(Member(office=office, organization=org, full_name=person_name(rng),
                                  status=Member.Status.ACTIVE if i % 20 else Member.Status.INACTIVE))
        members = Member.objects.bulk_create(members, batch_size=BATCH)
        _spread(Member, now, 360)
        addresses = [Address(member=m, office_id=m.office_id, kind="whatsapp", is_primary=True,
                             value=f"+62{rng.choice(MOBILE_PREFIXES)[1:]}{60_000_000 + i:08d}",
                             opted_out=i % 33 == 0, opted_out_at=now - timedelta(days=i % 365) if i % 33 == 0 else None)
                     for i, m in enumerate(members)]
        addresses = Address.objects.bulk_create(addresses, batch_size=BATCH)
        Consent.objects.bulk_create([
            Consent(address=a, purpose=Purpose.DISSEMINATION, method=Consent.Method.IMPORT,
                    given_at=now - year + timedelta(days=i % 300),
                    withdrawn_at=now - timedelta(days=i % 60) if i % 20 == 7 else None)
            for i, a in enumerate(addresses)], batch_size=BATCH)
        members_s = time.perf_counter() - start

        start = time.perf_counter()
        channels = {c.office_id: c for c in Channel.objects.bulk_create([
            Channel(office=o, kind="whatsapp", name="WhatsApp Dasbor", rate_per_second=80) for o in offices])}
        broadcasts = Broadcast.objects.bulk_create([
            Broadcast(office=o, title=f"Siaran {k}", text="Ajakan datang ke TPS", status=Broadcast.Status.DONE,
                      audience_all=True, started_at=now - timedelta(days=rng.randrange(365), minutes=k),
                      finished_at=now) for o in offices for k in range(BROADCASTS_PER_OFFICE)], batch_size=BATCH)
        per_office_broadcasts: dict[int, list] = {}
        for b in broadcasts:
            per_office_broadcasts.setdefault(b.office_id, []).append(b)
        audience: dict[int, list] = {}
        for m in members:
            audience.setdefault(m.office_id, []).append(m)
        weights = [len(audience.get(o.pk, [])) for o in offices]
        S = Delivery.Status
        outcomes = [(S.READ, 35), (S.DELIVERED, 35), (S.SENT, 15), (S.FAILED, 10), (S.QUEUED, 3), (S.SKIPPED, 2)]
        statuses = rng.choices([s for s, _ in outcomes], weights=[w for _, w in outcomes], k=args.deliveries)
        seen: set = set()
        rows = []
        for status, office in zip(statuses, rng.choices(offices, weights=weights, k=args.deliveries), strict=True):
            b = rng.choice(per_office_broadcasts[office.pk])
            m = rng.choice(audience[office.pk])
            if (b.pk, m.pk) in seen:
                continue
            seen.add((b.pk, m.pk))
            at = b.started_at
            sent = status in (S.SENT, S.DELIVERED, S.READ) or (status == S.FAILED and rng.random() < 0.5)
            rows.append(Delivery(broadcast=b, channel=channels[office.pk], member=m, recipient=str(m.pk),
                                 status=status, next_attempt_at=at, sent_at=at if sent else None,
                                 delivered_at=at if status in (S.DELIVERED, S.READ) else None,
                                 read_at=at if status == S.READ else None,
                                 failed_at=at if status == S.FAILED else None))
            if len(rows) >= BATCH:
                Delivery.objects.bulk_create(rows)
                rows = []
        Delivery.objects.bulk_create(rows)
        deliveries_s = time.perf_counter() - start

        start = time.perf_counter()
        publications = []
        for i in range(args.publications):
            title, summary_text, body = publication_text(rng)
            office = madiun if rng.random() < MADIUN_SHARE else rng.choice(offices)
            published = now - timedelta(days=rng.randrange(365), minutes=i)
            publications.append(Publication(office=office, kind=publication_kind(rng), title=f"{title} {i}"[:200],
                                            slug=f"dasbor-{i}", summary=summary_text[:300], body=body,
                                            status=Publication.Status.PUBLISHED, publish_at=published,
                                            first_published_at=published))
        Publication.objects.bulk_create(publications, batch_size=2000)
        claim_offices = [madiun if rng.random() < MADIUN_SHARE else rng.choice(offices) for _ in range(CLAIMS)]
        claims = []
        for i, office in enumerate(claim_offices):
            first = now - timedelta(days=rng.randrange(365), minutes=i)
            claims.append(Claim(office=office, summary=f"Klaim beredar nomor {i}", first_reported_at=first,
                                last_reported_at=first, report_count=4))
        claims = Claim.objects.bulk_create(claims, batch_size=BATCH)
        reports = Report.objects.bulk_create([
            Report(office=c.office, claim=c, source=Report.Source.PORTAL, text="Pesan berantai",
                   tracking_number=f"DSB{i:08d}", created_at=c.first_reported_at + timedelta(hours=i % 48))
            for i, c in enumerate(claims[k % CLAIMS] for k in range(REPORTS))], batch_size=BATCH)
        verdicts = Verdict.values
        clarifications = Clarification.objects.bulk_create([
            Clarification(office=c.office, claim=c, slug=f"klarifikasi-{i}", claim_reviewed=c.summary,
                          verdict=verdicts[i % len(verdicts)], summary="Penjelasan singkat",
                          status=Clarification.Status.PUBLISHED,
                          published_at=min(now, c.first_reported_at + timedelta(hours=6 + i % 90)))
            for i, c in enumerate(claims[:CLARIFICATIONS])], batch_size=BATCH)
        by_claim = {c.claim_id: c for c in clarifications}
        Notice.objects.bulk_create([
            Notice(clarification=by_claim[r.claim_id], report=r, recipient_key=f"whatsapp:+62811{r.pk:08d}",
                   kind=Notice.Kind.ANSWER, revision=1, status=Notice.Status.QUEUED)
            for r in reports if r.claim_id in by_claim], batch_size=BATCH)
        _spread(Notice, now, 360)
        _spread(Claim, now, 360)
        other_s = time.perf_counter() - start
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"members_s": members_s, "deliveries_s": deliveries_s, "other_s": other_s,
            "deliveries": Delivery.objects.count()}


def timed(client, url: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def cold(client, url: str) -> float:
    from django.db import connections

    connections.close_all()
    return timed(client, url, 1)[0] / 1000


def measure(setup: dict, requests: int) -> None:
    from django.test import Client

    from accounts.models import Role
    from accounts.services import create_staff
    from offices.models import Office

    national = create_staff(actor=None, office=Office.objects.get(code="00"), username="pimpinan.ri",
                            role=Role.VIEWER, password="bench-" + secrets.token_urlsafe(12))
    url = "/staf/dasbor/?periode=triwulan"
    rows = []
    for label, user, target in (("Kota Madiun (35.77), own office", setup["operator"], TARGET_OFFICE_MS),
                                ("Jawa Timur (35), 38 kab/kota", setup["province"], None),
                                ("KPU RI, national (553 offices)", national, TARGET_NATIONAL_MS)):
        client = Client()
        client.force_login(user)
        first = cold(client, url)
        timed(client, url, 2)
        rows.append((label, target, first, timed(client, url, requests)))
    print(f"\n  {'dashboard, this quarter':<40}{'cold s':>8}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}")
    for label, _target, first, times in rows:
        print(f"  {label:<40}{first:>8.2f}{statistics.median(times):>8.1f}{percentile(times, 95):>8.1f}"
              f"{max(times):>8.1f}")
    office, province, country = rows
    p95 = percentile(office[3], 95)
    summary("office dashboard p95 (35.77, this quarter)", f"< {TARGET_OFFICE_MS} ms", f"{p95:.1f} ms",
            p95 < TARGET_OFFICE_MS)
    p95 = percentile(country[3], 95)
    summary("national dashboard p95 warm (KPU RI, this quarter)", f"< {TARGET_NATIONAL_MS} ms", f"{p95:.1f} ms",
            p95 < TARGET_NATIONAL_MS, f"province 35: {percentile(province[3], 95):.1f} ms")
    summary("national dashboard cold (first request, new connection)", f"< {TARGET_COLD_S:.0f} s",
            f"{country[2]:.2f} s", country[2] < TARGET_COLD_S)


def main() -> int:
    parser = argparse.ArgumentParser(description="Office and national dashboards over a year of data.")
    parser.add_argument("--quick", action="store_true",
                        help="5,000 conversations, 10,000 members, 50,000 deliveries, 2,000 publications")
    parser.add_argument("--conversations", type=int)
    parser.add_argument("--members", type=int)
    parser.add_argument("--deliveries", type=int)
    parser.add_argument("--publications", type=int)
    parser.add_argument("--requests", type=int)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    args.conversations = args.conversations or (5_000 if args.quick else 50_000)
    args.members = args.members or (10_000 if args.quick else 100_000)
    args.deliveries = args.deliveries or (50_000 if args.quick else 1_000_000)
    args.publications = args.publications or (2_000 if args.quick else 20_000)
    args.requests = args.requests or (10 if args.quick else 30)
    with bench_workdir("dashboard", keep=args.keep) as work:
        database_url, pg_name = bench_database(work)
        try:
            setup_django(database_url, work)
            from django.db import connection

            from inbox.models import Message

            rng = random.Random(2024)
            setup = make_staff(secrets.token_hex(16), "http://127.0.0.1:9")
            history = build_history(args.conversations, setup, rng)
            built = add_year(args, rng)
            version = (f"SQLite {connection.Database.sqlite_version}" if connection.vendor == "sqlite"
                       else f"PostgreSQL {connection.pg_version // 10000}")
            print(f"Data: {args.conversations:,} conversations and {Message.objects.count():,} messages "
                  f"({history['members_seconds'] + history['messages_seconds']:.0f} s), {args.members:,} members "
                  f"({built['members_s']:.0f} s), {built['deliveries']:,} deliveries ({built['deliveries_s']:.0f} s), "
                  f"{args.publications:,} publications and cek fakta ({built['other_s']:.0f} s); {version}, DEBUG off.")
            print(f"\nDashboards, {args.requests} requests each after a cold one and 2 warm-up ({machine_load()}):")
            measure(setup, args.requests)
        finally:
            if pg_name:
                from django.db import connections

                connections.close_all()
                drop_database(pg_name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
