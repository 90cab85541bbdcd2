"""Filters over health: the accounts list by its current health, and the current-health list."""

import django_filters

from accounts.filters import AccountFilter
from health.models import Rag
from health.scoring.flags import FLAG_LABELS

FLAG_CHOICES = list(FLAG_LABELS.items())


class AccountHealthFilter(AccountFilter):
    """The accounts API's filters, plus the account's current colour and flags."""

    rag = django_filters.ChoiceFilter(field_name="current_health__rag", choices=Rag.choices)
    flag = django_filters.ChoiceFilter(choices=FLAG_CHOICES, method="filter_flag")

    class Meta(AccountFilter.Meta):
        fields = [*AccountFilter.Meta.fields, "rag", "flag"]

    def filter_flag(self, queryset, name, value):
        return queryset.filter(current_health__flag_codes__contains=f",{value},")


class HealthFilter(django_filters.FilterSet):
    """Across accounts, over each account's current health."""

    rag = django_filters.ChoiceFilter(choices=Rag.choices)
    flag = django_filters.ChoiceFilter(choices=FLAG_CHOICES, method="filter_flag")
    csm = django_filters.CharFilter(field_name="account__csm__username")
    segment = django_filters.CharFilter(field_name="account__segment")

    def filter_flag(self, queryset, name, value):
        return queryset.filter(flag_codes__contains=f",{value},")
