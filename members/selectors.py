from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.query import ModelIterable
from django.utils.translation import gettext_lazy as _

from accounts.permissions import can, can_edit_office
from lib.contacts import AddressError, normalize_address
from members import personal_data
from members.models import Address, Consent, Group, ImportJob, Member, Organization
from offices.selectors import office_and_descendants


def members_visible_to(office) -> QuerySet[Member]:
    return Member.objects.filter(office__in=office_and_descendants(office))


def organizations_visible_to(office) -> QuerySet[Organization]:
    return Organization.objects.filter(office__in=office_and_descendants(office))


def groups_visible_to(office) -> QuerySet[Group]:
    return Group.objects.filter(office__in=office_and_descendants(office))


def import_jobs_visible_to(office) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(office__in=office_and_descendants(office))


@dataclass(frozen=True)
class MemberActions:
    """What the member page offers this user now. The services refuse anything else on their own."""
    edit: bool                      # the member, their addresses and consents
    decide_registration: bool
    export_personal_data: bool
    erase: bool


HOLDER_LABELS = {"deliveries": _("pesan siaran yang dikirim kepadanya"), "messages": _("pesan di kotak masuk"),
                 "hoax_reports": _("laporan hoaks yang dikirimnya")}


def erasure_preview(member: Member) -> list[tuple[str, int]]:
    """What erasing this member removes or anonymises, as (what, how many), for the confirmation page."""
    rows = [(_("alamat kontak"), member.addresses.count()),
            (_("catatan persetujuan (PDP)"), Consent.objects.filter(address__member=member).count()),
            (_("keanggotaan grup"), member.manual_groups.count()),
            (_("label"), member.tags.count())]
    for key, held in personal_data.export(member).items():
        rows.append((str(HOLDER_LABELS.get(key, _("data lain"))), len(held) if isinstance(held, list | dict) else 1))
    return rows


def member_actions(user, member: Member) -> MemberActions:
    erased = member.status == Member.Status.ERASED
    own = member.office_id == user.office_id
    return MemberActions(
        edit=can_edit_office(user, member.office) and not erased,
        decide_registration=member.status == Member.Status.PENDING and own and can(user, "registry.approve"),
        export_personal_data=can(user, "registry.export") and not erased,
        erase=own and can(user, "registry.erase") and not erased,
    )


@dataclass(frozen=True)
class GroupActions:
    edit: bool                      # rename, change its rule, delete it
    manage_members: bool            # a manual group: add and remove members by hand


def group_actions(user, group: Group) -> GroupActions:
    edit = can_edit_office(user, group.office)
    return GroupActions(edit=edit, manage_members=edit and group.kind == Group.Kind.MANUAL)


@dataclass(frozen=True)
class ImportActions:
    """What the import page offers and says, by the job's state."""
    map_columns: bool               # map the file's columns (again) and check it
    remap: bool                     # it was checked with a mapping already: the form changes it
    decide: bool                    # checked: import the valid rows, or cancel
    checked: bool                   # the row counts are exact (checked or imported), not estimated
    imported: bool


def import_actions(user, job: ImportJob) -> ImportActions:
    S = ImportJob.Status
    may = job.office_id == user.office_id and can(user, "registry.import")
    return ImportActions(
        map_columns=may and job.status in (S.UPLOADED, S.VALIDATED, S.FAILED),
        remap=job.status == S.VALIDATED,
        decide=may and job.status == S.VALIDATED,
        checked=job.status in (S.VALIDATED, S.DONE),
        imported=job.status == S.DONE,
    )


def _address_lookup(q: str) -> Q | None:
    """A query that looks like a phone number, e-mail or Telegram handle matches the normalised address."""
    if "@" in q and "." in q.split("@")[-1]:
        kinds = ["mailto"]
    elif sum(ch.isdigit() for ch in q) >= 8 and not any(ch.isalpha() for ch in q):
        kinds = ["whatsapp", "tel"]
    elif q.startswith("@"):
        kinds = ["telegram"]
    else:
        return None
    for kind in kinds:
        try:
            value = normalize_address(kind, q)
        except AddressError:
            continue
        # pk IN (members with this address): one look-up in the address value index. An EXISTS correlated with
        # every member row probed the addresses once per member (100,000 probes at 100,000 members).
        return Q(pk__in=Address.objects.filter(value=value).values("member_id"))
    return None


def search_members(base: QuerySet[Member], *, q: str = "", category: str = "", organization: int | None = None,
                   status: str = "", tag: int | None = None, group: Group | None = None,
                   office: int | None = None) -> QuerySet[Member]:
    members = base
    if status:
        members = members.filter(status=status)
    else:
        members = members.exclude(status=Member.Status.ERASED)
    if office:
        members = members.filter(office_id=office)
    if category:
        members = members.filter(organization__category=category)
    if organization:
        members = members.filter(organization_id=organization)
    if tag:
        members = members.filter(tags__id=tag)
    if group is not None:
        members = members.filter(pk__in=group_member_ids(group))
    q = " ".join((q or "").replace("\x00", "").split())
    if q:
        by_address = _address_lookup(q)
        if by_address is not None:
            members = members.filter(by_address)
        else:
            # The few hundred matching organisations are found once, not joined to every member row.
            organizations = Organization.objects.filter(Q(name__icontains=q) | Q(abbreviation__iexact=q))
            members = members.filter(
                Q(full_name__icontains=q) | Q(position__icontains=q)
                | Q(organization__in=organizations.values("pk"))
            )
    return members


class MemberPageQuerySet(QuerySet):
    """A member queryset whose slices (the pages of Paginator and of the API) are read in two steps.

    First the page's ids alone, in list order; then those rows with their joins and prefetches. Sorting
    the whole filtered list with every selected column (member, office, organisation) spilled to disk at
    100,000 members: page 1,000 took 0.6 s on SQLite. A slice of this queryset is a list, as Paginator and
    django-ninja's pagination accept; everything else behaves as a normal queryset.
    """

    def __getitem__(self, k):
        if (isinstance(k, slice) and k.step is None and k.stop is not None and self._result_cache is None
                and self._iterable_class is ModelIterable and not self.query.is_sliced
                and self.query.combinator is None):
            ids = list(self.values_list("pk", flat=True)[k])
            rows = {member.pk: member for member in self.filter(pk__in=ids)} if ids else {}
            return [rows[pk] for pk in ids if pk in rows]
        return super().__getitem__(k)


def member_list_page_queryset(members: QuerySet[Member]) -> QuerySet[Member]:
    members = members.select_related("organization", "office").prefetch_related(
        Prefetch("addresses", queryset=Address.objects.order_by("kind", "-is_primary", "id"))
    ).order_by("full_name", "id")
    members.__class__ = MemberPageQuerySet  # the same queryset (a fresh clone); only slicing differs
    return members


def group_member_ids(group: Group) -> QuerySet:
    if group.kind == Group.Kind.MANUAL:
        return group.members.values("pk")
    offices = office_and_descendants(group.office) if group.rule_include_descendants else [group.office]
    members = Member.objects.filter(office__in=offices, status=Member.Status.ACTIVE)
    if group.rule_categories:
        members = members.filter(organization__category__in=group.rule_categories)
    tag_ids = [t.pk for t in group.rule_tags.all()]
    if tag_ids:
        members = members.filter(tags__in=tag_ids)
    return members.values("pk").distinct()


def group_members(group: Group) -> QuerySet[Member]:
    return Member.objects.filter(pk__in=group_member_ids(group)).exclude(status=Member.Status.ERASED)


def messageable_addresses(member: Member, purpose: str) -> QuerySet[Address]:
    """Addresses the office may message for `purpose`: not opted out, with an active consent."""
    return member.addresses.filter(opted_out=False).filter(
        Exists(Consent.objects.filter(address=OuterRef("pk"), purpose=purpose, withdrawn_at__isnull=True))
    )


def member_personal_data(member: Member) -> dict:
    """Everything the office holds about a person, for a data-subject access request (UU 27/2022 Pasal 7)."""
    return {
        "format": "bakohumas.member-export.v1",
        "office": {"code": member.office.code, "name": member.office.name},
        "member": {
            "id": member.pk,
            "full_name": member.full_name,
            "position": member.position,
            "status": member.status,
            "source": member.source,
            "organization": member.organization.name if member.organization_id else None,
            "tags": [t.name for t in member.tags.all()],
            "notes": member.notes,
            "created_at": member.created_at.isoformat(),
            "updated_at": member.updated_at.isoformat(),
        },
        "addresses": [
            {
                "urn": a.urn,
                "opted_out": a.opted_out,
                "opted_out_at": a.opted_out_at.isoformat() if a.opted_out_at else None,
                "consents": [_consent(c) for c in a.consents.select_related("recorded_by")],
            }
            for a in member.addresses.all()
        ],
        "groups": [g.name for g in member.manual_groups.all()],
        "preferred_channel": member.preferred_channel,
        **personal_data.export(member),
    }


def _consent(consent) -> dict:
    """Every field of the consent record, with the labels a person reads (the law gives them all of it)."""
    recorded_by = consent.recorded_by
    return {
        "purpose": consent.purpose, "purpose_label": str(consent.get_purpose_display()),
        "method": consent.method, "method_label": str(consent.get_method_display()),
        "evidence": consent.evidence,
        "given_at": consent.given_at.isoformat(),
        "recorded_by": ({"username": recorded_by.username, "name": recorded_by.get_full_name() or recorded_by.username,
                         "office": recorded_by.office.name if recorded_by.office_id else None}
                        if recorded_by else None),
        "withdrawn_at": consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
        "withdrawal_note": consent.withdrawal_note,
    }
