"""Filters that read a query as its schema says: a parameter given empty or malformed is
refused (400), never read as "no filter"; one left out filters nothing."""

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

MAX_ID = 2**63 - 1  # PostgreSQL's bigint


class GivenDateField(forms.DateField):
    """A date filter given empty (`?renewal_before=`) is refused, as the schema's `date` says,
    instead of being read as no filter; one left out filters nothing."""

    def to_python(self, value):
        if value == "":
            raise forms.ValidationError("Enter a date (YYYY-MM-DD), or leave the filter out.")
        return super().to_python(value)


class GivenDateFilter(django_filters.DateFilter):
    field_class = GivenDateField


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class GivenBooleanField(forms.Field):
    """true or false; django-filter's own reads anything else as "no filter"."""

    widget = forms.TextInput

    def to_python(self, value):
        if value is None:
            return None
        if value in ("true", "false"):
            return value == "true"
        raise forms.ValidationError("Say true or false, or leave the filter out.")


class GivenBooleanFilter(django_filters.BooleanFilter):
    field_class = GivenBooleanField
