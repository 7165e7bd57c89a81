"""The dashboard's figures, computed from the stored rows with a few GROUP BY queries per section.

`figures()` returns plain keys and numbers (no labels, no model objects) so that a report can later freeze the result
as JSON; `present()` adds the labels, the previous period's values and the change for the page.
A scope is an office alone or with every office below it; people are counted as distinct member ids across the
whole scope, never as a sum of per-office counts.
"""

from datetime import datetime

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from broadcasts.models import Broadcast, Delivery
from channels.providers import choices as channel_kinds
from content.models import Publication
from dashboards.periods import Period
from dashboards.worktime import percentile, working_seconds
from factcheck.models import Claim, Clarification, Notice, Report, Verdict
from inbox.models import Conversation, Escalation, Message
from inbox.workdays import non_working_days
from members.models import Address, Category, Consent, Member, Purpose
from offices.models import Office
from offices.selectors import office_and_descendants

NO_CATEGORY = "perorangan"
FUNNEL = ("queued", "sent", "delivered", "read", "failed")


class Scope:
    """Which offices' rows count: `office` alone, or with its descendants (None = every office, for KPU RI)."""

    def __init__(self, office: Office, *, descendants: bool = True):
        self.office = office
        if descendants and office.level == Office.Level.NATIONAL:
            self.ids = None
        elif descendants:
            self.ids = list(office_and_descendants(office).values_list("pk", flat=True))
        else:
            self.ids = [office.pk]

    def q(self, field: str = "office") -> Q:
        return Q() if self.ids is None else Q(**{f"{field}__in": self.ids})


def _in(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def _grouped(rows, key: str, value: str = "n") -> dict:
    return {row[key]: row[value] for row in rows}


# Forum -----------------------------------------------------------------------------------------------------------

def _active_members(scope: Scope, at: datetime):
    """Members active at `at`: created before it and active now (a status change has no date of its own)."""
    return Member.objects.filter(scope.q(), status=Member.Status.ACTIVE, created_at__lt=at)


def forum(scope: Scope, period: Period) -> dict:
    active = _active_members(scope, period.end)
    by_category = {(k or NO_CATEGORY): n for k, n in _grouped(
        active.values("organization__category").annotate(n=Count("id")).order_by(), "organization__category").items()}
    joined = Member.objects.filter(scope.q(), _in("created_at", period)).exclude(status=Member.Status.PENDING).count()
    opted_out = Address.objects.filter(scope.q(), _in("opted_out_at", period)).values("member_id")
    withdrawn = Consent.objects.filter(scope.q("address__office"), _in("withdrawn_at", period)).values(
        "address__member_id")
    left = Member.objects.filter(Q(pk__in=opted_out) | Q(pk__in=withdrawn)).count()
    valid = Consent.objects.filter(
        Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=period.end),
        Q(address__opted_out=False) | Q(address__opted_out_at__gte=period.end),
        given_at__lt=period.end, address__member__in=active)
    consented = _grouped(valid.values("purpose").annotate(n=Count("address__member_id", distinct=True)).order_by(),
                         "purpose")
    return {
        "active_members": sum(by_category.values()),
        "members_by_category": by_category,
        "joined": joined,
        "left": left,
        "consent_by_purpose": {purpose: consented.get(purpose, 0) for purpose in Purpose.values},
    }


# Dissemination ---------------------------------------------------------------------------------------------------

def _broadcasts_started(scope: Scope, period: Period) -> dict[int, int]:
    """Broadcast id → office id of the scope's broadcasts started in the period (a few per office and month), so
    that the deliveries are read through their broadcast index rather than joined and scanned."""
    return dict(Broadcast.objects.filter(scope.q(), _in("started_at", period)).order_by()
                .values_list("id", "office_id"))


def _reached(deliveries):
    return deliveries.filter(sent_at__isnull=False, member__isnull=False)


def dissemination(scope: Scope, period: Period) -> dict:
    publications = _grouped(Publication.objects.filter(scope.q(), _in("first_published_at", period))
                            .values("kind").annotate(n=Count("id")).order_by(), "kind")
    broadcasts = _broadcasts_started(scope, period)
    deliveries = Delivery.objects.filter(broadcast_id__in=list(broadcasts))
    funnel = {}
    for row in deliveries.values("channel__kind").annotate(
            queued=Count("id", filter=~Q(status=Delivery.Status.SKIPPED)),
            sent=Count("id", filter=Q(sent_at__isnull=False)),
            delivered=Count("id", filter=Q(delivered_at__isnull=False)),
            read=Count("id", filter=Q(read_at__isnull=False)),
            failed=Count("id", filter=Q(status=Delivery.Status.FAILED))).order_by():
        funnel[row["channel__kind"]] = {step: row[step] for step in FUNNEL}
    reach = _reached(deliveries).aggregate(n=Count("member_id", distinct=True))["n"] if broadcasts else 0
    return {
        "publications_by_kind": publications,
        "publications": sum(publications.values()),
        "broadcasts": len(broadcasts),
        "funnel_by_channel": funnel,
        "reach": reach,
    }


# Two-way communication -------------------------------------------------------------------------------------------

def _first_responses(scope: Scope, period: Period) -> tuple[list[float], int]:
    """Working seconds from each conversation's first inbound message to the first staff reply after it (automatic
    replies have no author and do not count), for conversations opened in the period; and how many have no reply."""
    first_in = Message.objects.filter(conversation=OuterRef("pk"), direction=Message.Direction.INBOUND) \
        .order_by("created_at").values("created_at")[:1]
    first_out = Message.objects.filter(conversation=OuterRef("pk"), direction=Message.Direction.OUTBOUND,
                                       author__isnull=False, created_at__gte=OuterRef("first_in")) \
        .order_by("created_at").values("created_at")[:1]
    rows = list(Conversation.objects.filter(scope.q(), _in("created_at", period))
                .annotate(first_in=Subquery(first_in)).filter(first_in__isnull=False)
                .annotate(first_out=Subquery(first_out)).values_list("office_id", "first_in", "first_out"))
    answered = [r for r in rows if r[2] is not None]
    if not answered:
        return [], len(rows)
    hours = {o.pk: o for o in Office.objects.filter(pk__in={r[0] for r in answered}).only(
        "timezone", "office_hours_start", "office_hours_end")}
    first_day = min(r[1] for r in answered).date()
    last_day = max(r[2] for r in answered).date()
    holidays = non_working_days(first_day, last_day)
    seconds = [working_seconds(start, end, hours[office_id].timezone, hours[office_id].office_hours_start,
                               hours[office_id].office_hours_end, holidays)
               for office_id, start, end in answered]
    return seconds, len(rows) - len(answered)


def _sla(rows, now: datetime) -> dict:
    return rows.aggregate(
        total=Count("id"),
        met=Count("id", filter=Q(closed_at__isnull=False, closed_at__lte=F("due_at"))),
        missed=Count("id", filter=Q(closed_at__gt=F("due_at")) | Q(closed_at__isnull=True, due_at__lt=now)),
    )


def two_way(scope: Scope, period: Period) -> dict:
    now = timezone.now()
    seconds, unanswered = _first_responses(scope, period)
    median, p90 = percentile(seconds, 0.5), percentile(seconds, 0.9)
    escalations = Escalation.objects.filter(_in("created_at", period))
    return {
        "conversations_opened": Conversation.objects.filter(scope.q(), _in("created_at", period)).count(),
        "conversations_closed": Conversation.objects.filter(scope.q(), _in("closed_at", period),
                                                            status=Conversation.Status.CLOSED).count(),
        "first_response_answered": len(seconds),
        "first_response_unanswered": unanswered,
        "first_response_median_minutes": None if median is None else round(median / 60),
        "first_response_p90_minutes": None if p90 is None else round(p90 / 60),
        "escalations_up": _sla(escalations.filter(scope.q("from_office")), now),
        "escalations_down": _sla(escalations.filter(scope.q("to_office")), now),
    }


# Cek fakta -------------------------------------------------------------------------------------------------------

def factcheck(scope: Scope, period: Period) -> dict:
    published = Clarification.objects.filter(scope.q(), _in("published_at", period), external_url="")
    by_verdict = _grouped(published.values("verdict").annotate(n=Count("id")).order_by(), "verdict")
    waits = [(published_at - first).total_seconds() for published_at, first in
             published.filter(claim__isnull=False).values_list("published_at", "claim__first_reported_at")]
    median = percentile(waits, 0.5)
    return {
        "reports": Report.objects.filter(scope.q(), _in("created_at", period)).count(),
        "claims": Claim.objects.filter(scope.q(), _in("created_at", period)).count(),
        "clarifications": sum(by_verdict.values()),
        "clarifications_by_verdict": by_verdict,
        "report_to_clarification_median_hours": None if median is None else round(median / 3600, 1),
        "reporters_told": Notice.objects.filter(scope.q("report__office"), _in("created_at", period),
                                                kind=Notice.Kind.ANSWER, status=Notice.Status.QUEUED)
        .aggregate(n=Count("recipient_key", distinct=True))["n"],
    }


def figures(office: Office, period: Period, *, descendants: bool = True) -> dict:
    scope = Scope(office, descendants=descendants)
    return {"forum": forum(scope, period), "dissemination": dissemination(scope, period),
            "two_way": two_way(scope, period), "factcheck": factcheck(scope, period)}


# The table of offices below a province or KPU RI ------------------------------------------------------------------

HEADLINES = ("active_members", "publications", "reach", "conversations_opened", "clarifications")


def office_rows(root: Office, period: Period) -> list[dict]:
    """Headline figures per office directly below `root`, each with its own descendants. Counts of rows that
    belong to one office are grouped by office and added up per row; reach is counted per row, each person once."""
    children = list(root.children.order_by("code"))
    if not children:
        return []
    scope = Scope(root)
    row_of = {pk: (parent_id if parent_id != root.pk else pk) for pk, parent_id in
              Office.objects.filter(scope.q("id")).exclude(pk=root.pk).values_list("pk", "parent_id")}

    def per_row(queryset) -> dict:
        totals: dict[int, int] = {}
        for office_id, n in queryset.filter(scope.q()).values_list("office_id").annotate(n=Count("id")).order_by():
            if office_id in row_of:
                totals[row_of[office_id]] = totals.get(row_of[office_id], 0) + n
        return totals

    broadcasts = _broadcasts_started(scope, period)
    by_row: dict[int, list[int]] = {}
    for broadcast_id, office_id in broadcasts.items():
        if office_id in row_of:
            by_row.setdefault(row_of[office_id], []).append(broadcast_id)
    reach = {}
    if by_row:
        row = Case(*[When(broadcast_id__in=ids, then=Value(key)) for key, ids in by_row.items()],
                   output_field=IntegerField())
        reach = _grouped(_reached(Delivery.objects.filter(broadcast_id__in=[i for ids in by_row.values() for i in ids]))
                         .annotate(row=row).values("row").annotate(n=Count("member_id", distinct=True)).order_by(),
                         "row")
    columns = {
        "active_members": per_row(_active_members(scope, period.end)),
        "publications": per_row(Publication.objects.filter(_in("first_published_at", period))),
        "reach": reach,
        "conversations_opened": per_row(Conversation.objects.filter(_in("created_at", period))),
        "clarifications": per_row(Clarification.objects.filter(_in("published_at", period), external_url="")),
    }
    return [{"office": child, **{key: columns[key].get(child.pk, 0) for key in HEADLINES}} for child in children]


def sorted_rows(rows: list[dict], sort: str) -> list[dict]:
    """The table of offices ordered by `sort`: "office" (region code) or a headline key, "-" first for descending;
    anything else leaves the code order."""
    key = sort.removeprefix("-")
    if key == "office":
        return sorted(rows, key=lambda r: r["office"].code, reverse=sort.startswith("-"))
    if key in HEADLINES:
        return sorted(rows, key=lambda r: (r[key], r["office"].code), reverse=sort.startswith("-"))
    return rows


def can_view_dashboard(user, office: Office) -> bool:
    """Whether `user` may open `office`'s dashboard: their own office or one below it."""
    return user.office_id is not None and (
        office.pk == user.office_id or any(a.pk == user.office_id for a in office.ancestors()))


# Presentation ----------------------------------------------------------------------------------------------------

def _change(value, previous):
    if value is None or previous is None:
        return None
    return value - previous


def _row(label, value, previous) -> dict:
    return {"label": str(label), "value": value, "previous": previous, "change": _change(value, previous)}


def _keyed(labels: dict, current: dict, previous: dict, *, keep_all: bool = False) -> list[dict]:
    keys = [k for k in labels if keep_all or current.get(k) or previous.get(k)]
    return [_row(labels[k], current.get(k, 0), previous.get(k, 0)) for k in keys]


def present(current: dict, previous: dict) -> dict:
    """Tables of labelled rows (value, previous, change) and the data the charts draw."""
    cf, pf = current["forum"], previous["forum"]
    cd, pd = current["dissemination"], previous["dissemination"]
    ct, pt = current["two_way"], previous["two_way"]
    cc, pc = current["factcheck"], previous["factcheck"]
    categories = {**dict(Category.choices), NO_CATEGORY: _("Perorangan/publik")}
    kinds = dict(channel_kinds())
    coverage = []
    for purpose, label in Purpose.choices:
        now_share = _share(cf["consent_by_purpose"][purpose], cf["active_members"])
        before_share = _share(pf["consent_by_purpose"][purpose], pf["active_members"])
        coverage.append({**_row(label, now_share, before_share), "count": cf["consent_by_purpose"][purpose]})
    step_labels = [_("Antre"), _("Terkirim"), _("Sampai"), _("Dibaca"), _("Gagal")]
    funnel_rows = []
    for kind in sorted(set(cd["funnel_by_channel"]) | set(pd["funnel_by_channel"])):
        now_steps = cd["funnel_by_channel"].get(kind, dict.fromkeys(FUNNEL, 0))
        before_steps = pd["funnel_by_channel"].get(kind, dict.fromkeys(FUNNEL, 0))
        funnel_rows.append({"label": str(kinds.get(kind, kind)), "steps": [
            _row(label, now_steps[step], before_steps[step]) for step, label in zip(FUNNEL, step_labels, strict=True)]})
    escalations = []
    for key, label in (("escalations_up", _("Dinaikkan ke atas")), ("escalations_down", _("Diterima dari bawah"))):
        escalations.append({"label": label, "rows": [
            _row(_("Jumlah"), ct[key]["total"], pt[key]["total"]),
            _row(_("Sesuai tenggat"), ct[key]["met"], pt[key]["met"]),
            _row(_("Lewat tenggat"), ct[key]["missed"], pt[key]["missed"])]})
    members_by_category = _keyed(categories, cf["members_by_category"], pf["members_by_category"])
    verdicts = _keyed(dict(Verdict.choices), cc["clarifications_by_verdict"], pc["clarifications_by_verdict"])
    return {
        "forum": [
            _row(_("Anggota aktif"), cf["active_members"], pf["active_members"]),
            _row(_("Bergabung dalam periode"), cf["joined"], pf["joined"]),
            _row(_("Berhenti (berhenti berlangganan atau menarik persetujuan)"), cf["left"], pf["left"]),
        ],
        "members_by_category": members_by_category,
        "consent_coverage": coverage,
        "dissemination": [
            _row(_("Publikasi terbit"), cd["publications"], pd["publications"]),
            _row(_("Siaran dikirim"), cd["broadcasts"], pd["broadcasts"]),
            _row(_("Jangkauan (orang berbeda)"), cd["reach"], pd["reach"]),
        ],
        "publications_by_kind": _keyed(dict(Publication.Kind.choices), cd["publications_by_kind"],
                                       pd["publications_by_kind"], keep_all=True),
        "funnel": funnel_rows,
        "funnel_steps": step_labels,
        "two_way": [
            _row(_("Percakapan dibuka"), ct["conversations_opened"], pt["conversations_opened"]),
            _row(_("Percakapan diselesaikan"), ct["conversations_closed"], pt["conversations_closed"]),
            _row(_("Dijawab staf"), ct["first_response_answered"], pt["first_response_answered"]),
            _row(_("Belum dijawab staf"), ct["first_response_unanswered"], pt["first_response_unanswered"]),
            _row(_("Waktu jawaban pertama, median (menit jam kerja)"), ct["first_response_median_minutes"],
                 pt["first_response_median_minutes"]),
            _row(_("Waktu jawaban pertama, persentil ke-90 (menit jam kerja)"), ct["first_response_p90_minutes"],
                 pt["first_response_p90_minutes"]),
        ],
        "escalations": escalations,
        "factcheck": [
            _row(_("Laporan masuk"), cc["reports"], pc["reports"]),
            _row(_("Klaim baru"), cc["claims"], pc["claims"]),
            _row(_("Klarifikasi terbit"), cc["clarifications"], pc["clarifications"]),
            _row(_("Median laporan pertama sampai klarifikasi terbit (jam)"),
                 cc["report_to_clarification_median_hours"], pc["report_to_clarification_median_hours"]),
            _row(_("Pelapor diberi tahu"), cc["reporters_told"], pc["reporters_told"]),
        ],
        "verdicts": verdicts,
        "charts": {
            "categories": {"labels": [r["label"] for r in members_by_category],
                           "values": [r["value"] for r in members_by_category],
                           "title": _("Anggota aktif per kategori")},
            "funnel": {"labels": [str(s) for s in step_labels],
                       "series": [{"label": f["label"], "values": [s["value"] for s in f["steps"]]}
                                  for f in funnel_rows],
                       "title": _("Corong pengiriman siaran per kanal")},
            "responses": {"labels": [_("Median"), _("Persentil ke-90")],
                          "values": [ct["first_response_median_minutes"] or 0, ct["first_response_p90_minutes"] or 0],
                          "title": _("Waktu jawaban pertama (menit jam kerja)")},
            "verdicts": {"labels": [r["label"] for r in verdicts], "values": [r["value"] for r in verdicts],
                         "title": _("Klarifikasi per putusan")},
        },
    }


def _share(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0
