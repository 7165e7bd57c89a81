import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from factcheck.external import MAX_BYTES, VERDICTS, ExternalFactCheck, ParseResult, Problem, map_rating, parse

FIXTURES = Path(__file__).parent / "fixtures" / "external"


def read(name: str) -> ParseResult:
    return parse((FIXTURES / name).read_bytes(), name)


def review(**overrides) -> dict:
    """A complete schema.org ClaimReview; `None` removes a key."""
    data = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "https://www.kompas.com/cekfakta/read/2024/02/14/contoh",
        "claimReviewed": "Tinta Pemilu 2024 mengandung minyak babi.",
        "datePublished": "2024-02-14T10:00:00+07:00",
        "author": {"@type": "Organization", "name": "Kompas.com"},
        "reviewRating": {"@type": "Rating", "alternateName": "Hoaks"},
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def parse_json(value: object) -> ParseResult:
    return parse(json.dumps(value).encode())


def only_check(value: object) -> ExternalFactCheck:
    result = parse_json(value)
    assert result.problems == []
    assert len(result.checks) == 1
    return result.checks[0]


# Formats -------------------------------------------------------------------------------------------------------

def test_it_reads_a_claimreview_graph_and_skips_the_webpage():
    result = read("claimreview_graph.jsonld")

    assert result.problems == []
    assert result.checks[0] == ExternalFactCheck(
        claim_reviewed="Surat suara Pemilu 2024 di Jakarta Utara sudah dicoblos sebelum hari pemungutan suara.",
        rating="Hoaks",
        verdict="false",
        url="https://www.kompas.com/cekfakta/read/2024/01/12/153000282/hoaks-surat-suara-pemilu-2024-sudah-dicoblos",
        publisher="Kompas.com",
        published=datetime(2024, 1, 12, 8, 30, tzinfo=UTC),
        item_reviewed_url="https://www.facebook.com/groups/contoh/posts/1234567890",
        claimant="Akun Facebook Suara Rakyat Merdeka",
        language="id",
    )
    assert [(c.publisher, c.rating, c.verdict) for c in result.checks] == [
        ("Kompas.com", "Hoaks", "false"),
        ("Tempo", "Sebagian Benar", "misleading"),
        ("turnbackhoax.id", "Konteks Keliru", "false_context"),
    ]
    tempo, turnbackhoax = result.checks[1], result.checks[2]
    assert tempo.published == datetime(2024, 2, 20, tzinfo=UTC)
    assert tempo.item_reviewed_url == "https://www.youtube.com/watch?v=contoh12345"
    assert tempo.claimant == "Kanal YouTube Kabar Pemilu Terkini"
    assert tempo.language == ""
    assert turnbackhoax.item_reviewed_url == "https://www.tiktok.com/@contoh/video/7334000000000000000"
    assert turnbackhoax.claimant == ""


def test_it_reads_the_ld_json_blocks_of_an_html_page():
    result = read("afp_page.html")

    assert result.problems == []
    assert result.checks == [ExternalFactCheck(
        claim_reviewed='Foto "kotak suara dibakar" di Papua setelah pemungutan suara Pemilu 2024.',
        rating="Foto diedit",
        verdict="manipulated",
        url="https://periksafakta.afp.com/doc.afp.com.34ABCD1",
        publisher="AFP Indonesia",  # the author is a reference to the Organization in the second block
        published=datetime(2024, 2, 16, 3, 5, tzinfo=UTC),
        item_reviewed_url="https://www.facebook.com/contoh/photos/a.1/2/",
        claimant="Pengguna Facebook",
        language="id",
    )]


def test_it_recognises_an_html_page_by_its_content():
    assert len(parse((FIXTURES / "afp_page.html").read_bytes()).checks) == 1


def test_it_reads_a_fact_check_tools_response_one_record_per_review():
    result = read("google_claims.json")

    assert result.problems == []
    assert [(c.publisher, c.rating, c.verdict, c.published) for c in result.checks] == [
        ("Kompas.com", "Hoaks", "false", datetime(2024, 2, 17, 2, 0, tzinfo=UTC)),
        ("turnbackhoax.id", "Salah", "false", datetime(2024, 2, 17, 8, 30, tzinfo=UTC)),  # publisher.site only
        ("Tempo", "Konteks Keliru", "false_context", datetime(2024, 2, 19, 5, 0, tzinfo=UTC)),
    ]
    first = result.checks[0]
    assert first.claim_reviewed == "KPU akan mencoblos ulang seluruh surat suara Pemilu 2024 secara nasional."
    assert first.url == ("https://www.kompas.com/cekfakta/read/2024/02/17/090000282/"
                         "hoaks-kpu-coblos-ulang-surat-suara-nasional")
    assert first.claimant == "Pesan berantai WhatsApp"
    assert first.language == "id"
    assert first.item_reviewed_url == ""


def test_it_reads_the_same_claims_as_json_lines():
    expected = read("google_claims.json").checks

    assert read("google_claims.jsonl") == ParseResult(expected, [])
    assert parse((FIXTURES / "google_claims.jsonl").read_bytes()) == ParseResult(expected, [])


def test_it_reads_a_fact_check_tools_pages_response():
    result = read("google_pages.json")

    assert result.problems == []
    assert result.checks == [ExternalFactCheck(
        claim_reviewed="KPU memindahkan TPS ke bulan agar pemilih tidak bisa dicurangi.",
        rating="Satire",
        verdict="satire",
        url="https://www.kompas.com/cekfakta/read/2024/02/21/110000282/satire-kpu-pindahkan-tps-ke-bulan",
        publisher="Kompas.com",
        published=datetime(2024, 2, 21, tzinfo=UTC),
        item_reviewed_url="https://x.com/contoh/status/1760000000000000000",
        claimant="Akun parodi @kpu_bulan",
        language="",
    )]


def test_it_reads_a_single_object_and_a_list():
    assert only_check(review()).url == "https://www.kompas.com/cekfakta/read/2024/02/14/contoh"
    assert len(parse_json([review(), review(url="https://www.tempo.co/cek-fakta/contoh")]).checks) == 2


# Bad items -----------------------------------------------------------------------------------------------------

def test_it_keeps_the_good_items_of_a_broken_file():
    result = read("broken.json")

    assert [c.claim_reviewed for c in result.checks] == ["Tinta Pemilu 2024 mengandung minyak babi."]
    assert result.problems == [
        Problem(2, "claimReviewed", "kolom claimReviewed kosong atau tidak ada"),
        Problem(3, "url", "kolom url harus berupa alamat http(s) lengkap, bukan “javascript:alert(1)”"),
    ]


def test_it_numbers_claim_reviews_not_the_other_objects_of_a_graph():
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "name": "Kompas.com"}, review(), {"@type": "BreadcrumbList"}, review(author=None)]}

    result = parse_json(graph)

    assert len(result.checks) == 1
    assert result.problems == [Problem(2, "author.name", "kolom author.name kosong atau tidak ada")]


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"claimReviewed": "   "}, "claimReviewed", "kolom claimReviewed kosong atau tidak ada"),
    ({"reviewRating": None}, "reviewRating.alternateName", "kolom reviewRating.alternateName kosong atau tidak ada"),
    ({"reviewRating": {"@type": "Rating", "alternateName": ""}}, "reviewRating.alternateName",
     "kolom reviewRating.alternateName kosong atau tidak ada"),
    ({"url": None}, "url", "kolom url kosong atau tidak ada"),
    ({"url": "/cekfakta/read/2024/02/14/contoh"}, "url",
     "kolom url harus berupa alamat http(s) lengkap, bukan “/cekfakta/read/2024/02/14/contoh”"),
    ({"url": "ftp://kompas.com/contoh"}, "url",
     "kolom url harus berupa alamat http(s) lengkap, bukan “ftp://kompas.com/contoh”"),
    ({"author": {"@type": "Organization"}}, "author.name", "kolom author.name kosong atau tidak ada"),
])
def test_it_names_the_item_and_field_of_a_bad_claimreview(overrides, field, message):
    result = parse_json([review(), review(**overrides)])

    assert len(result.checks) == 1
    assert result.problems == [Problem(2, field, message)]


def test_it_reports_every_missing_field_of_an_item():
    result = parse_json(review(claimReviewed=None, url=None))

    assert result.checks == []
    assert [(p.item, p.field) for p in result.problems] == [(1, "claimReviewed"), (1, "url")]


def test_it_reports_bad_reviews_of_a_fact_check_tools_response_and_keeps_the_rest():
    response = json.loads((FIXTURES / "google_claims.json").read_text())
    del response["claims"][0]["claimReview"][1]["textualRating"]
    response["claims"][0]["claimReview"][0]["publisher"] = {}
    response["claims"][1]["text"] = ""

    result = parse_json(response)

    assert result.checks == []
    assert result.problems == [
        Problem(1, "claimReview.publisher", "ulasan ke-1: kolom claimReview.publisher kosong atau tidak ada"),
        Problem(1, "claimReview.textualRating", "ulasan ke-2: kolom claimReview.textualRating kosong atau tidak ada"),
        Problem(2, "text", "kolom text kosong atau tidak ada"),
    ]


def test_it_reports_a_claim_without_reviews():
    result = parse_json({"claims": [{"text": "KPU menunda Pemilu 2024.", "claimReview": []}]})

    assert result == ParseResult([], [Problem(1, "claimReview", "kolom claimReview kosong atau tidak ada")])


# Bad files -----------------------------------------------------------------------------------------------------

def test_it_says_where_json_is_invalid():
    result = parse(b'{\n  "claims": [\n    {"text": "x",}\n  ]\n}')

    assert result.checks == []
    assert result.problems == [Problem(0, "", "JSON tidak valid pada baris 3 kolom 18: nama kolom harus diapit tanda "
                                              "kutip ganda (atau ada koma berlebih)")]


def test_it_reports_a_broken_json_line_by_its_number_and_reads_the_others():
    lines = (FIXTURES / "google_claims.jsonl").read_bytes().split(b"\n")
    data = b"\n".join([lines[0], b'{"text": "rusak", "claimReview": [', lines[1]])

    result = parse(data)

    assert len(result.checks) == 3
    assert [(p.item, p.field) for p in result.problems] == [(2, "")]
    assert result.problems[0].message.startswith("JSON tidak valid pada baris 2 kolom ")


def test_it_reports_a_broken_ld_json_block_at_its_line_in_the_page():
    page = (FIXTURES / "afp_page.html").read_text().replace('"name": "AFP Indonesia",', '"name": "AFP Indonesia"')

    result = parse(page.encode())

    assert result.problems == [Problem(0, "", "blok ld+json ke-2: JSON tidak valid pada baris 25 kolom 26: tanda koma "
                                              "tidak ada")]
    assert result.checks[0].publisher == "periksafakta.afp.com"  # the name was in the broken block; the host of the @id


def test_it_rejects_bytes_that_are_not_utf8():
    data = json.dumps(review(claimReviewed="Surat suara dicoblos — KPU"), ensure_ascii=False).encode("cp1252")

    result = parse(data)

    assert result.checks == []
    assert len(result.problems) == 1
    assert result.problems[0].item == 0
    assert result.problems[0].message.startswith("berkas bukan teks UTF-8 (byte tidak sah pada posisi ")


def test_it_accepts_a_utf8_byte_order_mark():
    assert len(parse(b"\xef\xbb\xbf" + (FIXTURES / "google_claims.json").read_bytes()).checks) == 3


@pytest.mark.parametrize("data", [b"", b"  \n\t\n"])
def test_it_reports_an_empty_file(data):
    assert parse(data) == ParseResult([], [Problem(0, "", "berkas kosong")])


def test_it_refuses_a_file_over_20_mb():
    result = parse(b" " * (MAX_BYTES + 1))

    assert result.checks == []
    assert [(p.item, p.field) for p in result.problems] == [(0, "")]
    assert result.problems[0].message == "berkas terlalu besar (20.0 MB); batasnya 20 MB"


@pytest.mark.parametrize(("data", "field", "message"), [
    (b'{"@context": "https://schema.org", "@type": "WebPage"}', "",
     "tidak ada cek fakta (ClaimReview) di dalam berkas"),
    (b'{"claims": []}', "", "tidak ada cek fakta (ClaimReview) di dalam berkas"),
    (b"<html><body><p>Tidak ada data terstruktur</p></body></html>", "",
     'halaman tidak berisi blok <script type="application/ld+json">'),
    (b"42", "", "isi JSON bukan objek atau daftar"),
    (b'{"claims": {"text": "x"}}', "claims", "kolom claims harus berupa daftar"),
])
def test_it_says_when_a_file_holds_no_fact_checks(data, field, message):
    assert parse(data) == ParseResult([], [Problem(0, field, message)])


@pytest.mark.parametrize("data", [
    b"[" * 100_000, b"null", b'{"@graph": 5}', b'[1, "x", null]', b'{"claims": [1, null]}',
    b'{"claimReviewMarkupPages": [{"claimReviewMarkups": [7]}]}', b'{"@type": "ClaimReview", "url": ["x", 1]}',
    b"<![if mso]><script type='application/ld+json'>{", b'{"a": 1' + b"9" * 5000 + b"}",
    b'<script type="application/ld+json">{"@type": "ClaimReview", "claimReviewed": "x"',
])
def test_it_never_raises_on_odd_input(data):
    result = parse(data)

    assert result.checks == []
    assert result.problems


# Fields --------------------------------------------------------------------------------------------------------

def test_it_takes_the_organisation_among_several_authors():
    check = only_check(review(author=[{"@type": "Person", "name": "Penulis Cek Fakta"},
                                      {"@type": "NewsMediaOrganization", "name": "Tempo"}]))

    assert check.publisher == "Tempo"


def test_it_takes_the_first_author_when_none_is_an_organisation():
    check = only_check(review(author=[{"@type": "Person", "name": "Penulis Satu"}, "Penulis Dua"]))

    assert check.publisher == "Penulis Satu"


def test_it_accepts_type_as_a_list_or_a_full_iri():
    assert only_check(review(**{"@type": ["ClaimReview", "Review"]})).rating == "Hoaks"
    assert only_check(review(**{"@type": "https://schema.org/ClaimReview"})).rating == "Hoaks"


def test_it_finds_a_claimreview_nested_in_another_object():
    page = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Cek fakta", "mainEntity": review()}

    assert only_check(page).publisher == "Kompas.com"


@pytest.mark.parametrize(("value", "expected"), [
    ("2024-02-14", datetime(2024, 2, 14, tzinfo=UTC)),
    ("2024-02-14T10:00:00", datetime(2024, 2, 14, 10, tzinfo=UTC)),
    ("2024-02-14T10:00:00+07:00", datetime(2024, 2, 14, 3, tzinfo=UTC)),
    ("2024-02-14T10:00:00Z", datetime(2024, 2, 14, 10, tzinfo=UTC)),
    ("2024-02-14T10:00:00 WIB", datetime(2024, 2, 14, tzinfo=UTC)),
    ("14 Februari 2024", None),
    (None, None),
])
def test_it_reads_dates_in_utc(value, expected):
    published = only_check(review(datePublished=value)).published

    assert published == expected
    assert published is None or published.utcoffset().total_seconds() == 0


def test_it_collapses_whitespace_and_truncates_long_text():
    check = only_check(review(claimReviewed="  KPU \n\n akan\tmencoblos " + "ulang " * 200,
                              reviewRating={"alternateName": "Hoaks " + "x" * 200}))

    assert check.claim_reviewed.startswith("KPU akan mencoblos ulang ulang")
    assert len(check.claim_reviewed) <= 500
    assert len(check.rating) <= 100
    assert check.verdict == "false"


# Ratings -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("rating", "verdict"), [
    ("Hoaks", "false"), ("HOAX", "false"), ("Salah", "false"), ("[SALAH]", "false"), ("False", "false"),
    ("Fake", "false"), ("Keliru", "false"), ("Tidak Benar", "false"), ("Disinformasi", "false"),
    ("Menyesatkan", "misleading"), ("Misleading", "misleading"), ("Sebagian Benar", "misleading"),
    ("Partly false", "misleading"), ("Half-True", "misleading"), ("Mixture", "misleading"),
    ("Konteks Keliru", "false_context"), ("False context", "false_context"),
    ("Missing Context", "false_context"), ("Out of context", "false_context"),
    ("Konteks yang Salah", "false_context"), ("Koneksi yang Salah", "misleading"),
    ("Konten Manipulasi", "manipulated"), ("Manipulated", "manipulated"), ("Altered photo", "manipulated"),
    ("Doctored", "manipulated"), ("Konten Palsu", "manipulated"), ("Fabricated", "manipulated"),
    ("Impostor content", "manipulated"), ("Konten Tiruan", "manipulated"),
    ("Konten yang Dimanipulasi", "manipulated"),
    ("Satire", "satire"), ("Satir", "satire"), ("Satire/Parodi", "satire"), ("Parody", "satire"),
    ("Benar", "true"), ("TRUE", "true"), ("Correct", "true"), ("Fakta", "true"),
    ("Belum Dapat Diverifikasi", "unverified"), ("Tidak terbukti", "unverified"), ("Unproven", "unverified"),
    ("Perlu dicek", "unverified"), ("", "unverified"),
])
def test_it_maps_rating_words(rating, verdict):
    assert map_rating(rating) == verdict
    assert verdict in VERDICTS


@pytest.mark.parametrize(("value", "best", "worst", "verdict"), [
    (1, 5, 1, "false"), (2, 5, 1, "misleading"), (3, 5, 1, "misleading"), (4, 5, 1, "misleading"),
    (5, 5, 1, "true"), ("1", "5", "1", "false"), (1, None, None, "false"), (5, None, None, "true"),
    (0, 10, 0, "false"), (2, 10, 0, "false"), (5, 10, 0, "misleading"), (9, 10, 0, "true"),
    (1, 1, 5, "true"), (7, 5, 1, "unverified"), (3, 3, 3, "unverified"), (None, 5, 1, "unverified"),
    ("tinggi", 5, 1, "unverified"), (True, 5, 1, "unverified"),
])
def test_it_maps_numeric_ratings(value, best, worst, verdict):
    assert map_rating("", value, best, worst) == verdict


def test_words_win_over_numbers():
    assert map_rating("Hoaks", 5, 5, 1) == "false"


def test_it_rates_a_claimreview_with_only_a_numeric_rating():
    check = only_check(review(reviewRating={"@type": "Rating", "ratingValue": 1, "bestRating": 5, "worstRating": 1}))

    assert (check.rating, check.verdict) == ("1/5", "false")
