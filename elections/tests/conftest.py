import pytest

from elections.models import Election
from elections.services import seed_elections


@pytest.fixture
def seeded(ri) -> dict[str, Election]:
    """Pemilu 2024, the conditional second Pilpres round and Pilkada 2024, run by KPU RI."""
    seed_elections()
    return {e.code: e for e in Election.objects.all()}


@pytest.fixture
def pemilu(seeded) -> Election:
    return seeded["pemilu-2024"]


@pytest.fixture
def pilkada(seeded) -> Election:
    return seeded["pilkada-2024"]
