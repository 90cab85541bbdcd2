"""Whether the navigation shows a lens to the signed-in person (the views ask the same)."""

from django import template

from lenses.selectors import sales_lens_allowed, terms_lens_allowed

register = template.Library()


@register.filter
def sees_sales_lens(user) -> bool:
    return sales_lens_allowed(user)


@register.filter
def sees_terms_lens(user) -> bool:
    return terms_lens_allowed(user)
