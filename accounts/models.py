"""The customer accounts Candor watches, and everything known about the people behind them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import ExpressionWrapper, Q
from django.urls import reverse
from django.utils import timezone

from accounts.hooks import signal_kind_codes
from accounts.limits import FreeTextField

# What a contract looks like when nobody negotiated anything. A term that differs, or a term
# that is not in this list at all (a bespoke clause), is a deviation.
STANDARD_DEAL_TERMS = {
    "billing": "annual",
    "payment_terms": "net_30",
    "term_months": 12,
    "discount_pct": 0,
    "sla": "standard",
    "termination_for_convenience": False,
    "data_residency": "standard",
    "price_lock_years": 0,
}

CRM_ONBOARDED_STATUSES = {"onboarded", "live", "active", "implemented"}


def crm_says_onboarded(crm_status: str | None) -> bool:
    """The CRM's free-text status read as "onboarded" (the claim checklist_illusion tests)."""
    return (crm_status or "").strip().lower() in CRM_ONBOARDED_STATUSES


class Segment(models.TextChoices):
    """The demo's segments. Segments are data: an account may carry any short code a company
    uses (`SEGMENT_CODE`); these three only have nicer labels."""

    SMB = "smb", "SMB"
    MID_MARKET = "mid_market", "Mid-market"
    ENTERPRISE = "enterprise", "Enterprise"


SEGMENT_CODE = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", "A short code: letters, digits, '_', '.', '-'."
)


def segment_label(code: str) -> str:
    return dict(Segment.choices).get(code) or code


class LifecycleStage(models.TextChoices):
    ONBOARDING = "onboarding", "Onboarding"
    ADOPTION = "adoption", "Adoption"
    MATURE = "mature", "Mature"
    RENEWAL = "renewal", "Up for renewal"
    OFFBOARDED = "offboarded", "Offboarded"


class Urgency(models.TextChoices):
    UNKNOWN = "unknown", "Unknown"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class AccountOutcome(models.TextChoices):
    ACTIVE = "active", "Active"
    RENEWED = "renewed", "Renewed"
    CHURNED = "churned", "Churned"


def enum_check(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    """A database-level guard that `field` holds one of `choices` (forms are not the only door)."""
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


class Account(models.Model):
    external_id = models.CharField(max_length=100, unique=True, help_text="The CRM's id.")
    name = models.CharField(max_length=200)
    segment = models.CharField(
        max_length=20, default=Segment.MID_MARKET, validators=[SEGMENT_CODE],
        help_text="Any short code; a scorecard may be set per segment.",
    )  # fmt: skip
    arr = models.DecimalField(
        "ARR", max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    seats = models.PositiveIntegerField(default=1)
    contract_start = models.DateField()
    renewal_date = models.DateField()
    last_renewed_on = models.DateField(null=True, blank=True)
    csm = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="book", verbose_name="CSM"
    )
    lifecycle_stage = models.CharField(
        max_length=20, choices=LifecycleStage.choices, default=LifecycleStage.ONBOARDING
    )
    crm_status = models.CharField(
        "CRM status", max_length=40, blank=True, help_text="The CRM's own flag, e.g. 'Onboarded'."
    )
    outcome = models.CharField(
        max_length=10, choices=AccountOutcome.choices, default=AccountOutcome.ACTIVE
    )
    outcome_on = models.DateField(null=True, blank=True, help_text="When it renewed or churned.")
    sales_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="accounts_sold", help_text="The account executive who sold it.",
    )  # fmt: skip
    closed_on = models.DateField(null=True, blank=True, help_text="The deal's close date.")

    handoff_why_bought = FreeTextField(blank=True)
    handoff_real_needs = FreeTextField(blank=True)
    handoff_signed_for = FreeTextField(blank=True, help_text="What the contract says they bought.")
    handoff_urgency = models.CharField(
        max_length=10, choices=Urgency.choices, default=Urgency.UNKNOWN
    )
    handoff_politics = FreeTextField(blank=True)

    deal_terms = models.JSONField(default=dict, blank=True)
    deviating_terms = models.JSONField(
        default=list, blank=True, editable=False, help_text="Derived from deal_terms on save."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["csm", "renewal_date"]),
            models.Index(fields=["renewal_date"]),
            models.Index(fields=["segment"]),
            # The portfolio's riskiest accounts are found above an ARR bound (riskiest_accounts).
            models.Index(fields=["arr"], name="account_arr_idx"),
            # The portfolio's one grouped pass reads this instead of the wide account rows.
            models.Index(
                fields=["csm"],
                include=["id", "outcome", "arr", "crm_status", "last_renewed_on"],
                name="account_rollup_idx",
            ),
            # Each cached figure's version (how many accounts, their ARR and churns, the latest
            # edit) is read from this instead of the wide account rows.
            models.Index(
                fields=["updated_at", "outcome"], include=["id", "arr"], name="account_edited_idx"
            ),
            # Score validity reads only the accounts that churned or renewed.
            models.Index(
                fields=["outcome", "outcome_on", "id"],
                name="account_ended_idx",
                condition=Q(outcome__in=["churned", "renewed"], outcome_on__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(arr__gte=0), name="account_arr_not_negative"),
            models.CheckConstraint(
                condition=Q(renewal_date__gte=models.F("contract_start")),
                name="account_renewal_after_contract_start",
            ),
            enum_check("lifecycle_stage", LifecycleStage, "account_lifecycle_stage_valid"),
            enum_check("outcome", AccountOutcome, "account_outcome_valid"),
            enum_check("handoff_urgency", Urgency, "account_handoff_urgency_valid"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.deviating_terms = deviating_terms(self.deal_terms)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("account_detail", args=[self.pk])

    def clean(self):
        if self.contract_start and self.renewal_date and self.renewal_date < self.contract_start:
            raise ValidationError({"renewal_date": "Renewal date cannot be before contract start."})
        if not isinstance(self.deal_terms, dict):
            raise ValidationError({"deal_terms": "Deal terms must be an object of term: value."})

    @property
    def segment_label(self) -> str:
        return segment_label(self.segment)

    @property
    def crm_says_onboarded(self) -> bool:
        return crm_says_onboarded(self.crm_status)


class ArrChange(models.Model):
    """The ARR an account carried from a day on, so a past month is valued at the ARR then in
    force, not today's. Written by database triggers on the account table (migration 0007), so
    every writer keeps it: the ORM, the API, the admin and the CSV import's set-based SQL. A new
    account's ARR holds from its contract start; a later change from the day it was made."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="arr_changes")
    valid_from = models.DateField()
    arr = models.DecimalField("ARR", max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["account", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "valid_from"], name="arrchange_one_per_account_and_day"
            ),
        ]

    def __str__(self):
        return f"{self.account_id}: {self.arr} from {self.valid_from}"


class TermsChange(models.Model):
    """The renewal dates, CRM status and seats an account carried from a day on, so a backtest
    scores a past date by the terms in force then, not by today's (an account that renewed last
    month was, three months ago, an account renewing soon). Kept by database triggers on the
    account table (migration 0008), like ArrChange, for every writer.

    An account written with its history already behind it (an import, a loader, the demo) is
    read with two inferences, and no more: before its last renewal it was due to renew that day,
    and before its churn its CRM status is unknown (blank), since the status it was written
    with ("Churned") is the outcome, not what the CRM said while it was a customer."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="terms_changes")
    valid_from = models.DateField()
    renewal_date = models.DateField()
    last_renewed_on = models.DateField(null=True, blank=True)
    crm_status = models.CharField("CRM status", max_length=40, blank=True)
    seats = models.PositiveIntegerField()

    class Meta:
        ordering = ["account", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "valid_from"], name="termschange_one_per_account_and_day"
            ),
        ]

    def __str__(self):
        return f"{self.account_id}: renews {self.renewal_date} from {self.valid_from}"


def deviating_terms(terms: dict) -> list[str]:
    if not isinstance(terms, dict):
        return []
    return sorted(
        term
        for term, value in terms.items()
        if term not in STANDARD_DEAL_TERMS or STANDARD_DEAL_TERMS[term] != value
    )


class StakeholderRole(models.TextChoices):
    EXEC_SPONSOR = "exec_sponsor", "Exec sponsor"
    PROJECT_SPONSOR = "project_sponsor", "Project sponsor"
    OPERATING_OWNER = "operating_owner", "Operating owner"
    CHAMPION = "champion", "Champion"
    USER = "user", "User"
    OTHER = "other", "Other"


KEY_ROLES = (
    StakeholderRole.EXEC_SPONSOR,
    StakeholderRole.PROJECT_SPONSOR,
    StakeholderRole.OPERATING_OWNER,
)


class Stakeholder(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="stakeholders")
    external_id = models.CharField(
        max_length=100, null=True, blank=True, unique=True,
        help_text="The CRM's id for the contact: CSV imports update the row that has it.",
    )  # fmt: skip
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    role = models.CharField(max_length=20, choices=StakeholderRole.choices)
    function = models.CharField(max_length=100, blank=True, help_text="e.g. Finance, Operations")
    success_definition = FreeTextField(blank=True, help_text="Success, in their own words.")
    success_definition_conflicts = models.BooleanField(
        default=False, help_text="Marked by the CSM: disagrees with the other stakeholders."
    )
    last_engaged_on = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True, help_text="Still at the customer.")
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["account", "role", "name"]
        indexes = [models.Index(fields=["account", "role"])]
        constraints = [enum_check("role", StakeholderRole, "stakeholder_role_valid")]

    def __str__(self):
        return f"{self.name} ({self.get_role_display()})"

    def save(self, *args, **kwargs):
        """Someone marked gone without a date left that day: whichever door the change came
        through (API, admin, page), `champion_left` and the other "who is still here" facts
        read `left_on`."""
        if not self.active and self.left_on is None:
            self.left_on = timezone.localdate()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "left_on"}
        super().save(*args, **kwargs)


class SharedObjective(models.Model):
    """The one-pager signed by the exec sponsor, project sponsor and operating owner."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="objective")
    outcome = FreeTextField()
    scope = FreeTextField(blank=True)
    non_scope = FreeTextField(blank=True)
    success_criteria = FreeTextField(blank=True)
    review_cadence_days = models.PositiveIntegerField(default=90)
    signed_by = models.ManyToManyField(
        Stakeholder, through="ObjectiveSignature", related_name="signed_objectives", blank=True
    )
    last_reviewed_on = models.DateField(null=True, blank=True)
    created_on = models.DateField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(review_cadence_days__gte=1), name="objective_cadence_positive"
            )
        ]

    def __str__(self):
        return f"Shared objective for {self.account}"


class ObjectiveSignature(models.Model):
    objective = models.ForeignKey(SharedObjective, on_delete=models.CASCADE)
    stakeholder = models.ForeignKey(Stakeholder, on_delete=models.CASCADE)
    signed_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["objective", "stakeholder"], name="one_signature_per_stakeholder"
            )
        ]

    def __str__(self):
        return f"{self.stakeholder} signed on {self.signed_on}"

    def clean(self):
        if self.stakeholder.account_id != self.objective.account_id:
            raise ValidationError("Only the account's own stakeholders can sign its objective.")


class Decision(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="decisions")
    summary = FreeTextField()
    owner = models.ForeignKey(
        Stakeholder, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    decided_on = models.DateField()
    circulated_on = models.DateField(null=True, blank=True)
    reopened_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-id"]
        indexes = [models.Index(fields=["account", "decided_on"])]

    def __str__(self):
        return self.summary[:80]

    def clean(self):
        today = timezone.localdate()
        future = {
            name: f"Cannot be in the future (today is {today:%-d %b %Y})."
            for name in ("decided_on", "circulated_on", "reopened_on")
            if getattr(self, name) and getattr(self, name) > today
        }
        if future:
            raise ValidationError(future)
        if self.circulated_on and self.decided_on and self.circulated_on < self.decided_on:
            raise ValidationError({"circulated_on": "Cannot be circulated before it was decided."})
        if self.reopened_on and self.decided_on and self.reopened_on < self.decided_on:
            raise ValidationError({"reopened_on": "Cannot be reopened before it was decided."})
        if self.owner_id and self.account_id and self.owner.account_id != self.account_id:
            raise ValidationError({"owner": "The owner must be one of the account's stakeholders."})


class ProductStatus(models.TextChoices):
    UNDER_CONSIDERATION = "under_consideration", "Under consideration"
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    SHIPPED = "shipped", "Shipped"
    DECLINED = "declined", "Declined"


TARGET_QUARTER = RegexValidator(r"^\d{4}-Q[1-4]$", "A quarter such as 2027-Q1.")


class RoadmapItem(models.Model):
    """What product plans to build: the one status every commitment that rides on it shares."""

    title = models.CharField(max_length=200, unique=True)
    product_status = models.CharField(
        max_length=20, choices=ProductStatus.choices, default=ProductStatus.UNDER_CONSIDERATION
    )
    target_quarter = models.CharField(
        max_length=7, blank=True, validators=[TARGET_QUARTER], help_text="Such as 2027-Q1."
    )
    description = FreeTextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [enum_check("product_status", ProductStatus, "roadmap_item_status_valid")]

    def __str__(self):
        return self.title


class Commitment(models.Model):
    """A promise made to the customer, beside what product actually committed to."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="commitments")
    title = models.CharField(max_length=200)
    told_customer = FreeTextField(blank=True, help_text="What the customer was told.")
    product_status = models.CharField(
        max_length=20, choices=ProductStatus.choices, default=ProductStatus.UNDER_CONSIDERATION
    )
    scoped = models.BooleanField(default=False)
    due_on = models.DateField(null=True, blank=True)
    made_on = models.DateField(null=True, blank=True, help_text="When it was promised.")
    roadmap_item = models.ForeignKey(
        RoadmapItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="commitments"
    )

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [enum_check("product_status", ProductStatus, "commitment_status_valid")]

    def __str__(self):
        return self.title


class MilestoneKind(models.TextChoices):
    TASK = "task", "Task (checklist)"
    OUTCOME = "outcome", "Outcome (capability)"


class OnboardingMilestone(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=MilestoneKind.choices)
    proof_signal = models.CharField(
        max_length=40,
        null=True,
        blank=True,
        help_text="The signal kind that proves an outcome was reached.",
    )
    target_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    evidence = FreeTextField(blank=True)
    # The checklist task that records the kickoff call ("Kickoff call held", "Kick-off meeting").
    # Stored, so that scoring 900,000 milestones does not match each task's name again on
    # every run (the match was a third of the milestone features' database time).
    is_kickoff = models.GeneratedField(
        expression=ExpressionWrapper(
            Q(kind="task") & Q(name__iregex=r"kick.?off"), output_field=models.BooleanField()
        ),
        output_field=models.BooleanField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["account", "target_on", "id"]
        constraints = [enum_check("kind", MilestoneKind, "milestone_kind_valid")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.proof_signal and self.proof_signal not in signal_kind_codes():
            raise ValidationError({"proof_signal": f"Unknown signal kind '{self.proof_signal}'."})
        if self.proof_signal and self.kind == MilestoneKind.TASK:
            raise ValidationError(
                {"proof_signal": "Only an outcome milestone is proven by a signal."}
            )


class Note(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    body = FreeTextField()
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.body[:80]


class ImportKind(models.TextChoices):
    ACCOUNTS = "accounts", "Accounts"
    STAKEHOLDERS = "stakeholders", "Stakeholders"
    OUTCOMES = "outcomes", "Outcomes (renewed or churned, and when)"


class DateOrder(models.TextChoices):
    """How an import reads a date such as 3/4/2026 (ISO and worded dates read either way)."""

    AUTOMATIC = "auto", "Automatic: month first, unless a day in the file is over 12"
    MONTH_FIRST = "mdy", "Month first, as in the US: 1/5/2026 is 5 January"
    DAY_FIRST = "dmy", "Day first: 1/5/2026 is 1 May"


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", "Previewed"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class CsvImport(models.Model):
    """One uploaded CSV file of accounts or stakeholders, from preview to its all-or-nothing
    run. The file is kept in the database so the Celery worker that runs it can read it."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED
    )
    filename = models.CharField(max_length=255)
    content = models.TextField(help_text="The file as uploaded, decoded as UTF-8.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(null=True, blank=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True, help_text="[{row, column, message}]: why nothing was imported."
    )
    error_count = models.PositiveIntegerField(default=0, help_text="All of them, listed or not.")
    mapping = models.JSONField(
        default=dict, blank=True,
        help_text="{header: field or null}: the columns as chosen; a header not named maps itself.",
    )  # fmt: skip
    date_order = models.CharField(max_length=4, choices=DateOrder.choices, default="auto")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            enum_check("kind", ImportKind, "csvimport_kind_valid"),
            enum_check("status", ImportStatus, "csvimport_status_valid"),
            enum_check("date_order", DateOrder, "csvimport_date_order_valid"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} from {self.filename} ({self.get_status_display()})"


class ImportMapping(models.Model):
    """A column mapping someone chose, offered again for the next file of the same kind with
    the same set of headers: their own first, else the one kept for everyone (no user)."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    headers_key = models.CharField(max_length=64, help_text="sha256 of the sorted header keys.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
        help_text="Whose it is; empty: the company's, for everyone.",
    )  # fmt: skip
    headers = models.JSONField(default=list, help_text="The headers as the file wrote them.")
    mapping = models.JSONField(default=dict, help_text="{header: field or null}")
    date_order = models.CharField(max_length=4, choices=DateOrder.choices, default="auto")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "headers_key", "user"], name="importmapping_one_per_user"
            ),
            models.UniqueConstraint(
                fields=["kind", "headers_key"],
                condition=Q(user__isnull=True),
                name="importmapping_one_for_everyone",
            ),  # fmt: skip
            enum_check("kind", ImportKind, "importmapping_kind_valid"),
        ]

    def __str__(self):
        whose = self.user.username if self.user_id else "everyone"
        return f"{self.get_kind_display()} mapping of {len(self.headers)} columns for {whose}"


class Team(models.Model):
    """A team lead's CSMs: the lead sees their own book and each member's."""

    name = models.CharField(max_length=100, unique=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="teams_led"
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
