"""Who may open which publication page: roles, office scoping, anonymous visitors.

Every view in content/urls.py is listed once in VIEWS with the roles that may use it; each runs for every role,
for a user without an office, for an anonymous visitor, for the admin of a sibling office (KPU Kabupaten Madiun)
and for the admin of the province above both (reads pass, writes are 403).
"""

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.urls import reverse

from accounts.models import Role, User
from conftest import refreshed, staff_maker
from content import services
from content.models import Publication
from content.tests.samples import image_bytes, pdf_bytes, upload
from offices.models import Office

ADMIN, EDITOR, VERIFIER, OPERATOR, VIEWER = Role.ADMIN, Role.EDITOR, Role.VERIFIER, Role.OPERATOR, Role.VIEWER
ROLES = [ADMIN, EDITOR, VERIFIER, OPERATOR, VIEWER]

# Written out here rather than read from accounts.permissions, so a change there has to be made on purpose.
EVERYONE = frozenset(ROLES)
WRITERS = frozenset({ADMIN, EDITOR, OPERATOR})
PUBLISHERS = frozenset({ADMIN, EDITOR})


def _no_data(registry):
    return {}


def _no_kwargs(registry):
    return {}


@dataclass(frozen=True)
class View:
    name: str
    allowed: frozenset
    ok: int = 200
    method: str = "get"
    target: str | None = None  # a publication of the office's registry (see _registry)
    kwargs: Callable = _no_kwargs
    data: Callable = _no_data
    province: int | None = None  # what the KPU Provinsi Jawa Timur admin gets on a kota/kabupaten item

    def __str__(self):
        return self.name.split(":")[-1]


def _attachment(registry):
    return {"attachment_pk": registry.draft.attachments.get().pk}


VIEWS = [
    View("content:publication_list", EVERYONE),
    View("content:publication_create", WRITERS),
    View("content:publication_detail", EVERYONE, target="draft", province=200),
    View("content:publication_preview", EVERYONE, target="draft", province=200),
    View("content:revision_list", EVERYONE, target="draft", province=200),
    View("content:attachment_download", EVERYONE, target="draft", kwargs=_attachment, province=200),
    View("content:cover_image", EVERYONE, target="draft", province=200),
    View("content:publication_edit", WRITERS, target="draft", province=403),
    View("content:publication_submit", WRITERS, 302, "post", "draft", province=403),
    View("content:publication_delete", WRITERS, 302, "post", "draft", province=403),
    View("content:revision_restore", WRITERS, 302, "post", "draft", kwargs=lambda r: {"number": 1}, province=403),
    View("content:attachment_add", WRITERS, 302, "post", "draft", province=403,
         data=lambda r: {"file": upload("sk.pdf", pdf_bytes()), "title": "SK"}),
    View("content:attachment_remove", WRITERS, 302, "post", "draft", kwargs=_attachment, province=403),
    View("content:cover_set", WRITERS, 302, "post", "draft", province=403,
         data=lambda r: {"cover_image": upload("foto.png", image_bytes()), "cover_alt": "Rapat pleno"}),
    View("content:cover_remove", WRITERS, 302, "post", "draft", province=403),
    View("content:publication_return", PUBLISHERS, 302, "post", "review", province=403,
         data=lambda r: {"note": "Lengkapi data TPS."}),
    View("content:publication_publish", PUBLISHERS, 302, "post", "review", province=403),
    View("content:publication_archive", PUBLISHERS, 302, "post", "published", province=403),
    View("content:change_approve", PUBLISHERS, 302, "post", "changed", province=403),
    View("content:change_reject", PUBLISHERS, 302, "post", "changed", province=403,
         data=lambda r: {"note": "Sumber belum jelas."}),
    View("content:publication_unarchive", PUBLISHERS, 302, "post", "archived", province=403),
]

OBJECT_VIEWS = [v for v in VIEWS if v.province is not None]


def _registry(office, make_staff) -> SimpleNamespace:
    """One office's publications in every state, built through the services."""
    writer, approver = make_staff(office, OPERATOR), make_staff(office, EDITOR)

    def create(title, **kwargs):
        return services.create_publication(actor=writer, office=office, kind=Publication.Kind.NEWS, title=title,
                                           body=f"Isi {title}.", **kwargs)

    draft = create(f"Draf {office.name}")
    draft = services.update_publication(actor=writer, publication=draft, expected_version=draft.version,
                                        kind=draft.kind, title=draft.title, summary="Ringkasan", body="Isi baru.")
    services.add_attachment(actor=writer, publication=draft, uploaded_file=upload("sk.pdf", pdf_bytes()), title="SK")
    services.set_cover_image(actor=writer, publication=draft, uploaded_file=upload("foto.png", image_bytes()),
                             alt="Rapat pleno")

    def submitted(title):
        return services.submit_for_review(actor=writer, publication=create(title))

    review = submitted(f"Ditinjau {office.name}")
    published = services.approve_and_publish(actor=approver, publication=submitted(f"Terbit {office.name}"))
    archived = services.approve_and_publish(actor=approver, publication=submitted(f"Arsip {office.name}"))
    archived = services.archive(actor=approver, publication=archived)
    changed = services.approve_and_publish(actor=approver, publication=submitted(f"Berubah {office.name}"))
    changed = services.update_publication(
        actor=writer, publication=changed, expected_version=changed.version, kind=changed.kind, title=changed.title,
        summary="Ringkasan usulan", body="Isi usulan.", publish_at=changed.publish_at)
    return SimpleNamespace(office=office, writer=writer, approver=approver, draft=draft, review=review,
                           published=published, archived=archived, changed=changed)


@pytest.fixture(scope="module")
def _registries(module_transaction):
    """Built once for the module (every test's own changes are rolled back after it)."""
    make = staff_maker("matriks-konten")
    madiun, kab_madiun = Office.objects.get(code="35.77"), Office.objects.get(code="35.19")
    mine = _registry(madiun, make)
    return SimpleNamespace(mine=mine, theirs=_registry(kab_madiun, make), mine_admin=make(madiun, ADMIN))


@pytest.fixture
def mine(_registries, db):
    return refreshed(_registries.mine)


@pytest.fixture
def world(_registries, db):
    return refreshed(_registries)


def _url(view: View, registry) -> str:
    kwargs = dict(view.kwargs(registry))
    if view.target:
        kwargs["pk"] = getattr(registry, view.target).pk
    return reverse(view.name, kwargs=kwargs)


def _call(client, view: View, registry, **extra):
    url = _url(view, registry)
    if view.method == "post":
        data = view.data(registry)
        data.setdefault("version", getattr(registry, view.target).version if view.target else "")
        return client.post(url, data, **extra)
    return client.get(url, **extra)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", VIEWS, ids=str)
def test_it_checks_the_role(view, role, mine, madiun, make_staff, client_for):
    user = make_staff(madiun, role)
    response = _call(client_for(user), view, mine)
    if role in view.allowed:
        assert response.status_code == view.ok, response.content[:300]
        if view.ok == 302:
            assert not response.url.startswith("/masuk/")
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("view", VIEWS, ids=str)
def test_it_forbids_staff_without_an_office(view, mine, client_for):
    user = User.objects.create_user(username="tanpa-satker", role=ADMIN)
    assert _call(client_for(user), view, mine).status_code == 403


@pytest.mark.parametrize("view", VIEWS, ids=str)
def test_it_sends_anonymous_visitors_to_login(view, mine, client):
    url = _url(view, mine)
    response = _call(client, view, mine)
    assert response.status_code == 302 and response.url == f"/masuk/?next={url}"


@pytest.mark.parametrize("view", [v for v in VIEWS if v.method == "post"], ids=str)
def test_it_refuses_get_on_post_only_views(view, mine, client_for):
    assert client_for(mine.writer).get(_url(view, mine)).status_code == 405


@pytest.mark.parametrize("view", OBJECT_VIEWS, ids=str)
def test_it_hides_a_sibling_offices_publications(view, world, client_for):
    """KPU Kota Madiun's admin (every capability) never reaches KPU Kabupaten Madiun's publications."""
    response = _call(client_for(world.mine_admin), view, world.theirs)
    assert response.status_code == 404


@pytest.mark.parametrize("view", OBJECT_VIEWS, ids=str)
@pytest.mark.parametrize("office", ["mine", "theirs"])
def test_it_lets_the_province_read_but_not_write(view, office, world, jatim, make_staff, client_for):
    admin = make_staff(jatim, ADMIN)
    response = _call(client_for(admin), view, getattr(world, office))
    assert response.status_code == view.province


@pytest.mark.parametrize("role", ROLES)
def test_a_change_is_decided_only_by_someone_else_with_the_publish_role(role, mine, madiun, make_staff, client_for):
    """The effect, not just the status code: only a second person with content.publish makes the change live."""
    user = make_staff(madiun, role)
    changed = mine.changed
    client_for(user).post(reverse("content:change_approve", args=[changed.pk]), {"version": changed.version})
    live = Publication.objects.get(pk=changed.pk).body == "Isi usulan."
    assert live == (role in PUBLISHERS)


def test_a_province_write_changes_nothing(world, jatim, make_staff, client_for):
    client = client_for(make_staff(jatim, ADMIN))
    review = world.theirs.review
    client.post(reverse("content:publication_publish", args=[review.pk]), {"version": review.version})
    client.post(reverse("content:publication_edit", args=[world.theirs.draft.pk]),
                {"kind": "berita", "title": "Diubah provinsi", "version": world.theirs.draft.version})
    client.post(reverse("content:change_approve", args=[world.theirs.changed.pk]),
                {"version": world.theirs.changed.version})
    assert Publication.objects.get(pk=review.pk).status == Publication.Status.REVIEW
    assert Publication.objects.get(pk=world.theirs.changed.pk).body == "Isi Berubah KPU Kabupaten Madiun."
    assert Publication.objects.get(pk=world.theirs.draft.pk).title == "Draf KPU Kabupaten Madiun"


def test_the_list_shows_only_the_offices_own_and_lower_publications(world, make_staff, madiun, jatim, client_for):
    own = client_for(make_staff(madiun, VIEWER)).get(reverse("content:publication_list")).text
    assert "Draf KPU Kota Madiun" in own and "KPU Kabupaten Madiun" not in own
    province = client_for(make_staff(jatim, VIEWER)).get(reverse("content:publication_list")).text
    assert "Draf KPU Kota Madiun" in province and "Draf KPU Kabupaten Madiun" in province
