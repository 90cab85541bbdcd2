import django_filters

from accounts.models import Account
from candor.filters import MAX_ID, GivenDateFilter, IdFilter


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
    """An account's children by its id: an account that does not exist, or that the caller
    cannot see, lists nothing (not a 400 the schema's integer would not predict)."""

    account = IdFilter(field_name="account_id", min_value=1, max_value=MAX_ID)
