"""Personal data out of log lines: phone numbers, e-mail addresses, the self-registration and unsubscribe tokens in
paths and the value of `q=` (the member search) are masked before a record reaches a handler.

Access-log lines (runserver's `django.server`, gunicorn's `gunicorn.access`) are records like any other, so the same
filter covers them. Wired into settings.LOGGING on every handler.
"""

import logging
import re

# E.164 ("+62 812-3456-7890", also URL-encoded "%2B62…") and Indonesian national numbers ("0812…", "62812…").
PHONE = re.compile(r"(?<![\w%+])(?:(?:\+|%2[bB])\d(?:[\s.\-]?\d){7,14}|(?:62|0)8\d(?:[\s.\-]?\d){6,12})(?!\w)")
EMAIL = re.compile(r"[\w.+\-]+(?:@|%40)[\w\-]+(?:\.[\w\-]+)+")
PATH_TOKEN = re.compile(r"(/(?:daftar|berhenti)/)[^/\s?#\"']+")
SEARCH = re.compile(r"([?&;]q=)[^&\s#\"']+")


def redact(text: str) -> str:
    text = PATH_TOKEN.sub(r"\1[token]", text)
    text = SEARCH.sub(r"\1[redacted]", text)
    text = EMAIL.sub("[email]", text)
    return PHONE.sub("[phone]", text)


class RedactingFilter(logging.Filter):
    """Rewrites the record's message (msg with its args applied) in place; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: the handler reports it as usual
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
