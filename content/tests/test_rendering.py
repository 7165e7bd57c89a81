import pytest

from content.rendering import plain_text, render_markdown


def test_it_keeps_normal_markdown():
    html = render_markdown(
        "## Jadwal\n\nRapat **pleno** *terbuka* di [KPU](https://kpu.go.id \"Situs KPU\").\n\n"
        "- satu\n- dua\n\n1. pertama\n2. kedua\n\n> Kutipan ketua\n\n`kode` dan\n\n```\nblok\n```\n\n"
        "| Kecamatan | DPT |\n|---|---:|\n| Taman | 1.200 |\n\n---\n\n![Peta](https://kpu.go.id/peta.png)\n"
        "\nSurat ke [humas](mailto:humas@kpu.go.id)")
    for fragment in ["<h2>Jadwal</h2>", "<strong>pleno</strong>", "<em>terbuka</em>",
                     '<a href="https://kpu.go.id" title="Situs KPU" rel="noopener nofollow">KPU</a>',
                     "<li>satu</li>", "<ol>", "<blockquote>", "<code>kode</code>", "<pre><code>blok",
                     "<table>", "<th>Kecamatan</th>", "<td>1.200</td>", "<hr>",
                     '<img alt="Peta" src="https://kpu.go.id/peta.png">', 'href="mailto:humas@kpu.go.id"']:
        assert fragment in html, fragment


@pytest.mark.parametrize(("source", "forbidden"), [
    ("Halo <script>alert('x')</script> dunia", ["<script", "alert("]),
    ('<iframe src="https://evil.example/"></iframe> teks', ["<iframe", "evil.example"]),
    ("[klik](javascript:alert(1))", ["javascript:"]),
    ('<a href="JaVaScRiPt:alert(1)">x</a>', ["javascript", "JaVaScRiPt"]),
    ('<img src="x.png" onerror="alert(1)">', ["onerror", "alert"]),
    ("![x](data:image/png;base64,iVBORw0KGgo=)", ["data:"]),
    ('<a href="data:text/html,<script>alert(1)</script>">x</a>', ["data:", "<script"]),
    ('<p style="position:fixed;top:0">hadiah</p>', ["style", "position:fixed"]),
    ("<style>body{display:none}</style>isi", ["<style", "display:none"]),
    ('<object data="x.swf"></object><embed src="x.swf">', ["<object", "<embed", "x.swf"]),
    ('<svg onload="alert(1)"><circle/></svg>', ["<svg", "onload"]),
    ('<form action="https://evil.example"><input name="p"></form>', ["<form", "<input"]),
    ("Paragraf\n{: onclick=\"alert(1)\" style=\"color:red\" }", ["onclick", "style"]),
    ('<div class="x" id="y">teks</div>', ["<div", "class=", "id="]),
    ("<!-- komentar rahasia -->teks", ["komentar rahasia"]),
])
def test_it_removes_dangerous_markup(source, forbidden):
    html = render_markdown(source)
    for text in forbidden:
        assert text.lower() not in html.lower(), html


def test_it_keeps_the_text_around_removed_tags():
    assert "dunia" in render_markdown("Halo <blink>dunia</blink>")
    assert "hadiah" in render_markdown('<p style="color:red">hadiah</p>')


def test_it_turns_top_level_headings_into_subheadings():
    html = render_markdown("# Judul\n\n##### Kecil")
    assert "<h2>Judul</h2>" in html and "<h4>Kecil</h4>" in html
    assert "<h1" not in html and "<h5" not in html


def test_every_link_gets_noopener_nofollow():
    html = render_markdown('<a href="https://x.example" rel="opener" target="_blank">x</a>')
    assert 'rel="noopener nofollow"' in html and "target" not in html and 'rel="opener"' not in html


def test_plain_text_has_the_words_only():
    text = plain_text(render_markdown("## Jadwal\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nA &amp; B <script>x</script>"))
    assert text == "Jadwal a b 1 2 A & B"


def test_empty_body_renders_to_nothing():
    assert render_markdown("") == ""
