import pytest

from lib.indonesian import normalize, stem, stemmed


@pytest.mark.parametrize(("word", "root"), [
    ("pemilihan", "pilih"), ("memilih", "pilih"), ("pencoblosan", "coblos"), ("tahapan", "tahap"),
    ("pengumuman", "umum"), ("diumumkan", "umum"),
    # Election words are kept, not over-stemmed.
    ("pemilu", "pemilu"), ("pilkada", "pilkada"), ("kpu", "kpu"), ("bawaslu", "bawaslu"),
])
def test_it_stems_indonesian_words_and_keeps_domain_words(word, root):
    assert stem(word) == root


def test_it_normalizes_case_accents_and_repeated_letters():
    assert normalize("HOAKSSS Pemilú!!") == "hoaks pemilu!!"
    assert stemmed("Jadwal PEMUNGUTAN suara Pemilu 2024") == ["jadwal", "mungut", "suara", "pemilu", "2024"]
