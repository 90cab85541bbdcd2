"""Product-usage and people signals over the last eighteen months, shaped by each account's story.

Daily rates are drawn with numpy (Poisson per day, times a story-specific trend), so a
100,000-account benchmark portfolio is generated in seconds per ten thousand accounts.
"""

from datetime import UTC, date, datetime, timedelta

import numpy as np

from demo import texts
from demo.portfolio import AccountPlan

# Eighteen months of signals for every account (or since its contract started, and until it
# churned), so past dates are scored from the same depth of data as today: the backtest, the
# validity table and the forecast replay of the last four quarters read the 90 days before the
# oldest quarter's start (about 520 days ago) and the months before the demo's churns.
WINDOW_DAYS = 540
LOGIN_RATE = 0.12  # logins per user per day for an engaged user
WORKDAY_START, WORKDAY_END = 7 * 3600, 19 * 3600  # seconds after midnight, UTC
# A large portfolio's accounts keep the story's events of their last half year (see
# `generate_budgeted`): the windows scoring reads, and enough for the budget's half.
STORY_DAYS = 180

# Story → (share of seats who use it, reports/day, feature breadth, invites/day, tickets/day)
PROFILES = {
    "checklist_illusion": (0.35, 0.05, 2, 0.0, 0.12),
    "renewal_without_engagement": (0.55, 0.25, 5, 0.005, 0.05),
    "churned": (0.45, 0.15, 4, 0.0, 0.10),
    "churned_never_got_value": (0.3, 0.05, 2, 0.0, 0.25),
}
HEALTHY_PROFILE = (0.8, 0.45, 8, 0.06, 0.03)


def trend(plan: AccountPlan, days: np.ndarray, today: date) -> np.ndarray:
    """Activity multiplier per day: steady or rising when healthy, falling where the story says."""
    return trend_by_age(plan, np.array([(today - d).days for d in days]), today)


def trend_by_age(plan: AccountPlan, ago: np.ndarray, today: date) -> np.ndarray:
    """`trend` of the days `ago` days before today (an array of ints: no dates to build)."""
    position = 1 - ago / WINDOW_DAYS
    factor = 0.9 + 0.2 * position
    if plan.story == "renewal_without_engagement":
        factor = np.where(ago >= 60, 1.0, np.where(ago >= 30, 0.8, 0.25))
    elif plan.story == "checklist_illusion" and plan.extra.get("severe"):
        factor = np.where(ago >= 45, 1.0, 0.3)
    elif plan.story == "churned":
        before_end = ago - (today - plan.signals_end).days
        factor = np.clip(before_end / 90, 0.08, 1.0)
    elif plan.story in ("champion_left", "churned_champion_left"):
        left_ago = (today - plan.extra["champion_left_on"]).days
        factor = np.where(ago <= left_ago, 0.6, 1.0)
    return factor


def generate(plan: AccountPlan, today: date, rng: np.random.Generator, per_account=None):
    """Return (events, first_roi): events are (day, kind, actor, value) and first_roi a date."""
    start = max(today - timedelta(days=WINDOW_DAYS), plan.contract_start)
    span = (plan.signals_end - start).days + 1
    days = [start + timedelta(days=i) for i in range(max(span, 0))]
    users_share, reports, breadth, invites, tickets = PROFILES.get(plan.story, HEALTHY_PROFILE)
    users = max(2, round(plan.seats * users_share))
    first_roi = _first_roi(plan, rng)
    if not days:
        return [], first_roi
    multiplier = trend(plan, np.array(days), today)
    rates = _usage_rates(plan, users, reports, tickets)
    if per_account:
        scale = per_account / max(1.0, sum(rates.values()) * multiplier.sum())
        rates = {kind: rate * scale for kind, rate in rates.items()}
    events = []
    for kind, rate in rates.items():
        counts = rng.poisson(rate * multiplier)
        for index in np.repeat(np.arange(len(days)), counts):
            events.append((days[index], kind, _actor(rng, users), ""))
    _values_for_features(events, rng, breadth)
    events += _invites(plan, start, rng, invites)
    events += _milestone_events(plan, first_roi, start, rng, users)
    return events, first_roi


def _usage_rates(plan: AccountPlan, users: int, reports: float, tickets: float) -> dict:
    """Product-usage events per day of each kind, before the story's trend bends them."""
    return {
        "login": users * LOGIN_RATE,
        "report_generated": reports,
        "feature_used": 0.5,
        "support_ticket": tickets,
        "export": 0.1,
        "api_call": 0.2 if plan.segment == "enterprise" else 0.02,
    }


def generate_budgeted(plan: AccountPlan, today: date, rng: np.random.Generator, per_account: int):
    """`generate` for a large portfolio: about `per_account` signals in all, not on top of the
    story's. The story's own events of its last STORY_DAYS (ROI reports, meetings, surveys,
    invites, upsell calls) take up to half of them, the most recent first; product usage takes
    the rest, drawn at once over the account's days in proportion to each kind's rate times the
    story's trend (what the day-by-day Poisson draws of `generate` add up to), with no Python
    loop over the days."""
    start = max(today - timedelta(days=WINDOW_DAYS), plan.contract_start)
    span = (plan.signals_end - start).days + 1
    users_share, reports, breadth, invites, tickets = PROFILES.get(plan.story, HEALTHY_PROFILE)
    users = max(2, round(plan.seats * users_share))
    first_roi = _first_roi(plan, rng)
    if span <= 0:
        return [], first_roi
    story = _invites(plan, start, rng, invites)
    since = max(start, plan.signals_end - timedelta(days=STORY_DAYS))
    story += _milestone_events(plan, first_roi, since, rng, users)
    story = sorted(story, key=lambda event: event[0], reverse=True)[: per_account // 2]
    rates = _usage_rates(plan, users, reports, tickets)
    ago = (today - start).days - np.arange(span)
    weights = np.outer(list(rates.values()), trend_by_age(plan, ago, today)).ravel()
    budget = max(per_account - len(story), 0)
    usage = _usage_drawn(list(rates), weights, start, rng, budget, users, breadth)
    return usage + story, first_roi


def _usage_drawn(kinds, weights, start, rng, budget, users, breadth):
    """`budget` usage events on average: (kind, day) picked by weight, an actor, a feature."""
    span = weights.size // len(kinds)
    bounds = np.cumsum(weights)
    picks = np.searchsorted(bounds, rng.random(rng.poisson(budget)) * bounds[-1], side="right")
    actors = rng.integers(users, size=picks.size) + 1
    features = texts.FEATURES[:breadth]
    chosen = rng.integers(len(features), size=picks.size)
    return [
        (
            start + timedelta(days=int(pick % span)),
            kinds[pick // span],
            f"user{actor}",
            features[feature] if kinds[pick // span] == "feature_used" else "",
        )
        for pick, actor, feature in zip(
            picks.tolist(), actors.tolist(), chosen.tolist(), strict=True
        )
    ]


def _invites(plan: AccountPlan, start: date, rng, rate):
    """Colleagues invited: a Poisson draw on each of the last 91 days of signals (from `start`),
    without building every day of the window."""
    first = max(start, plan.signals_end - timedelta(days=90))
    counts = rng.poisson(rate, (plan.signals_end - first).days + 1)
    return [
        (first + timedelta(days=day), "colleague_invited", "champion", "")
        for day in np.repeat(np.arange(counts.size), counts).tolist()
    ]


def _actor(rng, users: int) -> str:
    return f"user{int(rng.integers(users)) + 1}"


def _values_for_features(events, rng, breadth):
    features = texts.FEATURES[:breadth]
    for i, (day, kind, actor, _value) in enumerate(events):
        if kind == "feature_used":
            events[i] = (day, kind, actor, features[int(rng.integers(len(features)))])


def _first_roi(plan: AccountPlan, rng) -> date | None:
    if plan.story in ("checklist_illusion", "churned_never_got_value"):
        return None
    return plan.contract_start + timedelta(days=int(rng.integers(10, 26)))


SURVEY_RANGES = {
    "checklist_illusion": (3, 6),
    "churned": (2, 5),
    "churned_never_got_value": (3, 6),
    "churned_champion_left": (5, 8),
    "renewal_without_engagement": (5, 7),
}


def _milestone_events(plan: AccountPlan, first_roi, since: date, rng, users):
    """ROI reports, exec meetings, upsell calls and confidence surveys: the outcomes and people."""
    end = plan.signals_end
    events = []
    if first_roi and first_roi <= end:
        events.append((first_roi, "roi_report_generated", "user1", ""))
        stop = _roi_reports_stop(plan, end)
        day = first_roi + timedelta(days=int(rng.integers(28, 36)))
        while day <= stop:
            if day >= since:
                events.append((day, "roi_report_generated", "user1", ""))
            day += timedelta(days=int(rng.integers(28, 36)))
    events += _exec_and_upsell(plan, end, since, rng)
    low, high = SURVEY_RANGES.get(plan.story, (7, 10))
    day = end - timedelta(days=int(rng.integers(0, 30)))
    while day >= since:
        events.append(
            (day, "confidence_survey", _actor(rng, users), str(int(rng.integers(low, high + 1))))
        )
        day -= timedelta(days=30)
    return events


def _roi_reports_stop(plan: AccountPlan, end: date) -> date:
    """The last day the customer still produced the report it bought the product for."""
    if plan.story == "churned":
        return end - timedelta(days=120)
    if plan.story == "churned_champion_left":
        return plan.extra["champion_left_on"]  # the champion was the one who ran it
    if plan.story == "renewal_without_engagement" and plan.extra.get("severe"):
        return end - timedelta(days=100)
    return end


def _exec_and_upsell(plan: AccountPlan, end: date, since: date, rng):
    story = plan.story
    if story == "checklist_illusion" and plan.extra.get("severe"):
        return []
    if story == "churned_never_got_value":
        return []
    if story in ("renewal_without_engagement", "churned"):
        if story == "renewal_without_engagement":
            return [
                (
                    end - timedelta(days=int(rng.integers(30, 120))),
                    "upsell_call_declined",
                    "exec",
                    "",
                )
            ]
        return []
    first_gap = (100, 150) if story == "stakeholder_misalignment" else (5, 60)
    events = []
    day = end - timedelta(days=int(rng.integers(*first_gap)))
    while day >= since:
        events.append((day, "exec_meeting", "exec", ""))
        day -= timedelta(days=int(rng.integers(60, 90)))
    if story == "churned_budget_cut":  # a healthy account whose budget went: the one hint
        events.append(
            (end - timedelta(days=int(rng.integers(20, 90))), "upsell_call_declined", "exec", "")
        )
    elif story not in ("stakeholder_misalignment", "churned_champion_left") and rng.random() < 0.7:
        events.append(
            (end - timedelta(days=int(rng.integers(20, 150))), "upsell_call_accepted", "exec", "")
        )
    return [(d, k, a, v) for d, k, a, v in events if d >= plan.contract_start]


def moments(days: list[date], rng: np.random.Generator, now: datetime) -> list[datetime]:
    """A working-hours moment on each event's day, never later than `now`.

    An event dated today falls in the part of today that has already passed (its working-hours
    draw scaled into it), so a fresh demo never shows activity "0 minutes ago" or in the future.
    """
    seconds = _seconds_into_day(_ordinals(days), rng, now)
    return [
        _midnight(day) + timedelta(seconds=float(s)) for day, s in zip(days, seconds, strict=True)
    ]


def moments_text(days: list[date], rng: np.random.Generator, now: datetime) -> list[str]:
    """`moments` as ISO 8601 text in UTC, built by numpy at once: what COPY reads of millions."""
    ordinals = _ordinals(days)
    seconds = _seconds_into_day(ordinals, rng, now)
    at = (ordinals - EPOCH).astype("datetime64[D]") + np.round(seconds * 1e6).astype(
        "timedelta64[us]"
    )
    return np.datetime_as_string(at, unit="us", timezone="UTC").tolist()


EPOCH = date(1970, 1, 1).toordinal()


def _ordinals(days: list[date]) -> np.ndarray:
    return np.array([day.toordinal() for day in days], dtype=np.int64)


def _seconds_into_day(ordinals: np.ndarray, rng: np.random.Generator, now: datetime):
    seconds = rng.integers(WORKDAY_START, WORKDAY_END, len(ordinals)).astype(float)
    today = now.date()
    elapsed = (now - _midnight(today)).total_seconds()
    share = (seconds - WORKDAY_START) / (WORKDAY_END - WORKDAY_START)
    return np.where(ordinals >= today.toordinal(), share * elapsed, seconds)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
