import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.text import UNSTORABLE, clean_deep, clean_text, word_slug


def test_it_drops_controls_and_keeps_line_breaks_and_tabs():
    assert clean_text("Tamu\u0001\x00 Undangan\r\nBaris\tdua\x85\ud800") == "Tamu Undangan\nBaris\tdua"


def test_it_cleans_nested_data():
    assert clean_deep({"tags": ["a\x00", "b"], "n": 1, "x\x07": None}) == {"tags": ["a", "b"], "n": 1, "x": None}


@given(st.text())
def test_any_text_comes_out_storable(text):
    cleaned = clean_text(text)
    assert not UNSTORABLE.search(cleaned)
    cleaned.encode("utf-8")
    assert "\r" not in cleaned


@pytest.mark.parametrize(("text", "limit", "slug"), [
    ("Rekapitulasi suara sehingga warga tahu", 100, "rekapitulasi-suara-sehingga-warga-tahu"),
    ("Rekapitulasi suara sehingga warga tahu", 30, "rekapitulasi-suara-sehingga"),
    ("Rekapitulasi suara sehingga warga tahu", 33, "rekapitulasi-suara-sehingga-warga"),
    ("Pemungutansuaraulangdikecamatan", 10, "pemungutan"),
    ("", 10, ""),
])
def test_a_slug_is_cut_between_words(text, limit, slug):
    assert word_slug(text, limit) == slug
