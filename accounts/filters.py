import django_filters

from accounts.models import Account


class AccountFilter(django_filters.FilterSet):
    csm = django_filters.CharFilter(field_name="csm__username")
    segment = django_filters.CharFilter()
    renewal_before = django_filters.DateFilter(field_name="renewal_date", lookup_expr="lte")
    renewal_after = django_filters.DateFilter(field_name="renewal_date", lookup_expr="gte")
    external_id = django_filters.CharFilter()

    class Meta:
        model = Account
        fields = ["csm", "segment", "renewal_before", "renewal_after", "external_id"]


class ChildFilter(django_filters.FilterSet):
    account = django_filters.NumberFilter(field_name="account_id")
