"""What the score finds, turned into work: actions, playbooks, rules, snoozes, CSM sentiment,
and webhooks that tell other systems."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.limits import STEP_TEXT_LIMIT, STEPS_LIMIT, FreeTextField
from health.scoring.flags import FLAG_LABELS


class Rule(models.TextChoices):
    ENTERED_RED = "entered_red", "Entered red"
    SCORE_DROP = "score_drop", "Score drop"
    FLAG_RAISED = "flag_raised", "Flag raised"
    RENEWAL_AT_RISK = "renewal_at_risk", "Renewal at risk"
    SENTIMENT_STALE = "sentiment_stale", "Sentiment stale"
    MANUAL = "manual", "Added by hand"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    DISMISSED = "dismissed", "Dismissed"
    # Closed by the rules: the condition that raised it cleared (see actions.resolutions).
    RESOLVED = "resolved", "Resolved"


class Rating(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


def _choices_check(field, choices, name) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


class Playbook(models.Model):
    """The default steps for what a rule or a flag found. `code` is a flag code (for
    flag_raised) or a rule code; the steps are copied into each action it raises."""

    code = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=200, help_text="The action's title.")
    steps = models.JSONField(default=list, help_text="A list of step texts, in order.")
    active = models.BooleanField(
        default=True, help_text="Off: the rules raise no action for this flag (or rule)."
    )

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code}: {self.title}"

    def clean(self):
        if not isinstance(self.steps, list) or not all(
            isinstance(step, str) and step.strip() for step in self.steps
        ):
            raise ValidationError({"steps": "Steps must be a list of non-empty texts."})
        if len(self.steps) > STEPS_LIMIT:
            raise ValidationError({"steps": f"At most {STEPS_LIMIT} steps."})
        if any(len(step) > STEP_TEXT_LIMIT for step in self.steps):
            raise ValidationError({"steps": f"At most {STEP_TEXT_LIMIT} characters a step."})

    @property
    def label(self) -> str:
        """What the playbook answers: a flag's label, or a rule's."""
        if self.code in FLAG_LABELS:
            return FLAG_LABELS[self.code]
        return Rule(self.code).label if self.code in Rule.values else self.code


class RuleSetting(models.Model):
    """A rule's switch and thresholds, editable in the admin. `points` and `days` mean what
    the rule says (score_drop: points in days; renewal_at_risk: renewing within days)."""

    rule = models.CharField(max_length=20, choices=Rule.choices, unique=True)
    active = models.BooleanField(default=True)
    points = models.PositiveIntegerField(default=0, help_text="score_drop: the drop that fires.")
    days = models.PositiveIntegerField(default=0, help_text="The rule's window in days.")
    due_in_days = models.PositiveIntegerField(
        default=7, help_text="An action it raises is due this many days later."
    )

    class Meta:
        ordering = ["rule"]
        constraints = [_choices_check("rule", Rule, "rulesetting_rule_valid")]

    def __str__(self):
        return self.get_rule_display()


class Action(models.Model):
    """Work for someone, raised by a rule or added by hand. Ticking its steps never moves the
    score: only outcome signals do."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="actions"
    )
    title = models.CharField(max_length=200)
    reason = FreeTextField(blank=True, help_text="The words of the flag or change behind it.")
    rule = models.CharField(max_length=20, choices=Rule.choices, default=Rule.MANUAL)
    flag = models.CharField(max_length=40, blank=True, help_text="flag_raised: which flag.")
    playbook = models.ForeignKey(
        Playbook, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    steps = models.JSONField(default=list, blank=True, help_text="[{text, done}]")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="actions",
    )  # fmt: skip
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default="open")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    fired_at = models.DateTimeField(
        default=timezone.now, help_text="When a rule last fired it (re-firing updates it)."
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    outcome_note = FreeTextField(blank=True)
    resolution = FreeTextField(
        blank=True,
        db_default="",
        help_text="Resolved: what cleared (e.g. 'Account left red (now amber)').",
    )

    class Meta:
        ordering = ["due_on", "-created_at", "id"]
        indexes = [
            models.Index(fields=["account", "rule", "flag", "created_at"], name="action_rule_idx"),
            models.Index(fields=["status", "owner"], name="action_status_owner_idx"),
            models.Index(fields=["created_at"], name="action_created_idx"),
            # /my-work/: open actions by due date (and owner), read in order and counted by
            # bucket and owner from the index alone.
            models.Index(
                fields=["due_on", "owner", "id"],
                condition=Q(status="open"),
                name="action_open_due_idx",
            ),  # fmt: skip
        ]
        constraints = [
            # At most one open action per (account, rule, flag) a rule raised: a rule that
            # fires again updates it (the rules' INSERT ... ON CONFLICT relies on this index).
            # Actions added by hand are not limited.
            models.UniqueConstraint(
                fields=["account", "rule", "flag"],
                condition=Q(status="open") & ~Q(rule="manual"),
                name="one_open_action_per_rule_and_flag",
            ),
            _choices_check("status", ActionStatus, "action_status_valid"),
            _choices_check("rule", Rule, "action_rule_valid"),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True)
                | (~Q(status="open") & Q(closed_at__isnull=False)),
                name="action_closed_at_iff_closed",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == ActionStatus.OPEN

    @property
    def steps_done(self) -> int:
        return sum(1 for step in self.steps if step.get("done"))

    @property
    def flag_label(self) -> str:
        return FLAG_LABELS.get(self.flag, self.flag)

    @property
    def next_step(self) -> str | None:
        """The playbook's next step: the first one not ticked (None when all are, or none)."""
        return next((step["text"] for step in self.steps if not step.get("done")), None)


class FlagSnooze(models.Model):
    """A CSM silences a flag's alerts on an account for a while: no new actions or alerts for
    it until `until`, when it is raised again if still there. The flag, its reasons and its
    effect on the colour stay visible meanwhile: the truth is never snoozed."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="snoozes"
    )
    flag = models.CharField(max_length=40)
    reason = FreeTextField()
    snoozed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    until = models.DateField()
    reraised_at = models.DateTimeField(
        null=True, blank=True, help_text="When the rules raised the flag again after it ended."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "flag", "until"], name="snooze_account_idx")]

    def __str__(self):
        return f"{self.flag} on {self.account_id} until {self.until}"

    def is_active(self, today=None) -> bool:
        return self.until > (today or timezone.now().date())


class Sentiment(models.Model):
    """What the CSM believes, beside what the data says. Appended, never overwritten; the
    newest is the account's sentiment until it expires."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="sentiments"
    )
    rating = models.CharField(max_length=5, choices=Rating.choices)
    reason = FreeTextField()
    valid_days = models.PositiveIntegerField(
        default=30, validators=[MinValueValidator(7), MaxValueValidator(90)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_on = models.DateField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "created_at"], name="sentiment_account_idx")]
        constraints = [
            _choices_check("rating", Rating, "sentiment_rating_valid"),
            models.CheckConstraint(
                condition=Q(valid_days__gte=7, valid_days__lte=90), name="sentiment_valid_days"
            ),
        ]

    def __str__(self):
        return f"{self.rating} by {self.created_by_id} on {self.created_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if not self.expires_on:
            self.expires_on = self.created_at.date() + timedelta(days=self.valid_days)
        super().save(*args, **kwargs)

    def is_stale(self, today=None) -> bool:
        return self.expires_on <= (today or timezone.now().date())


class AlertState(models.Model):
    """What the rules last saw of an account (RAG, score, flags): each run compares the new
    CurrentHealth with it, so a flag is "raised" once, retries announce nothing twice, and
    only the accounts that changed are written."""

    account = models.OneToOneField(
        "accounts.Account", primary_key=True, on_delete=models.CASCADE, related_name="+",
        db_constraint=False,
    )  # fmt: skip
    rag = models.CharField(max_length=7)
    flag_codes = models.CharField(max_length=400, blank=True)
    computed_at = models.DateTimeField()
    first_known_on = models.DateField(
        null=True, blank=True,
        help_text="The day the rules first saw it red, amber or green: a score drop compares "
        "only with scores from then on, never with history a backfill or a load wrote before. "
        "Null: known before this was recorded, or not known yet (unknown).",
    )  # fmt: skip

    def __str__(self):
        return f"{self.account_id}: {self.rag} {self.flag_codes}"


class WebhookEvent(models.TextChoices):
    HEALTH_CHANGED = "health.changed", "Health changed (RAG moved)"
    FLAG_RAISED = "flag.raised", "Flag raised"
    FLAG_CLEARED = "flag.cleared", "Flag cleared"
    ACTION_CREATED = "action.created", "Action created"
    DIGEST = "digest", "Daily digest"


PING = "ping"


class WebhookKind(models.TextChoices):
    GENERIC = "generic", "Generic JSON (Standard Webhooks)"
    SLACK = "slack", "Slack incoming webhook (Block Kit messages)"


class Webhook(models.Model):
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list)
    secret = models.CharField(
        max_length=200,
        help_text="Signs every delivery. Issued as whsec_<base64>: Standard Webhooks signs with "
        "the decoded bytes (an older secret without the prefix, with its own bytes).",
    )
    kind = models.CharField(max_length=10, choices=WebhookKind.choices, default="generic")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [_choices_check("kind", WebhookKind, "webhook_kind_valid")]

    def __str__(self):
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one webhook: the exact body signed, and how it went."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=30)
    body = models.TextField(help_text="The JSON sent, byte for byte as signed.")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default="pending")
    status_code = models.PositiveIntegerField(null=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(
        null=True, help_text="When it was handed to the task queue; empty while the broker was "
        "down, until the resend sweep hands it over.",
    )  # fmt: skip
    delivered_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["webhook", "created_at"], name="delivery_webhook_idx"),
            models.Index(
                fields=["created_at"],
                condition=Q(status="pending", queued_at__isnull=True),
                name="delivery_unqueued_idx",
            ),  # fmt: skip
        ]
        constraints = [_choices_check("status", DeliveryStatus, "delivery_status_valid")]

    def __str__(self):
        return f"{self.event} to {self.webhook_id}: {self.status}"
