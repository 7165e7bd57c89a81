from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from lib.moments import EMPTY

register = template.Library()


@register.filter
def figure(value) -> str:
    """A figure as people read it: 1.234 or 12,5; — when it cannot be computed (no data)."""
    return EMPTY if value is None else intcomma(value)


@register.filter
def change(value) -> str:
    """The change from the previous period with its sign: +3, −2, 0; — when either side is missing."""
    if value is None:
        return EMPTY
    if isinstance(value, float):
        value = round(value, 1)
    if value > 0:
        return "+" + intcomma(value)
    if value < 0:
        return "−" + intcomma(-value)
    return "0"
