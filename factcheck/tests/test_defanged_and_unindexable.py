"""A clarification with a defanged link indexes and answers reports; one whose text cannot be analysed is left out
of the matching index, said so on its page, and never stops the others from matching."""

import pytest
from django.urls import reverse

from factcheck import selectors
from factcheck.matching import LexicalIndex


def test_a_defanged_link_in_a_clarification_matches_the_same_link_in_a_report(madiun, publish):
    clarification = publish(claim_reviewed="Bantuan tunai pemilu lewat wa[dot]me/6281299990000",
                            summary="Tidak benar: KPU tidak membagikan bantuan tunai.")
    [best, *_] = selectors.match_clarifications("Cek: hxxps://wa.me/6281299990000 bener gak?", madiun)
    assert best.id == clarification.pk
    assert any("wa.me/6281299990000" in reason for reason in best.reasons), best.reasons


def test_one_document_that_cannot_be_analysed_is_left_out_and_named():
    def analyzer(text):
        if "RUSAK" in text:
            raise ValueError("teks tidak dapat dibaca")
        return text.lower().split()

    index = LexicalIndex(analyzer).build([("1", "surat suara tercoblos"), ("2", "RUSAK"), ("3", "pemilih siluman")])
    assert len(index) == 2 and index.failed == {"2": "ValueError: teks tidak dapat dibaca"}
    assert [m.id for m in index.search("pemilih siluman")][:1] == ["3"]


def test_an_unindexable_clarification_is_reported_on_its_page_and_the_others_still_match(
        madiun, publish, verifier, client_for, monkeypatch):
    good = publish(claim_reviewed="Surat suara tercoblos ditemukan di rumah kepala desa")
    bad = publish(claim_reviewed="Klaim dengan teks RUSAK yang tidak dapat dianalisis")

    class FragileIndex(LexicalIndex):
        def __init__(self):
            def analyzer(text):
                if "RUSAK" in text:
                    raise ValueError("teks tidak dapat dibaca")
                return LexicalIndex().analyzer(text)

            super().__init__(analyzer)

    monkeypatch.setattr(selectors, "LexicalIndex", FragileIndex)
    selectors._clarifications.reset()   # rebuild with the fragile analyzer
    found = selectors.match_clarifications("surat suara tercoblos di rumah kepala desa", madiun)
    assert found and found[0].id == good.pk
    bad.refresh_from_db()
    assert bad.index_error == "ValueError: teks tidak dapat dibaca"
    page = client_for(verifier).get(reverse("factcheck:clarification", args=[bad.pk])).text
    assert "tidak dapat dimasukkan ke indeks pencocokan" in page

    monkeypatch.setattr(selectors, "LexicalIndex", LexicalIndex)
    selectors._clarifications.reset()
    selectors.match_clarifications("apa saja", madiun)
    bad.refresh_from_db()
    assert bad.index_error == ""


pytestmark = pytest.mark.django_db
