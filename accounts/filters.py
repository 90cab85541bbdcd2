import django_filters
from django import forms

from accounts.models import Account


class GivenDateField(forms.DateField):
    """A date filter given empty (`?renewal_before=`) is refused, as the schema's `date` says,
    instead of being read as no filter; one left out filters nothing."""

    def to_python(self, value):
        if value == "":
            raise forms.ValidationError("Enter a date (YYYY-MM-DD), or leave the filter out.")
        return super().to_python(value)


class GivenDateFilter(django_filters.DateFilter):
    field_class = GivenDateField


class AccountFilter(django_filters.FilterSet):
    csm = django_filters.CharFilter(field_name="csm__username")
    segment = django_filters.CharFilter()
    renewal_before = GivenDateFilter(field_name="renewal_date", lookup_expr="lte")
    renewal_after = GivenDateFilter(field_name="renewal_date", lookup_expr="gte")
    external_id = django_filters.CharFilter()

    class Meta:
        model = Account
        fields = ["csm", "segment", "renewal_before", "renewal_after", "external_id"]


class ChildFilter(django_filters.FilterSet):
    account = django_filters.NumberFilter(field_name="account_id")
