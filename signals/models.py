"""Dated events about an account, from product usage and from people. They arrive in bulk."""

from django.db import models
from django.db.models import Q


class SignalKind(models.TextChoices):
    LOGIN = "login", "Login"
    REPORT_GENERATED = "report_generated", "Report generated"
    ROI_REPORT_GENERATED = "roi_report_generated", "ROI report generated"
    COLLEAGUE_INVITED = "colleague_invited", "Colleague invited"
    FEATURE_USED = "feature_used", "Feature used"
    EXPORT = "export", "Export"
    API_CALL = "api_call", "API call"
    SUPPORT_TICKET = "support_ticket", "Support ticket"
    EXEC_MEETING = "exec_meeting", "Exec meeting"
    UPSELL_CALL_ACCEPTED = "upsell_call_accepted", "Upsell call accepted"
    UPSELL_CALL_DECLINED = "upsell_call_declined", "Upsell call declined"
    CONFIDENCE_SURVEY = "confidence_survey", "Confidence survey answer"


class Signal(models.Model):
    # No index of its own: the (account, occurred_at) and (account, kind, occurred_at) ones lead with it.
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="signals", db_index=False
    )
    # The sender's id for the event: unique per account (the idempotency key), not globally, so
    # one book's ids never collide with, or reveal, another's.
    external_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=30, choices=SignalKind.choices)
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
            models.Index(fields=["received_at"], name="signal_received"),
            models.Index(
                fields=["account", "kind", "occurred_at"], name="signal_account_kind_time"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SignalKind.values), name="signal_kind_valid"
            ),
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
    roi_reports = models.PositiveIntegerField(default=0)
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
            )
        ]

    def __str__(self):
        return f"{self.account_id} {self.day}: {self.events} signals"


class SignalFirst(models.Model):
    """When each proof-of-outcome kind first happened for an account (kept by the same triggers)."""

    pk = models.CompositePrimaryKey("account", "kind")
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=30)
    first_at = models.DateTimeField()

    def __str__(self):
        return f"{self.account_id} first {self.kind} {self.first_at:%Y-%m-%d}"


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

    def __str__(self):
        return f"{self.account_id} {self.what} {self.name}: {self.last_at:%Y-%m-%d}"
