"""Dated events about an account, from product usage and from people. They arrive in bulk."""

from django.contrib.postgres.indexes import BrinIndex
from django.core.validators import RegexValidator
from django.db import models

from signals.kinds import CATEGORIES

KIND_CODE = RegexValidator(
    r"^[a-z][a-z0-9_]*$", "Lower-case letters, digits and underscores, starting with a letter."
)


class SignalCategory(models.TextChoices):
    VALUE = "value", "Value (proves the customer got what they bought)"
    USAGE = "usage", "Usage"
    PEOPLE = "people", "People"
    SUPPORT = "support", "Support"
    SURVEY = "survey", "Survey"


assert tuple(SignalCategory.values) == CATEGORIES


class SignalKindDef(models.Model):
    """A kind of signal Candor accepts: the twelve built in (signals 0010), and any a company
    registers (VPs only). Its category decides which rollups count it (value kinds are counted
    per day in `SignalKindDay`), so it changes only while nothing uses the kind; a used kind is
    retired instead of deleted: refused at ingest from then on, kept for the signals that carry it."""

    code = models.CharField(primary_key=True, max_length=30, validators=[KIND_CODE])
    label = models.CharField(max_length=100)
    category = models.CharField(max_length=10, choices=SignalCategory.choices)
    builtin = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(
        null=True, blank=True, help_text="Retired: signals of this kind are no longer accepted."
    )

    class Meta:
        ordering = ["code"]
        verbose_name = "signal kind"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(category__in=SignalCategory.values),
                name="signal_kind_category_valid",
            )
        ]

    def __str__(self):
        return self.code

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


class Signal(models.Model):
    # No index of its own: the (account, occurred_at) and (account, kind, occurred_at) ones lead with it.
    # No foreign key either: a statement trigger checks a batch's accounts at once (migration 0017).
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.CASCADE,
        related_name="signals",
        db_index=False,
        db_constraint=False,
    )
    # The sender's id for the event: unique per account (the idempotency key), not globally, so
    # one book's ids never collide with, or reveal, another's.
    external_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=30, help_text="A registered kind (SignalKindDef).")
    occurred_at = models.DateTimeField()
    actor = models.CharField(max_length=200, blank=True)
    value = models.CharField(
        max_length=255, blank=True, help_text="Feature name, survey answer (0-10), ticket id…"
    )
    source = models.CharField(max_length=50, blank=True, default="api")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["account", "occurred_at"], name="signal_account_time"),
            # The stale sweep's "received in the last two days": signals are appended in the
            # order received, so a summary per block range finds them (nothing kept per row).
            BrinIndex(fields=["received_at"], name="signal_received", autosummarize=True),
            # An account's signals of some kinds (its key events, a scorecard's usage kinds):
            # the time is read from the rows, not the index. Keyed by time too, every write
            # landed on a page of its own (account, kind, day) and a book's history cycled the
            # whole index through the buffer cache (migration 0019).
            models.Index(fields=["account", "kind"], name="signal_account_kind"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "external_id"], name="signal_external_id_per_account"
            ),
        ]

    def __str__(self):
        return f"{self.kind} @ {self.occurred_at:%Y-%m-%d}"


# Days with an upsell call or an exec meeting: the 180-day facts read only these rows.
RARE_EVENT_DAYS = (
    models.Q(upsell_accepted__gt=0)
    | models.Q(upsell_declined__gt=0)
    | models.Q(last_exec_meeting_at__isnull=False)
)


class SignalDay(models.Model):
    """Per account and UTC day: how many signals of the kinds scoring counts, and the latest times.

    Kept up to date by database triggers on `signals_signal` (PostgreSQL; see `signals.rollups`),
    so every writer — the API, COPY, the admin — keeps it right. Scoring reads these ~0.7 rows per
    signal instead of the wide signal rows: windowed counts come from narrow integers.
    """

    RARE_EVENTS = RARE_EVENT_DAYS

    pk = models.CompositePrimaryKey("account", "day")
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    events = models.PositiveIntegerField(default=0)
    invites = models.PositiveIntegerField(default=0)
    upsell_accepted = models.PositiveIntegerField(default=0)
    upsell_declined = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField()
    last_exec_meeting_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["account", "day"],
                include=["upsell_accepted", "upsell_declined", "last_exec_meeting_at"],
                condition=RARE_EVENT_DAYS,
                name="signal_day_rare_idx",
            ),
            # The days a window's edge crosses at midnight, for every account at once.
            models.Index(fields=["day"], name="signal_day_day_idx"),
        ]

    def __str__(self):
        return f"{self.account_id} {self.day}: {self.events} signals"


class SignalFirst(models.Model):
    """When each kind first happened for an account (kept by the same triggers): any kind can
    prove an outcome milestone."""

    pk = models.CompositePrimaryKey("account", "kind")
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=30)
    first_at = models.DateTimeField()

    def __str__(self):
        return f"{self.account_id} first {self.kind} {self.first_at:%Y-%m-%d}"


class SignalKindDay(models.Model):
    """Per account, kind and UTC day: how many signals of that kind, kept by the same triggers
    for the kinds of category "value" and "survey" only (they are rare, so this stays small).
    Each scorecard counts its own value kinds from it and asks whether any were ever received;
    for survey kinds `answers` counts the answers that were numbers and `answer_sum` adds them
    up, so a window's mean answer is one grouped read."""

    pk = models.CompositePrimaryKey("account", "kind", "day")
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=30)
    day = models.DateField()
    events = models.PositiveIntegerField(default=0)
    answers = models.PositiveIntegerField(default=0)
    answer_sum = models.FloatField(default=0)

    class Meta:
        # A kind's days: "has any account of this scorecard ever sent one of its value kinds?",
        # and a shard's support and survey days, its id range checked in the index (a key of
        # kind and day alone had each of 8 shards fetch every account's rows of the window).
        indexes = [
            models.Index(fields=["kind", "day", "account"], name="signal_kind_day_account_idx")
        ]

    def __str__(self):
        return f"{self.account_id} {self.kind} {self.day}: {self.events}"


class SignalLastSeen(models.Model):
    """When each person last used the product, and each feature was last used, per account.

    Distinct counts over a window ("active users in 30 days") cannot be summed from daily rows;
    with the latest time per (account, actor) and (account, feature) they become a filtered
    count over a few rows per account. Kept by the same triggers as the other rollups.
    """

    ACTOR, FEATURE = "actor", "feature"

    pk = models.CompositePrimaryKey("account", "what", "name")
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    what = models.CharField(max_length=7)
    name = models.CharField(max_length=255)
    last_at = models.DateTimeField()

    class Meta:
        # The people and features whose last use leaves a window at midnight.
        indexes = [models.Index(fields=["last_at"], name="signal_last_seen_at_idx")]

    def __str__(self):
        return f"{self.account_id} {self.what} {self.name}: {self.last_at:%Y-%m-%d}"


class SignalSummary(models.Model):
    """Per account, its signal windows as they stood at the end of `as_of`: one row scoring
    today reads instead of 90 days of `SignalDay` and every `SignalLastSeen` row.

    Kept by statement triggers on the rollups (signals 0015, see `signals.summaries`): every
    change to a rollup row adds what it adds to the windows ending at `as_of`, so ingest,
    backfills, imports, updates and deletes keep it right. Windows slide at midnight without
    ingest: `signal_summaries_refresh` moves a row to a later day by reading only the rollup rows
    of the days that enter or leave a window. A latest time that a change takes away cannot be
    subtracted: that row is deleted and computed anew when next read.
    """

    account = models.OneToOneField(
        "accounts.Account", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    as_of = models.DateField()
    # Plain integers: a bug must not make ingest fail on a CHECK; the tests compare to the rollups.
    events_ever = models.IntegerField(default=0)
    activity_30d = models.IntegerField(default=0)
    activity_prev_30d = models.IntegerField(default=0)
    invites_90d = models.IntegerField(default=0)
    upsell_accepted_180d = models.IntegerField(default=0)
    upsell_declined_180d = models.IntegerField(default=0)
    last_signal_at = models.DateTimeField(null=True)
    last_exec_meeting_at = models.DateTimeField(null=True)
    active_users_30d = models.IntegerField(default=0)
    features_90d = models.IntegerField(default=0)
    # Last-seen rows dated after as_of: while any, that account's distinct counts are not exact.
    seen_ahead = models.IntegerField(default=0)

    def __str__(self):
        return f"{self.account_id} as of {self.as_of}"
