"""{% load wording %}: the words staff pages show for moments and audit rows.

- `{{ value|moment }}` → "7 Des 2026 14.05 WIB" in the viewer's zone (`{{ value|moment:office }}`: in that office's
  zone); a date → "7 Des 2026"; None → "—".
- `{% audit_history obj %}` → the object's history as sentences (templates/audit/_history.html).
"""

from django import template

from audit.selectors import describe, history_of
from lib.moments import format_moment

register = template.Library()


@register.filter
def moment(value, zone=None) -> str:
    return format_moment(value, zone)


@register.inclusion_tag("audit/_history.html", takes_context=True)
def audit_history(context, obj, title=None, limit: int = 50):
    request = context.get("request")
    viewer = getattr(request, "user", None)
    lines = describe(history_of(obj, viewer, limit=limit), viewer, links=False) if obj is not None and obj.pk else []
    return {"lines": lines, "title": title}
