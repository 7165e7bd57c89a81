"""Every normaliser and parser that takes text from outside returns a result or its own typed rejection for any
input, never another exception (Hypothesis over arbitrary Unicode and bytes; bounded, derandomised)."""

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels.providers import telegram, whatsapp
from channels.providers.base import WebhookRejected
from content.rendering import plain_text, render_markdown
from factcheck import external
from lib.claimtext import terms, urls
from lib.contacts import AddressError, display_name, normalize_address
from lib.phones import PhoneError, parse_phone
from lib.tabular import TabularError, inspect, iter_rows
from lib.text import clean_deep, clean_text

pytestmark = pytest.mark.fuzz
BOUNDED = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.too_slow])
TEXT = st.text(alphabet=st.characters(codec=None), max_size=300)
JSON_LEAF = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT
JSON = st.recursive(JSON_LEAF, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                    max_leaves=30)


@BOUNDED
@given(TEXT)
def test_phone_numbers(text):
    try:
        parse_phone(text)
    except PhoneError:
        pass


@BOUNDED
@given(st.sampled_from(["whatsapp", "tel", "mailto", "telegram", "sms", ""]), TEXT)
def test_addresses(kind, text):
    try:
        normalize_address(kind, text)
    except AddressError:
        pass


@BOUNDED
@given(TEXT)
def test_names_and_storable_text(text):
    assert isinstance(display_name(text), str)
    clean_text(text).encode("utf-8")


@BOUNDED
@given(TEXT)
def test_claim_text(text):
    terms(text)
    urls(text)


@BOUNDED
@given(TEXT)
def test_markdown(text):
    assert isinstance(plain_text(render_markdown(text)), str)


WHATSAPP_SHAPE = st.fixed_dictionaries({
    "object": st.just("whatsapp_business_account"),
    "entry": st.lists(st.fixed_dictionaries({"changes": st.lists(st.fixed_dictionaries({
        "value": st.fixed_dictionaries({}, optional={"messages": st.lists(JSON, max_size=3),
                                                     "statuses": st.lists(JSON, max_size=3),
                                                     "contacts": st.lists(JSON, max_size=2),
                                                     "errors": st.lists(JSON, max_size=2)})}), max_size=2)}),
        max_size=2)})


@BOUNDED
@given(st.one_of(st.binary(max_size=500), JSON.map(lambda v: json.dumps(v).encode()),
                 WHATSAPP_SHAPE.map(lambda v: json.dumps(v).encode())))
def test_whatsapp_webhook_bodies(body):
    try:
        whatsapp.parse_webhook(body)
    except WebhookRejected:
        pass


TELEGRAM_SHAPE = st.fixed_dictionaries({"update_id": st.integers(), "message": st.dictionaries(
    st.sampled_from(["message_id", "chat", "from", "text", "caption", "date", "photo", "document", "forward_date"]),
    JSON, max_size=6)})


@BOUNDED
@given(st.one_of(st.binary(max_size=500), JSON.map(lambda v: json.dumps(v).encode()),
                 TELEGRAM_SHAPE.map(lambda v: json.dumps(v).encode())))
def test_telegram_webhook_bodies(body):
    try:
        telegram.parse_update(body)
    except WebhookRejected:
        pass


@BOUNDED
@given(st.one_of(st.binary(max_size=500), JSON.map(lambda v: json.dumps(v).encode()),
                 st.fixed_dictionaries({"@type": st.just("ClaimReview")}, optional={
                     "claimReviewed": JSON, "reviewRating": JSON, "url": JSON, "author": JSON,
                     "datePublished": JSON, "itemReviewed": JSON}).map(lambda v: json.dumps(v).encode())),
       st.sampled_from(["", "a.json", "a.jsonl", "a.html"]))
def test_claimreview_imports(data, filename):
    result = external.parse(data, filename)
    assert isinstance(result.checks, list) and isinstance(result.problems, list)


@BOUNDED
@given(st.binary(max_size=400), st.sampled_from(["a.csv", "a.xlsx", "a.txt"]))
def test_uploaded_tables(data, name):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            info = inspect(path, name)
            for _row in iter_rows(path, info):
                pass
        except TabularError:
            pass


def test_clean_deep_keeps_shape():
    assert clean_deep({"a\x00": ["b\x07", 1, None]}) == {"a": ["b", 1, None]}
