"""Health scores, kept as history, and the scorecards that produced them."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property

from health.scoring.constants import (  # noqa: F401  (re-exported for the app)
    COMPONENTS,
    DEFAULT_TARGETS,
    DEFAULT_THRESHOLDS,
    DEFAULT_WEIGHTS,
)
from health.scoring.flags import CAPPING_FLAGS, FLAG_CODES
from signals.kinds import DEFAULT_USAGE_KINDS, DEFAULT_VALUE_KINDS
from signals.models import SignalKindDef


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"
    # No signal received yet and still within the scorecard's silence_grace_days: no colour.
    UNKNOWN = "unknown", "Unknown"


# The colours a score can have, in the order pages count them.
RAGS = tuple(Rag.values)
# The one definition of "at risk", wherever ARR at risk is shown: red plus amber.
AT_RISK_RAGS = (Rag.RED.value, Rag.AMBER.value)


# What a new scorecard starts from, for each of its lists left unset (None; [] is a choice).
DEFAULT_LISTS = {
    "capping_flags": CAPPING_FLAGS,
    "value_kinds": DEFAULT_VALUE_KINDS,
    "usage_kinds": DEFAULT_USAGE_KINDS,
}


# What a scorecard version freezes: everything the scorer and the features read from it.
SPEC_FIELDS = ("weights", "thresholds", "targets", "capping_flags", "value_kinds", "usage_kinds")


class Scorecard(models.Model):
    """The live weights, thresholds, targets, capping flags and signal kinds of one segment (or
    of every segment without its own, when `segment` is blank).

    Every edit that changes any of them writes a new immutable `ScorecardVersion` and makes it
    live (`version` names it); a score records the scorecard and the version that produced it.
    Set `edited_by` before `save()` to record who made the edit.
    """

    name = models.CharField(max_length=100, default="Default")
    segment = models.CharField(
        max_length=20, blank=True, help_text="Blank: applies to every segment without its own."
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    weights = models.JSONField(default=dict, blank=True)
    thresholds = models.JSONField(default=dict, blank=True)
    targets = models.JSONField(default=dict, blank=True)
    capping_flags = models.JSONField(
        null=True, blank=True, help_text="Flags that cap a green score at amber (blank: defaults)."
    )
    value_kinds = models.JSONField(
        null=True, blank=True,
        help_text="Signal kinds (of category value) that prove the customer got what they bought.",
    )  # fmt: skip
    usage_kinds = models.JSONField(
        null=True, blank=True, help_text="Signal kinds whose actors count as active users."
    )
    updated_at = models.DateTimeField(auto_now=True)

    edited_by = None

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["segment"], name="one_scorecard_per_segment")
        ]

    def __str__(self):
        return f"{self.name} v{self.version}" + (f" ({self.segment})" if self.segment else "")

    def save(self, *args, **kwargs):
        for name, default in DEFAULT_LISTS.items():
            if getattr(self, name) is None:
                setattr(self, name, list(default))
        with transaction.atomic():
            live = self.versions.filter(number=self.version).first() if self.pk else None
            changed = live is None or live.spec() != self.effective_spec()
            if changed and live is not None:
                self.version = self.next_version_number()
            super().save(*args, **kwargs)
            if changed:
                ScorecardVersion.objects.create(
                    scorecard=self, number=self.version, created_by=self.edited_by,
                    adopted_at=timezone.now(), **self.effective_spec(),
                )  # fmt: skip

    def next_version_number(self) -> int:
        """Numbers are never reused: proposals not (yet) adopted hold theirs too."""
        latest = self.versions.aggregate(latest=models.Max("number"))["latest"]
        return (latest or 0) + 1

    def clean(self):
        validate_spec(self.effective_spec())

    def effective_spec(self) -> dict:
        return {
            "weights": {**DEFAULT_WEIGHTS, **(self.weights or {})},
            "thresholds": {**DEFAULT_THRESHOLDS, **(self.thresholds or {})},
            "targets": {**DEFAULT_TARGETS, **(self.targets or {})},
            **{
                name: list(default if getattr(self, name) is None else getattr(self, name))
                for name, default in DEFAULT_LISTS.items()
            },
        }

    @property
    def effective_weights(self) -> dict:
        return self.effective_spec()["weights"]

    @property
    def effective_thresholds(self) -> dict:
        return self.effective_spec()["thresholds"]

    @property
    def effective_targets(self) -> dict:
        return self.effective_spec()["targets"]

    @property
    def silence_grace_days(self) -> int:
        """How long an account with no signal yet stays unknown: one of the targets."""
        return int(self.effective_targets["silence_grace_days"])


def validate_spec(spec: dict) -> None:
    """The rules every scorecard version keeps (raises ValidationError by field)."""
    weights, thresholds = spec["weights"], spec["thresholds"]
    unknown = set(weights) - set(COMPONENTS)
    if unknown:
        raise ValidationError({"weights": f"Unknown components: {', '.join(sorted(unknown))}."})
    if any(
        not isinstance(w, int | float) or isinstance(w, bool) or w < 0 for w in weights.values()
    ):
        raise ValidationError({"weights": "Weights must be non-negative numbers."})
    if sum(weights.values()) <= 0:
        raise ValidationError({"weights": "At least one weight must be above zero."})
    if not 0 <= thresholds["amber"] <= thresholds["green"] <= 100:
        raise ValidationError({"thresholds": "Need 0 <= amber <= green <= 100."})
    unknown = set(spec["capping_flags"]) - set(FLAG_CODES)
    if unknown:
        raise ValidationError(
            {"capping_flags": f"Unknown flags: {', '.join(sorted(unknown))}; "
             f"one of: {', '.join(FLAG_CODES)}."}
        )  # fmt: skip
    _validate_kinds(spec)


def _validate_kinds(spec: dict) -> None:
    categories = dict(SignalKindDef.objects.values_list("code", "category"))
    for name in ("value_kinds", "usage_kinds"):
        kinds = spec[name]
        if not kinds or not all(isinstance(kind, str) for kind in kinds):
            raise ValidationError({name: "Name at least one signal kind (a list of codes)."})
        unknown = sorted(set(kinds) - set(categories))
        if unknown:
            raise ValidationError(
                {name: f"Unregistered signal kinds: {', '.join(unknown)} "
                 "(register them with POST /api/v1/signal-kinds/)."}
            )  # fmt: skip
    not_value = sorted(k for k in spec["value_kinds"] if categories[k] != "value")
    if not_value:
        raise ValidationError(
            {"value_kinds": f"Not of category value: {', '.join(not_value)}. Only value kinds "
             "are counted per day, so only they can prove value."}
        )  # fmt: skip


class ScorecardVersion(models.Model):
    """A scorecard as it was: immutable once written. Live versions were adopted (`adopted_at`);
    a proposal (say, from `calibrate`) waits with `adopted_at` null until a VP adopts it."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    weights = models.JSONField()
    thresholds = models.JSONField()
    targets = models.JSONField()
    capping_flags = models.JSONField()
    value_kinds = models.JSONField()
    usage_kinds = models.JSONField()
    note = models.TextField(blank=True, help_text="Why this version exists (e.g. a calibration).")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    adopted_at = models.DateTimeField(null=True, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["scorecard", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "number"], name="one_scorecard_version_number"
            )
        ]

    def __str__(self):
        return f"{self.scorecard.name} v{self.number}"

    def save(self, *args, **kwargs):
        """Written once; afterwards only its adoption is recorded."""
        update_fields = kwargs.get("update_fields")
        if self.pk and not (update_fields and set(update_fields) <= {"adopted_at", "adopted_by"}):
            raise ValidationError("A scorecard version is immutable; write a new version.")
        super().save(*args, **kwargs)

    def spec(self) -> dict:
        return {name: getattr(self, name) for name in SPEC_FIELDS}


class FactsField(models.JSONField):
    """JSON kept as written (`json`, not `jsonb`) on PostgreSQL.

    Facts are read whole and never queried inside, and building `jsonb` from 100,000 rows of
    ~50 numbers costs ~0.75 s per scoring run where a `json` syntax check costs ~0.1 s.
    """

    def db_type(self, connection):
        return "json"

    def deconstruct(self):
        """Migrations know it as a JSONField; 0008 made the column `json`."""
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None or not isinstance(value, str | bytes):
            return value  # psycopg already decoded the json column
        return super().from_db_value(value, expression, connection)


class HealthScore(models.Model):
    """One account's health at one point in time. Rows are appended, never overwritten."""

    # Indexed by the unique (account, as_of, computed_at) constraint, which leads with it. No
    # database constraint: only the scorer writes history, for accounts it read in the same run,
    # and Django cascades deletes; a constraint would lock-and-check every account row at the
    # commit of every 100,000-account run (~0.9 s).
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="health_scores",
        db_index=False, db_constraint=False,
    )  # fmt: skip
    as_of = models.DateField(help_text="The date the data was scored as of.")
    computed_at = models.DateTimeField()
    overall = models.FloatField(null=True, help_text="0-100; null when no component has data.")
    rag = models.CharField(max_length=7, choices=Rag.choices)
    facts = FactsField(
        default=list,
        help_text="The numbers the explanation is worded from (scoring.explain.FACTS).",
    )
    flag_codes = models.CharField(
        max_length=400, blank=True, help_text="',code,code,' for cheap filtering on any database."
    )
    checklist_completion = models.FloatField(null=True)
    outcome_attainment = models.FloatField(null=True)
    # A label of which scorecard produced the score: Django applies SET_NULL; a database
    # constraint would cost a lookup per row of every 100,000-row scoring run.
    scorecard = models.ForeignKey(
        Scorecard, null=True, on_delete=models.SET_NULL, db_index=False, db_constraint=False
    )
    scorecard_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-as_of", "-computed_at"]
        get_latest_by = ["as_of", "computed_at"]
        # One scoring day's scores as an index range, read without the table: the last scoring
        # day N days ago, a CSM's average that day, and (latest run per account first, by
        # computed_at) the board's ARR at risk at each month end.
        indexes = [
            models.Index(
                fields=["as_of", "account", "computed_at"],
                include=["rag", "overall"],
                name="health_score_day_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(condition=Q(rag__in=Rag.values), name="healthscore_rag_valid"),
            # A retried scoring shard must not write the same run twice. Its index carries rag
            # and overall, so "what did the score say N days before" is an index-only probe.
            models.UniqueConstraint(
                fields=["account", "as_of", "computed_at"],
                include=["rag", "overall"],
                name="one_score_per_account_run",
            ),
            models.CheckConstraint(
                condition=Q(overall__isnull=True) | Q(overall__gte=0, overall__lte=100),
                name="healthscore_overall_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.account_id} {self.as_of}: {self.overall} {self.rag}"

    @cached_property
    def explanation(self) -> dict:
        from health.scoring.explain import explain

        return explain(self.facts, self.flag_codes, self.overall)

    @property
    def components(self) -> dict:
        """{name: {score, weight, configured_weight, reasons}}"""
        return self.explanation["components"]

    @property
    def flags(self) -> list[dict]:
        """[{code, reasons}] in the order the reasons should be read."""
        return self.explanation["flags"]

    @property
    def reasons(self) -> list[str]:
        """Headline reasons, most important first."""
        return self.explanation["reasons"]

    @property
    def component_scores(self) -> dict:
        from health.scoring.explain import component_scores

        return component_scores(self.facts)


class CurrentHealth(models.Model):
    """The latest score of each account, denormalised so lists filter and sort without a scan."""

    account = models.OneToOneField(
        "accounts.Account",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="current_health",
    )
    # Rewritten for every account on every run: no database constraint (a lookup per row at
    # commit); Django cascades deletes, and the score row is inserted in the same statement.
    score = models.ForeignKey(
        HealthScore,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    overall = models.FloatField(null=True)
    rag = models.CharField(max_length=7, choices=Rag.choices)
    flag_codes = models.CharField(max_length=400, blank=True)
    computed_at = models.DateTimeField()
    last_signal_at = models.DateTimeField(null=True)

    # No indexes beyond the primary key: lists reach it through accounts, and without indexes
    # on the columns a run rewrites, PostgreSQL updates each row in place (HOT).

    def __str__(self):
        return f"{self.account_id}: {self.overall} {self.rag}"


class RescoreRequest(models.Model):
    """An account whose data changed while the task queue could not be reached: remembered
    here, in the database, and scored by the next sweep (`rescore_stale_accounts`)."""

    account = models.OneToOneField(
        "accounts.Account", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"rescore {self.account_id} (asked {self.requested_at:%Y-%m-%d %H:%M})"


class QueuedTask(models.Model):
    """Who queued a task: its state and result are theirs (and a VP's) to read, nobody else's."""

    task_id = models.CharField(max_length=255, primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    name = models.CharField(max_length=100)
    queued_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.name} {self.task_id} by {self.user_id}"


class ScoringRun(models.Model):
    """One portfolio run: every shard's scores carry its `computed_at`, so a shard re-run after a
    worker died skips what it already wrote, and no account is scored twice for one run."""

    task_id = models.CharField(max_length=255, unique=True, help_text="The score_portfolio task.")
    as_of = models.DateField()
    computed_at = models.DateTimeField(unique=True)
    accounts = models.PositiveIntegerField(default=0)
    queued_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        state = "finished" if self.finished_at else "running"
        return f"run {self.computed_at:%Y-%m-%d %H:%M} as of {self.as_of} ({state})"


class ScoringShard(models.Model):
    """An id range of a run. Queued, then leased by the worker scoring it, then done.

    The worker claims the shard with a conditional update and renews its lease while it scores;
    a lease that lapsed (its worker died) lets the sweep re-queue the shard and another worker
    claim it, long before the broker would hand the dead worker's message out again."""

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="shards")
    first = models.BigIntegerField()
    last = models.BigIntegerField()
    queued_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=1)
    leased_by = models.CharField(
        max_length=255, blank=True, default="", help_text="The worker holding the lease."
    )
    lease_until = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    scored = models.PositiveIntegerField(null=True, blank=True)
    failed_accounts = models.JSONField(
        default=list, blank=True, help_text="Accounts whose data could not be scored (logged)."
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["queued_at"], condition=Q(done_at__isnull=True), name="shard_undone_idx"
            )
        ]

    def __str__(self):
        return f"shard {self.first}-{self.last} of run {self.run_id}"

    def lease_held(self, now) -> bool:
        """Whether a live worker holds the shard: leased, and renewed in time."""
        return self.lease_until is not None and self.lease_until >= now


class CalibrationReport(models.Model):
    """What `calibrate` found when it proposed a version: the fit, the flags that predicted
    churn and the live and proposed scorecards' backtests on the held-out dates, kept so the
    VP sees the evidence beside the button that adopts it."""

    version = models.OneToOneField(
        ScorecardVersion, on_delete=models.CASCADE, related_name="calibration"
    )
    report = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Calibration of {self.version}"


class ChurnModel(models.Model):
    """The chance an account churns within `horizon_days`, fitted by `calibrate` beside a
    proposed scorecard version (health.scoring.probability holds the fit and its numbers).
    Adopting the version adopts the model: a scorecard's live model is its latest adopted one,
    and its id is the `churn_model_version` a probability names."""

    version = models.OneToOneField(
        ScorecardVersion, on_delete=models.CASCADE, related_name="churn_model"
    )
    horizon_days = models.PositiveIntegerField()
    model = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    adopted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-adopted_at", "-pk"]

    def __str__(self):
        return f"Churn model {self.pk} ({self.version})"


class ComponentOverride(models.Model):
    """A person's value for one component of one account, in force from `created_at` through
    `until` (or until someone ends it): the scorer uses it in place of the computed component,
    the page and the payload show it as an override, and the flags are still raised from the
    data (an override never hides one)."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="component_overrides"
    )
    component = models.CharField(max_length=20, choices=[(c, c.capitalize()) for c in COMPONENTS])
    value = models.FloatField(validators=[MinValueValidator(0), MaxValueValidator(100)])
    reason = models.TextField()
    until = models.DateField(help_text="The last day it holds.")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Ended early, by hand.")

    class Meta:
        ordering = ["account", "-created_at"]
        indexes = [models.Index(fields=["account", "until"], name="override_account_until_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0, value__lte=100), name="override_value_in_range"
            ),
            models.CheckConstraint(
                condition=Q(component__in=list(COMPONENTS)), name="override_component_valid"
            ),
        ]

    def __str__(self):
        return f"{self.account_id}: {self.component} = {self.value} until {self.until}"

    def in_force_on(self, day) -> bool:
        started = self.created_at.date() <= day
        ended = self.ended_at is not None and self.ended_at.date() <= day
        return started and not ended and day <= self.until


class FeatureCache(models.Model):
    """Today's account-side features of one account, kept between runs (health.feature_cache):
    the CSV lines its grouped queries wrote on `computed_for`, good until `valid_until` unless
    its data changes. Written and read in SQL only; triggers on the source tables stamp
    `changed_xid` (migration 0019)."""

    # No database constraint: the triggers stamp accounts that are being deleted too.
    account = models.OneToOneField(
        "accounts.Account", primary_key=True, on_delete=models.DO_NOTHING, related_name="+",
        db_constraint=False,
    )  # fmt: skip
    recipe = models.CharField(max_length=32, blank=True)
    computed_for = models.DateField(null=True)
    valid_until = models.DateField(null=True, help_text="The first day the lines may not hold.")
    read_xmin = models.BigIntegerField(null=True)
    changed_xid = models.BigIntegerField(null=True)
    lines = ArrayField(models.TextField(null=True), null=True)

    def __str__(self):
        return f"{self.account_id} as of {self.computed_for}"
