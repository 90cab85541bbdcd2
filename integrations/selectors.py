"""Reads: which API keys a person may see (and revoke): a VP all of them, anyone else their own."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.selectors import user_is_vp
from integrations.models import ApiKey


def api_keys_visible_to(user) -> QuerySet[ApiKey]:
    keys = ApiKey.objects.select_related("user").order_by("-created", "-id")
    return keys if user_is_vp(user) else keys.filter(user=user)


def api_key_get_for_user(user, pk) -> ApiKey:
    return get_object_or_404(api_keys_visible_to(user), pk=pk)
