"""API keys that belong to integrations, not to a person's session.

djangorestframework-api-key makes and checks them: a key is `<prefix>.<secret>`, only its
SHA-512 hash is stored, and it is looked up by its prefix. Its own model uses `prefix.hash` as
the primary key, which would put the hash in every URL, log line and audit row that names a
key; here the key has a plain numeric id instead and keeps the library's fields and checks.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager


class Scope(models.TextChoices):
    READ = "read", "Read: GET anything its owner may see"
    WRITE = "write", "Write: read, and change what its owner may change"
    INGEST = "ingest", "Ingest: only POST /api/v1/signals/"


class ApiKeyManager(BaseAPIKeyManager):
    def assign_key(self, obj) -> str:
        """The library's key and hash, without making them the primary key."""
        key, prefix, hashed_key = self.key_generator.generate()
        obj.prefix, obj.hashed_key = prefix, hashed_key
        return key

    def get_usable_keys(self):
        return super().get_usable_keys().select_related("user")


class ApiKey(AbstractAPIKey):
    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys",
        help_text="The key acts as this person and never sees more than they may.",
    )  # fmt: skip
    scopes = ArrayField(models.CharField(max_length=10, choices=Scope.choices))
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ApiKeyManager()

    class Meta(AbstractAPIKey.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(scopes__contained_by=Scope.values) & Q(scopes__len__gt=0),
                name="apikey_scopes_valid",
            )
        ]

    def allows(self, method: str, url_name: str | None) -> bool:
        """Whether this key's scopes cover a request: `write` includes `read`; `ingest` is
        only the signals push."""
        scopes = set(self.scopes)
        if Scope.WRITE in scopes:
            return True
        if method in ("GET", "HEAD", "OPTIONS"):
            return Scope.READ in scopes
        return Scope.INGEST in scopes and method == "POST" and url_name == "signals"

    @property
    def status(self) -> str:
        if self.revoked:
            return "revoked"
        return "expired" if self.has_expired else "active"
