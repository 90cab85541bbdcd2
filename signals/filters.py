import django_filters

from accounts.filters import ChildFilter


class SignalFilter(ChildFilter):
    """An account's signals by id (an account the caller cannot see lists nothing), and kind."""

    kind = django_filters.CharFilter()
