import pytest

from accounts.models import Role
from content import services
from content.models import Publication
from elections.models import Election, Stage


@pytest.fixture
def writer(make_staff, madiun):
    """An operator of KPU Kota Madiun: writes and submits, may not publish."""
    return make_staff(madiun, Role.OPERATOR)


@pytest.fixture
def editor(make_staff, madiun):
    """An editor of KPU Kota Madiun: may review and publish what someone else wrote."""
    return make_staff(madiun, Role.EDITOR)


@pytest.fixture
def make_publication(writer, madiun):
    def make(title="Rekapitulasi Daftar Pemilih Tetap", office=None, actor=None, **kwargs):
        kwargs.setdefault("kind", Publication.Kind.PRESS_RELEASE)
        kwargs.setdefault("summary", "KPU Kota Madiun menetapkan DPT.")
        kwargs.setdefault("body", "KPU Kota Madiun menetapkan **DPT** dalam rapat pleno terbuka.")
        return services.create_publication(actor=actor or writer, office=office or madiun, title=title, **kwargs)

    return make


@pytest.fixture
def publish(editor, writer):
    """Submit (as the writer) and approve (as the editor) a draft of KPU Kota Madiun."""

    def run(publication, approver=None):
        services.submit_for_review(actor=writer, publication=publication)
        return services.approve_and_publish(actor=approver or editor, publication=publication)

    return run


@pytest.fixture
def stage_for():
    def make(office, code="pemilu-2029"):
        election = Election.objects.create(office=office, code=code, name=f"Pemilu {code}",
                                           kind=Election.Kind.GENERAL)
        return Stage.objects.create(election=election, code="dpt", name="Penetapan DPT", position=1)

    return make
