"""Writes: issue, revoke and mark API keys used."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.models import ApiKey

# last_used_at is written at most once a minute per key: an ingest loop must not turn every
# request into an UPDATE of the same row.
TOUCH_EVERY = timedelta(minutes=1)


@transaction.atomic
def api_key_create(*, owner, name: str, scopes: list[str], created_by, expires_at=None):
    """A new key for `owner`; returns (key, the key's text), which is shown only this once."""
    return ApiKey.objects.create_key(
        user=owner, name=name, scopes=sorted(set(scopes)), expiry_date=expires_at,
        created_by=created_by,
    )  # fmt: skip


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revoked for good (the library refuses to un-revoke); revoking twice changes nothing."""
    if not api_key.revoked:
        api_key.revoked = True
        api_key.save(update_fields=["revoked"])
    return api_key


def api_key_touch(*, api_key: ApiKey) -> None:
    now = timezone.now()
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_EVERY)
    ApiKey.objects.filter(stale, pk=api_key.pk).update(last_used_at=now)
