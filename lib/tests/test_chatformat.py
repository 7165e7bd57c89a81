from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from channels.fakes.telegram import parse_entities
from lib.chatformat import to_html, to_plain


def test_it_turns_whatsapp_markers_into_tags_and_escapes_the_rest():
    assert to_html("*Rapat* _besok_ ~batal~ ```a<b>``` & <script>") == (
        "<b>Rapat</b> <i>besok</i> <s>batal</s> <code>a&lt;b&gt;</code> &amp; &lt;script&gt;")


def test_links_keep_their_underscores_and_become_anchors_for_email():
    assert to_html("https://kpu.go.id/_a_/x") == "https://kpu.go.id/_a_/x"
    assert to_html("lihat *https://kpu.go.id/x*", bold="strong", link=True) == (
        'lihat <strong><a href="https://kpu.go.id/x">https://kpu.go.id/x</a></strong>')


def test_markers_that_would_not_nest_are_left_as_typed():
    assert to_html("*a _b* c_") == "*a _b* c_"


def test_plain_text_drops_the_markers():
    assert to_plain("*Rapat* _besok_ ~batal~ ```kode```") == "Rapat besok batal kode"


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.ok = [], True

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)

    def handle_endtag(self, tag):
        self.ok = self.ok and bool(self.stack) and self.stack.pop() == tag


@given(st.text())
def test_any_text_gives_well_formed_html_telegram_accepts(text):
    markup = to_html(text)
    parser = _Tags()
    parser.feed(markup)
    assert parser.ok and not parser.stack
    shown = parse_entities(markup)
    for character in "<>&\"'":
        assert shown.count(character) == text.count(character)


@given(st.text(alphabet=st.characters(blacklist_characters="*_~`\ue000\ue001\r")))
def test_text_without_markers_arrives_exactly_as_written(text):
    assert parse_entities(to_html(text)) == text
