import json

import pytest
from django.core.management import CommandError, call_command

from factcheck.matching import LexicalIndex
from lib.claimtext import canonical_url, terms, words

CLARIFICATIONS = [
    ("K1", "Hoaks: KPU akan mencoblos ulang seluruh surat suara Pemilu 2024. Tidak ada pemungutan suara ulang "
           "nasional; PSU hanya di TPS tertentu atas rekomendasi Bawaslu."),
    ("K2", "Salah: surat suara sudah dicoblos di Tiongkok sebelum dikirim. Surat suara dicetak di dalam negeri "
           "dan diawasi."),
    ("K3", "Menyesatkan: pemilih tanpa e-KTP tidak bisa memilih. Pemilih dapat memakai KTP elektronik atau "
           "surat keterangan dari Dukcapil."),
    ("K4", "Hoaks: server Sirekap di Singapura mengubah hasil suara. Sirekap hanya alat bantu publikasi; hasil "
           "resmi dari rekapitulasi berjenjang."),
]


@pytest.fixture(scope="module")
def index():
    return LexicalIndex().build(CLARIFICATIONS)


def test_it_reads_chain_message_spelling():
    assert words("KPU BAKAL nyoblos ulanggg yg udh dicoblos!!!") == [
        "kpu", "akan", "coblos", "ulang", "yang", "sudah", "dicoblos"]
    assert "coblos" in terms("surat suara sdh dicoblos") and "yang" not in terms("yg itu")


def test_it_canonicalises_links_and_drops_tracking_parameters():
    assert canonical_url("https://www.kpu.go.id/berita/123/?utm_source=wa&fbclid=XYZ&id=7") == \
        "kpu.go.id/berita/123?id=7"
    assert terms("cek https://m.kpu.go.id/berita/123?utm_medium=social") == ["cek", "url:kpu.go.id/berita/123"]


@pytest.mark.parametrize(("report", "expected"), [
    ("*PENTING* sebarkan!! KPU mau nyoblos ulang semua surat suara pemilu 2024", "K1"),
    ("bener gak sih surat suara udh dicoblos di china??", "K2"),
    ("ga punya ektp gak bisa nyoblos ya?", "K3"),
    ("SERVER SIREKAP DI SINGAPURA UBAH SUARAAA 😡😡", "K4"),
])
def test_it_finds_the_clarification_of_a_chain_message(index, report, expected):
    assert index.search(report, k=3)[0].id == expected


def test_it_explains_a_match(index):
    assert "sirekap" in index.explain("server sirekap singapura", CLARIFICATIONS[3][1])


@pytest.mark.parametrize("report", ["", "halo", "😡😡😡", "!!!", "https://"])
def test_empty_one_word_and_emoji_only_reports_find_nothing_or_rank_safely(index, report):
    assert isinstance(index.search(report), list)


def test_a_4096_character_chain_message_is_matched(index):
    report = ("surat suara sudah dicoblos di Tiongkok " * 120)[:4096]
    assert index.search(report)[0].id == "K2"


def test_match_eval_writes_rankings_and_refuses_bad_files(tmp_path, capsys):
    clar = tmp_path / "k.jsonl"
    clar.write_text("\n".join(json.dumps({"id": i, "text": t}) for i, t in CLARIFICATIONS))
    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps({"qid": "Q1", "text": "sirekap singapura", "gold": "K4"}) + "\n")
    out = tmp_path / "out.jsonl"
    call_command("match_eval", index=str(clar), queries=str(queries), out=str(out), k=2)
    [line] = out.read_text().splitlines()
    assert json.loads(line) == {"qid": "Q1", "ranked": json.loads(line)["ranked"]}
    assert json.loads(line)["ranked"][0] == "K4"
    assert "p95" in capsys.readouterr().out
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "K1"}\n')
    with pytest.raises(CommandError, match="baris 1"):
        call_command("match_eval", index=str(bad), queries=str(queries), out=str(out))
