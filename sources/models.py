"""Where product events come from: Segment-spec sources, each with its own ingest key, trait
map and event map, and every message they sent kept raw (see `sources.raw` for its partitions)."""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models

KEY_PREFIX_LENGTH = 12


def key_hash(key: str) -> str:
    """Keys are 32 random bytes: a plain SHA-256 is enough (no password stretching needed)."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def key_new() -> str:
    return "cds_" + secrets.token_urlsafe(32)


class Source(models.Model):
    """A sender of Segment-spec messages (a Segment workspace destination, RudderStack, curl).

    The key is shown once; only its hash is kept, found by its first characters (`key_prefix`).
    A key can only ingest: it is never an API token."""

    name = models.CharField(max_length=100, unique=True)
    key_prefix = models.CharField(max_length=KEY_PREFIX_LENGTH, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    key_last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    default_csm = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", help_text="Owns accounts whose CSM no group call names.",
    )  # fmt: skip
    trait_map = models.JSONField(
        default=dict, blank=True, help_text='Candor field: trait name, e.g. {"arr": "arr"}.'
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def key_set(self) -> str:
        """A fresh key for this source (the caller saves): returns it, keeps only its hash."""
        key = key_new()
        self.key_prefix, self.key_hash = key[:KEY_PREFIX_LENGTH], key_hash(key)
        return key

    def key_matches(self, key: str) -> bool:
        return hmac.compare_digest(self.key_hash, key_hash(key))

    @property
    def owner(self):
        """Who owns an account the source creates when its CSM is not given."""
        return self.default_csm or self.created_by


class EventMapping(models.Model):
    """One event name a source has sent: how often, when, and what Candor makes of it (a
    signal `kind`, or nothing while `kind` is null)."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="events")
    event = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, null=True, blank=True)
    value_property = models.CharField(max_length=200, null=True, blank=True)
    count = models.BigIntegerField(default=0)
    first_seen = models.DateTimeField(null=True, blank=True)  # null: mapped before it was seen
    last_seen = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["source", "-count", "event"]
        constraints = [
            models.UniqueConstraint(fields=["source", "event"], name="one_mapping_per_event")
        ]

    def __str__(self):
        return f"{self.event} -> {self.kind or '(ignored)'}"


class SourceUser(models.Model):
    """A user's latest `group` call: the account their later events belong to."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="+")
    user_id = models.CharField(max_length=200)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    grouped_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "user_id"], name="one_group_per_user")
        ]

    def __str__(self):
        return f"{self.user_id} in account {self.account_id}"


class Outcome(models.TextChoices):
    PENDING = "pending", "Pending"  # kept raw by a request, not yet drained (services)
    SIGNAL = "signal", "Signal stored"
    ACCOUNT = "account", "Account upserted"
    STAKEHOLDER = "stakeholder", "Stakeholder upserted"
    DUPLICATE = "duplicate", "Duplicate"
    UNMAPPED = "unmapped", "Skipped: unmapped"
    SKIPPED = "skipped", "Skipped"
    REFUSED = "refused", "Refused"


class RawBody(models.JSONField):
    """A raw body, kept as `json` (migration 0005): the driver hands it over parsed already."""

    def from_db_value(self, value, expression, connection):
        return value


class RawMessage(models.Model):
    """A message as received (compact JSON), and what became of it. The table is partitioned
    by the month received (made by migration 0002's SQL, `sources.raw`): its real primary key is
    (source_id, id, received_at) (migration 0004), so Django only reads it."""

    id = models.BigAutoField(primary_key=True)
    source = models.ForeignKey(Source, on_delete=models.DO_NOTHING, related_name="+")
    received_at = models.DateTimeField()
    message_id = models.CharField(max_length=200, null=True)
    type = models.CharField(max_length=10)
    event = models.CharField(max_length=200, null=True)
    user_id = models.CharField(max_length=200, null=True)
    account_id = models.BigIntegerField(null=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    detail = models.CharField(max_length=300, blank=True)
    body = RawBody(null=True)

    class Meta:
        managed = False
        db_table = "sources_rawmessage"
        ordering = ["-id"]

    def __str__(self):
        return f"{self.type} {self.event or ''} {self.outcome}"
