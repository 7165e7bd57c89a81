"""Tracking numbers people read aloud over the phone: PREFIX-XXXX-XXXX without 0/O or 1/I/L."""

import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def tracking_number(prefix: str) -> str:
    code = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{prefix}-{code[:4]}-{code[4:]}"
