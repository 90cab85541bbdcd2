import django_filters

from accounts.models import Account, Segment
from health.models import Rag

FLAG_CHOICES = [
    (code, code)
    for code in (
        "renewal_without_engagement", "checklist_illusion", "stakeholder_misalignment",
        "commitment_gap", "champion_left", "handoff_context_missing", "custom_terms", "stale_data",
    )
]  # fmt: skip


class AccountFilter(django_filters.FilterSet):
    csm = django_filters.CharFilter(field_name="csm__username")
    rag = django_filters.ChoiceFilter(field_name="current_health__rag", choices=Rag.choices)
    flag = django_filters.ChoiceFilter(choices=FLAG_CHOICES, method="filter_flag")
    segment = django_filters.ChoiceFilter(choices=Segment.choices)
    renewal_before = django_filters.DateFilter(field_name="renewal_date", lookup_expr="lte")
    renewal_after = django_filters.DateFilter(field_name="renewal_date", lookup_expr="gte")
    external_id = django_filters.CharFilter()

    class Meta:
        model = Account
        fields = ["csm", "rag", "flag", "segment", "renewal_before", "renewal_after", "external_id"]

    def filter_flag(self, queryset, name, value):
        prefix = "current_health__" if queryset.model is Account else ""
        return queryset.filter(**{f"{prefix}flag_codes__contains": f",{value},"})


class HealthFilter(django_filters.FilterSet):
    """Across accounts, over each account's current health."""

    rag = django_filters.ChoiceFilter(choices=Rag.choices)
    flag = django_filters.ChoiceFilter(choices=FLAG_CHOICES, method="filter_flag")
    csm = django_filters.CharFilter(field_name="account__csm__username")
    segment = django_filters.ChoiceFilter(field_name="account__segment", choices=Segment.choices)

    def filter_flag(self, queryset, name, value):
        return queryset.filter(flag_codes__contains=f",{value},")


class ChildFilter(django_filters.FilterSet):
    account = django_filters.NumberFilter(field_name="account_id")
