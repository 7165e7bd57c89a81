"""Numbers from query strings and forms: ASCII digits only, and small enough for a database key."""

import re

ID = re.compile(r"[0-9]{1,18}")


def parse_id(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if ID.fullmatch(text) else None
