from django import template
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from dashboard.book import flag_chips as chips_for
from health.scoring import reasons

register = template.Library()


@register.filter
def flag_chips(flag_codes) -> list[dict]:
    return chips_for(flag_codes or "")


@register.filter
def money(value) -> str:
    if value in (None, ""):
        return "—"
    value = float(value)
    if value >= 1_000_000_000:
        return f"${value / 1_000_000_000:.1f}B"
    if value >= 1_000_000:
        return f"${value / 1_000_000:.1f}M"
    if value >= 1_000:
        return f"${value / 1_000:.0f}k"
    return f"${value:.0f}"


@register.filter
def score(value) -> str:
    return "—" if value is None or value == "" else f"{value:.0f}"  # "": an unscored account


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
    value = (mapping or {}).get(key)
    return {} if value is None else value  # a 0 or 0.0 is a figure, not a missing one


# By the sign of the rounded change: CSS class, what leads the number, the direction in words.
CHANGE_LOOKS = {
    1: ("up", "▲ +", "up"),
    -1: ("down", "▼ −", "down"),
    0: ("muted", "= ", "no change"),
}


@register.simple_tag
def score_change(value, digits: int = 0, suffix: str = ""):
    """A change in score as an arrow and a signed number, judged after rounding: +0.3 shown
    to whole points is no change, not an arrow up. The words carry the direction too."""
    if value is None:
        return mark_safe('<span class="muted">—</span>')
    shown = round(float(value), digits)
    sign = (shown > 0) - (shown < 0)
    css, lead, words = CHANGE_LOOKS[sign]
    number = f"{abs(shown):.{digits}f}" if sign else "0"
    return format_html(
        '<span class="{}">{}{}{} <span class="visually-hidden">({})</span></span>',
        css, lead, number, suffix, words,
    )  # fmt: skip


@register.filter
def pct(value, digits: int = 0) -> str:
    """A share as a percentage; "–" when there is nothing to divide (no churn, no green)."""
    if value is None or value == "" or value == {}:  # {}: get_item found nothing
        return "–"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.filter
def in_section(messages, section: str) -> list:
    """The messages for one section of a page (their extra tag names it), or, for "", those
    for no section: a confirmation is shown where the person is, not off screen at the top."""
    return [message for message in messages or () if (message.extra_tags or "") == section]


@register.filter
def days_ago(moment) -> str:
    """When something happened, in whole days, as the score's reasons say it."""
    if moment is None:
        return ""
    return reasons.days_ago((timezone.localdate() - timezone.localtime(moment).date()).days)


@register.filter
def split(text: str) -> list[str]:
    return text.split()


@register.simple_tag
def plotly_js_url() -> str:
    """The chart script's URL, naming the installed plotly version so it can be cached for
    good: a new plotly is a new URL."""
    import plotly

    return f"{reverse('plotly_js')}?v={plotly.__version__}"


@register.filter
def ago(moment) -> str:
    """ "just now" for the last minute, then Django's "3 hours ago": a note written a moment
    ago does not read "0 minutes ago"."""
    if moment is None:
        return ""
    if (timezone.now() - moment).total_seconds() < 60:
        return "just now"
    return f"{timesince(moment)} ago"
