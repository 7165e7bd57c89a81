import pytest

from lib.http import client_ip


@pytest.mark.parametrize(("meta", "trusted", "expected"), [
    ({"REMOTE_ADDR": "203.0.113.5"}, 0, "203.0.113.5"),
    ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}, 0, "127.0.0.1"),
    ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}, 1, "198.51.100.7"),
    # A client that sends its own X-Forwarded-For cannot choose the address we see.
    ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 198.51.100.7"}, 1, "198.51.100.7"),
    ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 198.51.100.7, 10.0.0.2"}, 2, "198.51.100.7"),
    ({"REMOTE_ADDR": "127.0.0.1"}, 1, "127.0.0.1"),
    ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "bukan-ip"}, 1, None),
    ({}, 0, None),
])
def test_it_finds_the_client_address(meta, trusted, expected):
    assert client_ip(meta, trusted_proxies=trusted) == expected
