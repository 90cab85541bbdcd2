from django import template
from django.http import QueryDict

from health.dashboard import flag_chips as chips_for

register = template.Library()


@register.filter
def flag_chips(flag_codes) -> list[dict]:
    return chips_for(flag_codes or "")


@register.filter
def money(value) -> str:
    if value in (None, ""):
        return "—"
    value = float(value)
    if value >= 1_000_000:
        return f"${value / 1_000_000:.1f}M"
    if value >= 1_000:
        return f"${value / 1_000:.0f}k"
    return f"${value:.0f}"


@register.filter
def score(value) -> str:
    return "—" if value is None else f"{value:.0f}"


@register.simple_tag
def sort_link(querystring: str, column: str, current: str, descending: bool) -> str:
    """The URL that sorts by `column`, flipping direction when it is already the sort."""
    query = QueryDict(querystring, mutable=True)
    query["sort"] = column
    flip = column == current and not descending
    if flip:
        query["dir"] = "desc"
    else:
        query.pop("dir", None)
    return f"?{query.urlencode()}"


@register.simple_tag
def page_link(querystring: str, number: int) -> str:
    query = QueryDict(querystring, mutable=True)
    query["page"] = number
    return f"?{query.urlencode()}"


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key) or {}
