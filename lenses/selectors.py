"""Reads behind the Sales lens (/sales/) and the Finance lens (/terms/): one query per figure
family, the figures themselves made by lenses.figures, the page's whole result remembered until
what it is computed from changes (as the portfolio's and the forecast's are).

Definitions (docs/LENSES.md):
- a deal is an account with a close date (`closed_on`); its close quarter is that date's
  calendar quarter ("2026-Q2"); its account executive is `sales_owner`;
- handoff context is complete when none of the four items the scorer's
  `handoff_context_missing` counts is missing (accounts.rules.HANDOFF_GAPS: why they bought,
  real needs, internal politics, urgency), read on the account as it stands;
- kickoff is the scorer's: the day the kickoff task of the onboarding checklist was done
  (health.features.KICKOFF_TASK), else the contract start;
- a commitment made before signature was made on or before the close date (`made_on` unknown:
  not counted); unscoped: `scoped` false;
- the health at 90 days is what the score said on the 90th day after the close: the newest score
  as of that day, at most 30 days older (the rule score validity reads history by);
- churned ARR and GRR are accounts.retention's, each deal from its contract start to today;
- a deal-term structure is the set of an account's deviations from STANDARD_DEAL_TERMS with
  their values; the standard terms (no deviation) are one structure. Counted over active
  (not churned) accounts.
"""

import hashlib
from datetime import date

import pandas as pd
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    Sum,
)
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import JSONField
from django.utils import timezone

from accounts import rules
from accounts.models import Account, ArrChange, Commitment, OnboardingMilestone
from accounts.roles import Role, user_role
from accounts.selectors import accounts_visible_to, retention_frames
from health.features import KICKOFF_TASK
from health.models import HealthScore
from health.scoring.forecasting import quarters
from lenses import figures

SALES_ROLES = (Role.VP, Role.FINANCE, Role.TEAM_LEAD, Role.SALES)
TERMS_ROLES = (Role.VP, Role.FINANCE)
REMEMBER_SECONDS = 24 * 3600


def sales_lens_allowed(user) -> bool:
    return user_role(user) in SALES_ROLES


def terms_lens_allowed(user) -> bool:
    return user_role(user) in TERMS_ROLES


def deals_for(user):
    """The deals a person's Sales lens covers: the accounts they may see that have a close
    date; an account executive's own sales only (a book they also carry as CSM is not theirs
    to answer for here)."""
    deals = closed_deals(accounts_visible_to(user))
    if user_role(user) == Role.SALES:
        deals = deals.filter(sales_owner=user)
    return deals


def closed_deals(accounts):
    """The accounts of a scope that were sold: they have a close date. One definition, so the
    lens computed after a run is remembered under the key a VP's page asks for."""
    return accounts.filter(closed_on__isnull=False)


def lenses_remember_portfolio(**kwargs) -> None:
    """health's `portfolio_scored` receiver: the Sales and Finance lenses over the whole
    portfolio (what a VP and finance open; their scope is every account, as
    accounts_visible_to gives it), computed now and remembered under the key their pages ask."""
    accounts = Account.objects.all()
    sales_lens(closed_deals(accounts))
    terms_lens(accounts)


def _remembered(name: str, accounts, today, compute, extra: dict | None = None):
    version = accounts.aggregate(n=Count("pk"), arr=Sum("arr"), edited=Max("updated_at"))
    version |= ArrChange.objects.aggregate(newest_change=Max("pk"))
    version |= extra or {}
    inputs = f"{name}|{accounts.query}|{today}|{sorted(version.items())}"
    key = f"candor:lens:{name}:{hashlib.sha256(inputs.encode()).hexdigest()}"
    return cache.get_or_set(key, compute, REMEMBER_SECONDS)


def sales_lens(deals, today: date | None = None) -> dict:
    """{by_seller: rows per account executive and close quarter, by_quarter: rows per close
    quarter (the cohort)}. Remembered until a deal, an ARR, a score or a commitment changes."""
    today = today or timezone.now().date()
    extra = HealthScore.objects.aggregate(newest_score=Max("pk"))
    extra |= Commitment.objects.aggregate(newest_commitment=Max("pk"))
    extra |= OnboardingMilestone.objects.aggregate(newest_milestone=Max("pk"))
    return _remembered("sales", deals, today, lambda: _sales(deals, today), extra)


def _sales(deals, today: date) -> dict:
    frame, changes = deal_frames(deals, today)
    return {
        "by_seller": figures.sales_rows(frame, changes, today, ["ae", "quarter"]),
        "by_quarter": figures.sales_rows(frame, changes, today, ["quarter"]),
    }


DEAL_FIELDS = {
    "ae": "sales_owner__username", "closed_on": "closed_on", "arr": "arr",
    "handoff_missing": "handoff_missing", "rag_now": "current_health__rag",
    "score_now": "current_health__overall",
}  # fmt: skip


def deal_frames(deals, today: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per deal (figures.DEAL_COLUMNS, with its commitments made before signature),
    and the deals' ARR history: five queries, each a set-based pass, whatever the deal count."""
    people, changes = retention_frames(
        deals.annotate(handoff_missing=rules.handoff_missing_count()), DEAL_FIELDS
    )
    frame = people.drop(columns=["outcome"]).rename(columns={"id": "account_id"})
    frame["arr"] = frame["arr"].astype(float)
    for extra in (
        _kickoffs(deals),
        _said_at_90_days(deals, today),
        _promised_before_signature(deals),
    ):
        frame = frame.join(extra, on="account_id")
    return frame.fillna({"commitments": 0, "unscoped": 0}), changes


def _kickoffs(deals) -> pd.DataFrame:
    done = OnboardingMilestone.objects.filter(
        KICKOFF_TASK, account__in=deals.order_by().values("pk"), completed_on__isnull=False
    )
    rows = done.values("account_id").annotate(kickoff_on=Min("completed_on")).order_by()
    frame = pd.DataFrame(list(rows.values_list("account_id", "kickoff_on")),
                         columns=["account_id", "kickoff_on"])  # fmt: skip
    return frame.set_index("account_id")


def _said_at_90_days(deals, today: date) -> pd.DataFrame:
    """What the score said on each deal's 90th day, for deals whose 90th day has come: the newest
    score as of that day, at most 30 days older (one index probe of the history per deal)."""
    scope, params = deals.order_by().values("id", "closed_on").query.sql_with_params()
    sql = f"""
        SELECT d.id, s.rag, s.overall FROM ({scope}) d CROSS JOIN LATERAL (
            SELECT h.rag, h.overall FROM {HealthScore._meta.db_table} h
            WHERE h.account_id = d.id AND h.as_of <= d.closed_on + %s
              AND h.as_of >= d.closed_on + %s
            ORDER BY h.as_of DESC, h.computed_at DESC LIMIT 1
        ) s WHERE d.closed_on + %s <= %s
    """
    days = figures.HEALTH_DAYS
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, days, days - 30, days, today])
        rows = cursor.fetchall()
    return pd.DataFrame(rows, columns=["account_id", "rag_90", "score_90"]).set_index("account_id")


def _promised_before_signature(deals) -> pd.DataFrame:
    made = Commitment.objects.filter(
        account__in=deals.order_by().values("pk"), made_on__lte=F("account__closed_on")
    )
    rows = made.values("account_id").annotate(n=Count("pk"), unscoped=Count("pk", Q(scoped=False)))
    frame = pd.DataFrame(
        list(rows.order_by().values_list("account_id", "n", "unscoped")),
        columns=["account_id", "commitments", "unscoped"],
    )
    return frame.set_index("account_id")


def deals_in(deals, *, ae: str | None = None, quarter: str | None = None):
    """The deals behind one row of the Sales lens (ae "" : deals without an account executive)."""
    if ae is not None:
        deals = (
            deals.filter(sales_owner__isnull=True)
            if ae == figures.NO_AE
            else deals.filter(sales_owner__username=ae)
        )
    if quarter:
        start, end = quarter_bounds(quarter)
        deals = deals.filter(closed_on__range=(start, end))
    return deals


def quarter_bounds(label: str) -> tuple[date, date]:
    """ "2026-Q2" -> (1 Apr 2026, 30 Jun 2026); ValueError for anything else."""
    year, _, number = label.partition("-Q")
    if not (year.isdigit() and number in ("1", "2", "3", "4")):
        raise ValueError(f"'{label}' is not a quarter such as 2026-Q2.")
    start = date(int(year), 3 * int(number) - 2, 1)
    return start, (pd.Timestamp(start) + pd.offsets.QuarterEnd(0)).date()


# The Finance lens.

# An account's deviations with their values, as one jsonb object ({} on standard terms): jsonb
# compares objects by content, so equal structures group together whatever their key order.
STRUCTURE_SQL = """CASE WHEN {table}.deviating_terms = '[]'::jsonb THEN '{{}}'::jsonb ELSE
COALESCE((SELECT jsonb_object_agg(term.key, term.value) FROM jsonb_each(
    CASE WHEN jsonb_typeof({table}.deal_terms) = 'object' THEN {table}.deal_terms ELSE '{{}}' END
) term WHERE {table}.deviating_terms ? term.key), '{{}}'::jsonb) END"""


def structure_expression(table: str = "accounts_account") -> RawSQL:
    return RawSQL(STRUCTURE_SQL.format(table=table), [], output_field=JSONField())


def terms_lens(accounts, today: date | None = None) -> dict:
    """Distinct structures, the standard share, common deviations, the next two quarters'
    renewals on custom terms, and churn and health by standard against custom terms."""
    today = today or timezone.now().date()
    extra = HealthScore.objects.aggregate(newest_score=Max("pk"))
    return _remembered("terms", accounts, today, lambda: _terms(accounts, today), extra)


def _terms(accounts, today: date) -> dict:
    structures = structure_frame(accounts.exclude(outcome="churned"))
    return {
        **figures.structure_rows(structures),
        "deviations": figures.common_deviations(structures),
        "renewals": custom_renewals(accounts, today),
        "outcomes": figures.terms_outcomes(*_outcome_frames(accounts), today),
    }


def structure_frame(accounts) -> pd.DataFrame:
    rows = accounts.order_by().annotate(structure=structure_expression())
    rows = rows.values("structure").annotate(accounts=Count("pk"), arr=Sum("arr"))
    frame = pd.DataFrame(list(rows), columns=["structure", "accounts", "arr"])
    frame["arr"] = frame["arr"].astype(float)
    return frame


def custom_renewals(accounts, today: date) -> list[dict]:
    """Active accounts renewing from today to the end of next quarter on custom terms."""
    end = quarters(today, 2)[-1]["end"]
    rows = (
        accounts.exclude(outcome="churned")
        .exclude(deviating_terms=[])
        .filter(renewal_date__range=(today, end))
        .order_by("renewal_date", "pk")
        .values_list("pk", "name", "arr", "renewal_date", "deal_terms", "deviating_terms",
                     "current_health__rag", "csm__username")
    )  # fmt: skip
    return [
        {"account_id": pk, "name": name, "arr": float(arr), "renewal_date": renews,
         "deviations": figures.describe_deviations(terms, deviating), "rag": rag, "csm": csm}
        for pk, name, arr, renews, terms, deviating, rag, csm in rows
    ]  # fmt: skip


def _outcome_frames(accounts):
    """The accounts with their ARR, today's health and whether they are on standard terms,
    and their ARR history: what figures.terms_outcomes reads (two queries)."""
    standard = ExpressionWrapper(Q(deviating_terms=[]), output_field=BooleanField())
    people, changes = retention_frames(
        accounts.annotate(standard=standard),
        {"arr": "arr", "rag": "current_health__rag", "score": "current_health__overall",
         "standard": "standard"},
    )  # fmt: skip
    people["arr"] = people["arr"].astype(float)
    return people, changes


def accounts_on_terms(accounts, *, term: str | None = None, value=None,
                      structure: dict | None = None, standard: bool | None = None):  # fmt: skip
    """The active accounts behind one row of the Finance lens: deviating on `term` (with
    `value`, when given), on standard or custom terms, or with one structure."""
    accounts = accounts.exclude(outcome="churned")
    if term:
        accounts = accounts.filter(deviating_terms__contains=[term])
        if value is not None:
            accounts = accounts.filter(deal_terms__contains={term: value})
    if standard is not None:
        accounts = (
            accounts.filter(deviating_terms=[])
            if standard
            else accounts.exclude(deviating_terms=[])
        )
    if structure is not None:
        accounts = accounts.alias(structure=structure_expression()).filter(structure=structure)
    return accounts
