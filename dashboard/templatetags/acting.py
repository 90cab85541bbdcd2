"""Template filters for the acting partials (actions, snoozes, timeline)."""

from django import template

from actions.selectors import flag_label as label_of

register = template.Library()


@register.filter
def flag_label(code) -> str:
    return label_of(code or "")


@register.filter
def get_item(mapping, key):
    """mapping[key], or None: a dict looked up by a variable (a flag code, an event type)."""
    return mapping.get(key) if hasattr(mapping, "get") else None
