"""The client's address as seen past the reverse proxies this installation trusts."""

import ipaddress


def client_ip(meta: dict, *, trusted_proxies: int) -> str | None:
    """REMOTE_ADDR, or with N trusted proxies in front, the address the outermost trusted proxy saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so the entry N from the
    right is the one written by our outermost proxy; anything further left is client-supplied and not trusted.
    """
    address = meta.get("REMOTE_ADDR")
    if trusted_proxies > 0:
        hops = [h.strip() for h in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= trusted_proxies:
            address = hops[-trusted_proxies]
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def network_of(address: str | None) -> str | None:
    """The unit a throttle counts: an IPv4 address, or the /64 an IPv6 address belongs to.

    One IPv6 subscriber usually gets a whole /64 and can rotate through it freely; counting single addresses
    would let them escape every per-address limit.
    """
    if not address:
        return None
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    if parsed.version == 6:
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)
