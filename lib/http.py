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
