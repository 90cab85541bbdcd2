"""A deterministic, story-driven demo portfolio.

Every account is built as a healthy customer and then bent by exactly one story from DOMAIN.md
(checklist illusion, renewal without engagement, …), so each failure shows up for the reason it
does in real life. Stories are recorded in the external id: ``demo-<story>-<n>``.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from accounts.models import STANDARD_DEAL_TERMS
from demo import texts

STORY_SHARES = {
    "healthy": 0.31,
    "renewed_healthy": 0.08,
    "checklist_illusion": 0.10,
    "renewal_without_engagement": 0.08,
    "commitment_gap": 0.07,
    "handoff_context_missing": 0.06,
    "custom_terms": 0.06,
    "stakeholder_misalignment": 0.06,
    "champion_left": 0.04,
    "stale_data": 0.03,
    "churned": 0.04,
    "churned_champion_left": 0.025,
    "churned_never_got_value": 0.025,
    "churned_budget_cut": 0.02,
}
STORIES = tuple(STORY_SHARES)
# How B2B accounts really end (and what a public SaaS churn data set shows: churn follows low
# satisfaction, narrow adoption, heavy support and a short tenure, yet a fifth of the most
# satisfied, widest-adopting customers churn too): usage fading with the exec sponsor gone;
# the champion leaving; a first year that never reached value; and a budget cut nobody saw.
CHURN_STORIES = (
    "churned",
    "churned_champion_left",
    "churned_never_got_value",
    "churned_budget_cut",
)
# Churns and renewals spread over the last five quarters, as a company's own history has them, so
# that each of the last four quarters has churns to forecast (`backtest --forecast`), and the
# scores 30, 60 and 90 days before each fall inside the demo's signals.
OUTCOME_DAYS = (20, 450)
SEGMENTS = {  # name: (ARR median, ARR range, seats range)
    "smb": (14_000, (5_000, 30_000), (5, 25)),
    "mid_market": (70_000, (30_000, 150_000), (20, 80)),
    "enterprise": (380_000, (150_000, 1_500_000), (60, 250)),
}


def assign_stories(n: int, rng: random.Random) -> list[str]:
    """Story per account in the given proportions; at least one of each when n allows."""
    counts = {story: int(n * share) for story, share in STORY_SHARES.items()}
    if n >= len(STORIES):
        counts = {story: max(1, count) for story, count in counts.items()}
    counts["healthy"] += n - sum(counts.values())
    stories = [story for story, count in counts.items() for _ in range(max(count, 0))][:n]
    rng.shuffle(stories)
    return stories


def anniversary(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


@dataclass
class AccountPlan:
    """Everything decided about one account before any row is written."""

    n: int
    story: str
    segment: str
    arr: float
    seats: int
    contract_start: date
    renewal_date: date
    last_renewed_on: date | None
    outcome: str = "active"
    outcome_on: date | None = None
    signals_end: date | None = None
    extra: dict = field(default_factory=dict)


def plan_account(n: int, story: str, today: date, rng: random.Random) -> AccountPlan:
    segment = _segment_for(story, rng)
    median, (low, high), (seats_low, seats_high) = SEGMENTS[segment]
    arr = min(high, max(low, rng.lognormvariate(0, 0.5) * median))
    if story == "renewal_without_engagement":
        arr = min(high, max(arr, median * rng.uniform(1.2, 2.6)))
    start, renewal, renewed = _contract_dates(story, today, rng)
    plan = AccountPlan(
        n=n,
        story=story,
        segment=segment,
        arr=round(arr, -2),
        seats=rng.randint(seats_low, seats_high),
        contract_start=start,
        renewal_date=renewal,
        last_renewed_on=renewed,
        signals_end=today,
    )
    if renewed and (today - renewed).days <= OUTCOME_DAYS[1]:
        plan.outcome, plan.outcome_on = "renewed", renewed
    if story in CHURN_STORIES:
        plan.outcome, plan.outcome_on = "churned", renewal
        plan.signals_end = renewal
    if story == "stale_data":
        plan.signals_end = today - timedelta(days=rng.randint(20, 40))
    if story in ("checklist_illusion", "renewal_without_engagement"):
        plan.extra["severe"] = rng.random() < 0.5
    if story == "champion_left":
        plan.extra["champion_left_on"] = today - timedelta(days=rng.randint(20, 60))
    if story == "churned_champion_left":
        plan.extra["champion_left_on"] = renewal - timedelta(days=rng.randint(60, 150))
    return plan


def _segment_for(story: str, rng: random.Random) -> str:
    if story == "renewal_without_engagement":
        return rng.choice(["enterprise", "enterprise", "mid_market"])
    return rng.choices(list(SEGMENTS), weights=[45, 40, 15])[0]


def _contract_dates(story: str, today: date, rng: random.Random):
    """Contract start, next renewal and last renewal, shaped by the story."""
    if story in CHURN_STORIES:
        ended = today - timedelta(days=rng.randint(*OUTCOME_DAYS))
        years = 1 if story == "churned_never_got_value" else rng.randint(1, 3)
        start = ended - timedelta(days=365 * years)
        return start, ended, (anniversary(start, years - 1) if years > 1 else None)
    if story == "renewed_healthy":
        renewed = today - timedelta(days=rng.randint(5, 85))
        years = rng.randint(1, 3)
        start = renewed - timedelta(days=365 * years)
        return start, anniversary(renewed, 1), renewed
    if story == "renewal_without_engagement" and rng.random() < 0.6:
        renewal = today + timedelta(days=rng.randint(15, 115))
        years = rng.randint(2, 4)
        start = renewal - timedelta(days=365 * years)
        return start, renewal, anniversary(start, years - 1)
    if story == "renewal_without_engagement":
        renewed = today - timedelta(days=rng.randint(10, 80))
        start = renewed - timedelta(days=365 * rng.randint(1, 3))
        return start, anniversary(renewed, 1), renewed
    if story == "checklist_illusion":
        start = today - timedelta(days=rng.randint(75, 170))
        return start, anniversary(start, 1), None
    age = rng.randint(60, 1000)
    start = today - timedelta(days=age)
    years = 1 + age // 365
    renewal = anniversary(start, years)
    renewed = anniversary(start, years - 1) if years > 1 else None
    return start, renewal, renewed


REGIONS = ("", " EMEA", " Americas", " APAC", " Group", " Holdings")


def company_name(rng: random.Random, used: set[str], number: int | None = None) -> str:
    """A name not in `used`: a prefix and suffix, with a region while one is free, else with
    `number` (the account's number when given: unique across a portfolio built in pieces)."""
    name = f"{rng.choice(texts.PREFIXES)} {rng.choice(texts.SUFFIXES)}"
    for region in REGIONS:
        if name + region not in used:
            used.add(name + region)
            return name + region
    name = f"{name} {len(used) if number is None else number}"
    used.add(name)
    return name


def regional_names() -> set[str]:
    """Every name `company_name` gives before it falls back to a number."""
    return {
        f"{prefix} {suffix}{region}"
        for prefix in texts.PREFIXES
        for suffix in texts.SUFFIXES
        for region in REGIONS
    }


def account_fields(plan: AccountPlan, rng: random.Random) -> dict:
    story = plan.story
    crm_status = (
        "Live" if plan.contract_start < plan.signals_end - timedelta(days=120) else "Onboarded"
    )
    stage = "mature" if crm_status == "Live" else "adoption"
    if story == "checklist_illusion":
        crm_status, stage = "Onboarded", "onboarding"
    if story in CHURN_STORIES:
        crm_status, stage = "Churned", "offboarded"
    if story == "renewal_without_engagement" and plan.renewal_date > plan.signals_end:
        stage = "renewal" if (plan.renewal_date - plan.signals_end).days < 120 else stage
    handoff = {
        "handoff_why_bought": rng.choice(texts.WHY_BOUGHT),
        "handoff_real_needs": rng.choice(texts.REAL_NEEDS),
        "handoff_signed_for": rng.choice(texts.SIGNED_FOR),
        "handoff_urgency": rng.choice(["medium", "high", "critical", "low"]),
        "handoff_politics": rng.choice(texts.POLITICS),
    }
    if story == "handoff_context_missing":
        handoff = {key: "" for key in handoff} | {"handoff_urgency": "unknown"}
        handoff["handoff_signed_for"] = rng.choice(texts.SIGNED_FOR)
    terms = dict(STANDARD_DEAL_TERMS)
    if story == "custom_terms":
        custom = {
            "payment_terms": "net_90",
            "discount_pct": rng.choice([25, 35, 40]),
            "termination_for_convenience": True,
            "bespoke_uptime_credit": "10% credit per hour below 99.95%",
            "price_lock_years": 3,
        }
        for term in rng.sample(list(custom), rng.randint(2, 4)):
            terms[term] = custom[term]
    return {
        "crm_status": crm_status,
        "lifecycle_stage": stage,
        "deal_terms": terms,
        **handoff,
    }


def when(day: date, rng: random.Random) -> datetime:
    """A working-hours moment on that day, in UTC."""
    return datetime(
        day.year, day.month, day.day, rng.randint(7, 18), rng.randint(0, 59), tzinfo=UTC
    )
