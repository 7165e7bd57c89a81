"""Where the server may send HTTP requests: host patterns and address checks (used by settings and channels/http.py).

A pattern is a host name ("graph.facebook.com") or "*." and a domain ("*.fbcdn.net": any name below fbcdn.net).
"""

import ipaddress
from collections.abc import Iterable

# The provider APIs, and the hosts WhatsApp media downloads are served from (the media URL Graph answers with).
META_HOSTS = ("graph.facebook.com", "lookaside.fbsbx.com", "*.fbcdn.net", "*.whatsapp.net")
TELEGRAM_HOSTS = ("api.telegram.org",)
DEFAULT_OUTBOUND_HOSTS = (*META_HOSTS, *TELEGRAM_HOSTS)


def parse_hosts(value: str | None, default: Iterable[str] = DEFAULT_OUTBOUND_HOSTS) -> list[str]:
    """An environment variable's comma- (or space-) separated patterns, lower-cased; unset gives the default."""
    if value is None:
        return list(default)
    return [part.strip().lower().rstrip(".") for part in value.replace(",", " ").split() if part.strip()]


def host_matches(host: str, patterns: Iterable[str]) -> bool:
    host = host.strip("[]").lower().rstrip(".")
    for pattern in patterns:
        pattern = pattern.lower().rstrip(".")
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return None


def is_public_address(address: str) -> bool:
    """False for private, loopback, link-local, shared (CGNAT), multicast, reserved and unspecified addresses,
    also when written as an IPv4-mapped IPv6 address; False for anything that is not an address."""
    ip = ip_literal(address)
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast
