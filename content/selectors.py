"""Every read of publications. Staff pages use the office-scoped ones; the public portal uses the public ones.

Public visibility is decided here and nowhere else: a publication is public while it is PUBLISHED and live,
that is publish_at <= now < unpublish_at (or no unpublish_at). Scheduled publishing therefore needs no job;
`next_schedule_change()` tells a page cache when the answer next changes.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import can
from content.models import Attachment, Publication, PublicationChange
from content.rendering import plain_text, render_markdown
from offices.models import Office
from offices.selectors import office_and_descendants

# Staff ---------------------------------------------------------------------------------------------------------


def publications_visible_to(office: Office) -> QuerySet[Publication]:
    """Staff scope: the office's own publications and those of every office below it."""
    return Publication.objects.filter(office__in=office_and_descendants(office))


def search_publications(publications: QuerySet[Publication], *, q: str = "", status: str = "", kind: str = "",
                        office: int | None = None) -> QuerySet[Publication]:
    q = " ".join((q or "").replace("\x00", "").split())
    if q:
        publications = publications.filter(Q(title__icontains=q) | Q(slug__icontains=q))
    if status in Publication.Status.values:
        publications = publications.filter(status=status)
    if kind in Publication.Kind.values:
        publications = publications.filter(kind=kind)
    if office is not None:
        publications = publications.filter(office_id=office)
    return publications


def stages_available_to(office: Office):
    """Stages of the elections an office takes part in: those run by the office itself or by an office above it."""
    from elections.models import Stage

    return (Stage.objects.filter(election__office_id__in=_self_and_ancestor_ids(office))
            .select_related("election").order_by("election__name", "position", "starts_on", "id"))


EDIT_ACTIONS = ("publication.created", "publication.updated", "publication.corrected",
                "publication.revision_restored", "publication.change_proposed", "publication.attachment_added",
                "publication.attachment_removed",
                "publication.cover_set", "publication.cover_removed")


def last_editor_id(publication: Publication) -> int | None:
    """Who changed the text, an attachment or the cover last; the four-eyes rule compares approvers to this."""
    from audit.models import AuditEntry

    entry = (AuditEntry.objects.filter(target_type=publication._meta.label_lower, target_id=str(publication.pk),
                                       action__in=EDIT_ACTIONS).order_by("-at", "-id").only("actor_id").first())
    return entry.actor_id if entry is not None else publication.created_by_id


def last_editor_ids(publications: list[Publication]) -> dict[int, int | None]:
    """last_editor_id() of many publications in one query."""
    from audit.models import AuditEntry

    editors = {p.pk: p.created_by_id for p in publications}
    rows = (AuditEntry.objects.filter(target_type=Publication._meta.label_lower,
                                      target_id__in=[str(pk) for pk in editors], action__in=EDIT_ACTIONS)
            .order_by("at", "id").values_list("target_id", "actor_id"))
    for target_id, actor_id in rows:
        editors[int(target_id)] = actor_id
    return editors


def change_diff(publication: Publication, change: PublicationChange) -> dict:
    """What a pending change alters: a line diff of title, summary and body, and old -> new of the settings."""
    from content.diffing import change_settings, revision_diff

    return {"text": [d for d in revision_diff(publication, change) if d.changed],
            "settings": change_settings(publication, change)}


def pending_change(publication: Publication) -> PublicationChange | None:
    """The change of a published item waiting for a second person, if any."""
    return (publication.changes.filter(status=PublicationChange.Status.PENDING)
            .select_related("proposed_by", "stage__election").first())


def own_change_reason(user, change: PublicationChange) -> str:
    """Why this user may not approve the change ("" when they may, as far as authorship goes)."""
    if user is not None and user.pk in change.contributors:
        return _("Anda ikut mengusulkan perubahan ini, jadi persetujuannya harus diberikan oleh editor lain "
                 "(prinsip empat mata).")
    return ""


def can_edit(user, publication: Publication) -> bool:
    """Text, schedule, attachments and cover may change until the item is archived, in the author's office only
    (what services refuse otherwise)."""
    return (user is not None and publication.status != Publication.Status.ARCHIVED
            and can(user, "content.write") and user.office_id == publication.office_id)


def public_state(publication: Publication, now: datetime | None = None) -> str:
    """Where the item stands for the public: live, scheduled or ended when published, else its status."""
    now = now or timezone.now()
    if publication.status != Publication.Status.PUBLISHED:
        return publication.status
    if publication.publish_at and publication.publish_at > now:
        return "scheduled"
    if publication.unpublish_at and publication.unpublish_at <= now:
        return "ended"
    return "live"


@dataclass(frozen=True)
class PublicationActions:
    """What the publication page offers this user now. The services refuse anything else on their own."""
    edit: bool
    propose_cover: bool         # on a published item a new cover waits for a second person
    take_down: bool             # removing a file from a published item is immediate, so it needs content.publish
    submit: bool
    return_to_draft: bool
    publish: bool
    own_last_edit: bool         # under review, but this user changed it last: someone else approves
    archive: bool
    unarchive: bool
    delete: bool
    broadcast: bool
    approve_change: bool
    reject_change: bool
    own_change_reason: str


def publication_actions(user, publication: Publication, change: PublicationChange | None) -> PublicationActions:
    """`change` is the item's pending change (pending_change())."""
    Status = Publication.Status
    status = publication.status
    own = user.office_id == publication.office_id
    may_write, may_publish = own and can(user, "content.write"), own and can(user, "content.publish")
    edit = can_edit(user, publication)
    in_review = may_publish and status == Status.REVIEW
    own_last_edit = in_review and last_editor_id(publication) == user.pk
    may_decide = change is not None and may_publish and status == Status.PUBLISHED
    reason = own_change_reason(user, change) if may_decide else ""
    return PublicationActions(
        edit=edit,
        propose_cover=edit and status == Status.PUBLISHED,
        take_down=edit and (status != Status.PUBLISHED or may_publish),
        submit=may_write and status == Status.DRAFT,
        return_to_draft=in_review,
        publish=in_review and not own_last_edit,
        own_last_edit=own_last_edit,
        archive=may_publish and status == Status.PUBLISHED,
        unarchive=may_publish and status == Status.ARCHIVED,
        delete=may_write and status == Status.DRAFT and publication.first_published_at is None,
        broadcast=own and can(user, "broadcast.write") and status == Status.PUBLISHED,
        approve_change=may_decide and not reason,
        reject_change=may_decide,
        own_change_reason=reason,
    )


# Public --------------------------------------------------------------------------------------------------------

def _self_and_ancestor_ids(office: Office) -> list[int]:
    return [office.pk, *(a.pk for a in office.ancestors())]


def live(publications: QuerySet[Publication], now: datetime | None = None) -> QuerySet[Publication]:
    """Only what the public may see at `now`: published, publish_at reached, unpublish_at not yet reached."""
    now = now or timezone.now()
    return publications.filter(status=Publication.Status.PUBLISHED, publish_at__lte=now).filter(
        Q(unpublish_at__isnull=True) | Q(unpublish_at__gt=now))


def live_publications(now: datetime | None = None) -> QuerySet[Publication]:
    """Every live item of every office (sitemaps, national feeds)."""
    return live(Publication.objects.all(), now)


def public_publications(office: Office, *, kind: str | None = None, now: datetime | None = None
                        ) -> QuerySet[Publication]:
    """What appears on an office's portal as its own: live items by the office itself or by any office above it
    (what KPU RI publishes appears on every office's portal). Newest first."""
    items = live(Publication.objects.filter(office_id__in=_self_and_ancestor_ids(office)), now)
    if kind:
        items = items.filter(kind=kind)
    return items.select_related("office", "stage__election").order_by("-publish_at", "-id")


def portal_office_ids(office: Office) -> list[int] | None:
    """The offices whose items an office's portal lists (see portal_listing); None for KPU RI, which lists all."""
    if office.parent_id is None:
        return None
    return [*_self_and_ancestor_ids(office)[1:], *office_and_descendants(office).values_list("pk", flat=True)]


def portal_listing(office: Office, *, kind: str | None = None, now: datetime | None = None
                   ) -> QuerySet[Publication]:
    """Listings of an office's portal: its own live items, those of the offices above it and those of every
    office below it (what a KPU Kota publishes also shows on the province's and KPU RI's listings)."""
    office_ids = Q(office_id__in=_self_and_ancestor_ids(office)) | Q(office__in=office_and_descendants(office))
    items = live(Publication.objects.filter(office_ids), now)
    if kind:
        items = items.filter(kind=kind)
    return items.select_related("office", "stage__election").order_by("-publish_at", "-id")


def public_publication(office: Office, slug: str, *, now: datetime | None = None) -> Publication | None:
    """The live item with this slug among those listed on the office's portal (see portal_listing): the office's
    own first, then the nearest office above, then an office below (the most recently published one if several
    share the slug). An item of another office should be redirected to its own office's portal, its canonical
    address; a sibling's item is never found."""
    order = _self_and_ancestor_ids(office)
    candidates = list(live(Publication.objects.filter(
        Q(office_id__in=order) | Q(office__in=office_and_descendants(office)), slug=slug), now)
        .select_related("office", "stage__election").order_by("-publish_at", "-id"))
    for office_id in order:
        for candidate in candidates:
            if candidate.office_id == office_id:
                return candidate
    return candidates[0] if candidates else None


def next_schedule_change(now: datetime | None = None, *, offices: Iterable[Office] | None = None
                         ) -> datetime | None:
    """The earliest moment after `now` at which a published item appears or disappears (its publish_at or
    unpublish_at), or None. A page cache should not live past it. `offices` narrows the look to some offices."""
    now = now or timezone.now()
    published = Publication.objects.filter(status=Publication.Status.PUBLISHED)
    if offices is not None:
        published = published.filter(office__in=list(offices))
    soonest = published.aggregate(
        publish=Min("publish_at", filter=Q(publish_at__gt=now)),
        unpublish=Min("unpublish_at", filter=Q(unpublish_at__gt=now)),
    )
    moments = [m for m in soonest.values() if m is not None]
    return min(moments) if moments else None


def searchable_text(publication: Publication) -> str:
    """Title, summary and the plain words of the body, for the search index (the lead's indexing reads this)."""
    body = plain_text(publication.body_html or render_markdown(publication.body))
    return "\n".join(part for part in (publication.title, publication.summary, body) if part)


# The article partial (templates/content/_article.html) ----------------------------------------------------------

@dataclass(frozen=True)
class ArticleAttachment:
    title: str
    url: str
    original_name: str
    content_type: str
    size: int
    extension: str


def approved_attachments(publication: Publication) -> QuerySet[Attachment]:
    """The attachments that are part of the approved item (not those waiting in a pending change)."""
    return publication.attachments.filter(change__isnull=True)


def article_context(publication: Publication, *, cover_url: str = "",
                    attachment_url: Callable[[Attachment], str]) -> dict:
    """Context for content/_article.html. The caller decides the URLs (staff preview or public portal)."""
    attachments = [
        ArticleAttachment(a.title, attachment_url(a), a.original_name, a.content_type, a.size,
                          a.original_name.rsplit(".", 1)[-1].upper() if "." in a.original_name else "")
        for a in approved_attachments(publication)
    ]
    # A live item's text changes only through an approved change; comparing revision times with the publication
    # time instead showed "Diperbarui" on an item approved within the minute it was last saved.
    corrected_at = publication.changes.filter(status=PublicationChange.Status.APPROVED).aggregate(
        at=Max("decided_at"))["at"]
    return {
        "publication": publication,
        "cover_url": cover_url if publication.cover_image else "",
        "attachments": attachments,
        "corrected_at": corrected_at,
    }
