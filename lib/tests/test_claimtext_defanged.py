"""Real chain messages and fact-checks write links defanged; the claim normaliser understands them as links and
never raises on any text."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.claimtext import canonical_url, refang, terms, urls


@pytest.mark.parametrize("text, link", [
    ("Klik https://wa[dot]me/6281234567890 untuk bantuan", "wa.me/6281234567890"),
    ("Daftar di bantuan2026[dot]com sekarang", "bantuan2026.com"),
    ("hxxp://kpu-pusat[.]site/klaim?utm_source=wa", "kpu-pusat.site/klaim"),
    ("hxxps[:]//bansos(dot)xyz/daftar", "bansos.xyz/daftar"),
    ("buka wa.me/6281234567890", "wa.me/6281234567890"),
    ("situs resmi kpu[.]go[.]id", "kpu.go.id"),
    ("www.bansos-pemilu.com/ambil/", "bansos-pemilu.com/ambil"),
])
def test_defanged_and_bare_links_are_links(text, link):
    assert link in urls(text)
    assert f"url:{link}" in terms(text)


def test_the_same_link_defanged_or_not_is_one_term():
    assert urls("https://wa.me/628123") == urls("hxxps://wa[dot]me/628123") == urls("wa(.)me/628123")


def test_refang_leaves_ordinary_text_alone():
    text = "Pemilu 2024. Itu hoaks.Benar (titik dua) dan [catatan]"
    assert refang(text) == text


@pytest.mark.parametrize("url", ["http://[::1", "https://wa[dot]me", "www.[x", "http://a:bad/", "http://[", "://"])
def test_a_link_python_cannot_parse_is_kept_as_text(url):
    assert isinstance(canonical_url(url), str)


@given(st.text())
def test_any_text_gives_terms_and_never_raises(text):
    result = terms(text)
    assert isinstance(result, list) and all(isinstance(t, str) for t in result)


@given(st.text(alphabet=st.sampled_from(list("htxp:/[]().dotwa.me ƒ早٣\u200b\x00[dot]"))))
def test_link_shaped_noise_never_raises(text):
    terms(text)
    urls(text)
