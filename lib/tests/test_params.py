import pytest

from lib.params import parse_id


@pytest.mark.parametrize(("value", "expected"), [("12", 12), (" 7 ", 7), ("", None), (None, None), ("abc", None),
                                                 ("²", None), ("٣", None), ("-1", None), ("1" * 19, None),
                                                 ("1.5", None), (42, 42)])
def test_it_parses_only_plain_ids(value, expected):
    assert parse_id(value) == expected
