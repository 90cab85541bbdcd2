"""Who is sending: a source, by its key, as Segment's HTTP API takes it (HTTP Basic with the key
as the username and an empty password, or `Authorization: Bearer KEY`). Ingest only: the REST
API never reads these keys."""

import base64
import binascii
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

from sources.models import KEY_PREFIX_LENGTH, Source

TOUCH_EVERY = timedelta(minutes=1)  # key_last_used_at is a fact for people, not a counter
CACHED_FOR = 5  # seconds a source is kept by key prefix; revoke and rotate forget it at once


def key_from_header(header: str) -> str | None:
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() == "bearer":
        return credentials.strip() or None
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[0] or None


def source_for_key(key: str | None) -> Source | None:
    """The live source of this key (None when wrong or revoked); notes when it was used."""
    if not key or len(key) > 200:
        return None
    prefix = key[:KEY_PREFIX_LENGTH]
    source = cache.get(source_cache_key(prefix))
    if source is None:
        source = Source.objects.filter(key_prefix=prefix, revoked=False).first()
        if source is None:
            return None
        cache.set(source_cache_key(prefix), source, CACHED_FOR)
    if not source.key_matches(key):
        return None
    now = timezone.now()
    if source.key_last_used_at is None or source.key_last_used_at < now - TOUCH_EVERY:
        Source.objects.filter(pk=source.pk).update(key_last_used_at=now)
        source.key_last_used_at = now
        cache.set(source_cache_key(prefix), source, CACHED_FOR)
    return source


def source_cache_key(prefix: str) -> str:
    return f"sources:by-key-prefix:{prefix}"
