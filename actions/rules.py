"""The rules that turn what a scoring run found into actions, set-based over the run's accounts.

After a run commits, one statement compares each account's CurrentHealth with what the rules
last saw of it (AlertState) and returns only the accounts whose RAG or flags moved: that is
where `entered_red`, `flag_raised` and the flag/health webhook events come from. `score_drop`,
`renewal_at_risk` and `sentiment_stale` are each one query over the run's accounts. Every firing
lands in a temporary table; one UPDATE refreshes the open actions they match and one INSERT
creates the rest (the partial unique index keeps one open action per account, rule and flag).
No query runs per account.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import orjson
from django.db import connection
from django.utils import timezone

from actions.models import AlertState, FlagSnooze, Rule, RuleSetting, Sentiment
from health.models import CurrentHealth, HealthScore
from health.scoring import explain
from health.scoring import reasons as why
from health.scoring.explain import FACTS, Facts
from health.scoring.flags import FLAG_LABELS

DEFAULT_SETTINGS = {
    Rule.ENTERED_RED: {"points": 0, "days": 0, "due_in_days": 3},
    Rule.SCORE_DROP: {"points": 10, "days": 7, "due_in_days": 7},
    Rule.FLAG_RAISED: {"points": 0, "days": 0, "due_in_days": 14},
    Rule.RENEWAL_AT_RISK: {"points": 0, "days": 90, "due_in_days": 14},
    Rule.SENTIMENT_STALE: {"points": 0, "days": 120, "due_in_days": 7},
}
DEFAULT_TITLES = {
    Rule.ENTERED_RED: "Account entered red: find out why this week",
    Rule.SCORE_DROP: "Score dropped: find what changed",
    Rule.RENEWAL_AT_RISK: "Renewal at risk: build the case before the date",
    Rule.SENTIMENT_STALE: "Refresh your read on this account",
}
# The history of score_drop's reference day is searched this far back at most.
REFERENCE_SEARCH_DAYS = 30


@dataclass(frozen=True)
class Setting:
    active: bool
    points: int
    days: int
    due_in_days: int


def rule_settings() -> dict[str, Setting]:
    """Each rule's switch and thresholds: the admin's rows over the defaults."""
    rows = {row.rule: row for row in RuleSetting.objects.all()}
    settings = {}
    for rule, default in DEFAULT_SETTINGS.items():
        row = rows.get(rule)
        values = (
            {"active": row.active, "points": row.points, "days": row.days,
             "due_in_days": row.due_in_days}
            if row else {"active": True, **default}
        )  # fmt: skip
        settings[rule] = Setting(**values)
    return settings


@dataclass
class Firing:
    """A rule that fired for an account. `since`: a new action is created only if none for the
    same account, rule and flag was created since then (None: only the open-one guard)."""

    account_id: int
    rule: str
    reason: str
    flag: str = ""
    since: datetime | None = None
    refresh: bool = True


@dataclass
class Change:
    """An account whose RAG or flags moved since the rules last saw it."""

    account_id: int
    rag: str
    overall: float | None
    flags: list[str]
    previous_rag: str | None
    previous_flags: list[str]
    facts: list | None

    @property
    def first_seen(self) -> bool:
        return self.previous_rag is None

    @property
    def raised(self) -> list[str]:
        return [code for code in self.flags if code not in self.previous_flags]

    @property
    def cleared(self) -> list[str]:
        return [code for code in self.previous_flags if code not in self.flags]


@dataclass
class RunResult:
    changes: list[Change] = field(default_factory=list)
    created: list[int] = field(default_factory=list)
    raised: list[tuple[Change, str]] = field(default_factory=list)
    cleared: list[tuple[Change, str]] = field(default_factory=list)


def codes(flag_codes: str | None) -> list[str]:
    return [code for code in (flag_codes or "").split(",") if code]


def _bounds(account_ids) -> dict:
    return {"ids": list(account_ids), "lo": min(account_ids), "hi": max(account_ids)}


CHANGES_SQL = f"""
WITH changed AS (
    SELECT c.account_id, c.rag, c.overall, c.flag_codes, c.computed_at,
           a.rag AS previous_rag, a.flag_codes AS previous_flags, h.facts
    FROM {CurrentHealth._meta.db_table} c
    LEFT JOIN {AlertState._meta.db_table} a ON a.account_id = c.account_id
    LEFT JOIN {HealthScore._meta.db_table} h ON h.id = c.score_id AND h.as_of = %(as_of)s
    WHERE c.account_id BETWEEN %(lo)s AND %(hi)s AND c.account_id = ANY(%(ids)s)
      AND (a.account_id IS NULL OR a.rag <> c.rag OR a.flag_codes <> c.flag_codes)
), seen AS (
    INSERT INTO {AlertState._meta.db_table} (account_id, rag, flag_codes, computed_at)
    SELECT account_id, rag, flag_codes, computed_at FROM changed
    ON CONFLICT (account_id) DO UPDATE
    SET rag = EXCLUDED.rag, flag_codes = EXCLUDED.flag_codes, computed_at = EXCLUDED.computed_at
)
SELECT account_id, rag, overall, flag_codes, previous_rag, previous_flags, facts FROM changed
"""


def changes_since_last_seen(cursor, account_ids, as_of: date) -> list[Change]:
    """The run's accounts whose RAG or flags moved, and remember what they are now."""
    cursor.execute(CHANGES_SQL, {**_bounds(account_ids), "as_of": as_of})
    return [
        Change(account_id, rag, overall, codes(flags), previous_rag, codes(previous_flags),
               _facts(facts))
        for account_id, rag, overall, flags, previous_rag, previous_flags, facts in cursor
    ]  # fmt: skip


def _facts(raw) -> list | None:
    if raw is None:
        return None
    return orjson.loads(raw) if isinstance(raw, str | bytes) else raw


def flag_words(change: Change, code: str) -> str:
    """The flag's own reasons, as the account page words them."""
    facts = change.facts
    if not facts or len(facts) != len(FACTS):
        return f"{FLAG_LABELS.get(code, code)} raised."
    row = Facts(*(float("nan") if value is None else value for value in facts))
    words = " ".join(why.flag_reasons(code, row))
    return words or f"{FLAG_LABELS.get(code, code)} raised."


def entered_red(changes: list[Change]) -> list[Firing]:
    firings = []
    for change in changes:
        if change.rag != "red" or change.previous_rag == "red":
            continue
        was = f" (was {change.previous_rag})" if change.previous_rag else ""
        score = "no score" if change.overall is None else f"{change.overall:.0f}"
        headline = explain(change.facts or [], ",".join(change.flags), change.overall)["reasons"]
        reason = " ".join([f"Entered red at {score}{was}.", *headline[:2]])
        firings.append(Firing(change.account_id, Rule.ENTERED_RED, reason))
    return firings


def flags_raised(changes, snoozed: set[tuple[int, str]]) -> tuple[list[Firing], list]:
    """One firing per flag newly on an account, unless a CSM snoozed it there."""
    firings, raised = [], []
    for change in changes:
        for code in change.raised:
            if (change.account_id, code) in snoozed:
                continue
            raised.append((change, code))
            firings.append(
                Firing(change.account_id, Rule.FLAG_RAISED, flag_words(change, code), flag=code)
            )
    return firings, raised


def _snoozes_in(account_ids, **lookups):
    """Snoozes of the run's accounts: few rows, read by the run's id range, kept by membership
    (never an IN list of the run's 100,000 ids)."""
    run = set(account_ids)
    rows = FlagSnooze.objects.filter(
        account_id__gte=min(run), account_id__lte=max(run), **lookups
    ).values_list("pk", "account_id", "flag")
    return [(pk, account_id, flag) for pk, account_id, flag in rows if account_id in run]


def snoozed_flags(account_ids, as_of: date) -> set[tuple[int, str]]:
    return {(a, flag) for _, a, flag in _snoozes_in(account_ids, until__gt=as_of)}


def snoozes_ended(account_ids, as_of: date, changes_by_id: dict) -> list[Firing]:
    """Snoozes that ran out: a flag still on the account is raised again (once)."""
    ended = _snoozes_in(account_ids, until__lte=as_of, reraised_at__isnull=True)
    if not ended:
        return []
    current = dict(
        CurrentHealth.objects.filter(account_id__in={a for _, a, _ in ended}).values_list(
            "account_id", "flag_codes"
        )
    )
    still_on = [(pk, a, code) for pk, a, code in ended if code in codes(current.get(a))]
    scores = _current_facts({a for _, a, _ in still_on}, as_of, changes_by_id)
    FlagSnooze.objects.filter(pk__in=[pk for pk, _, _ in ended]).update(reraised_at=_now())
    return [
        Firing(a, Rule.FLAG_RAISED, "Snooze ended; still on. " + flag_words(scores[a], code),
               flag=code)
        for _, a, code in still_on
    ]  # fmt: skip


def _current_facts(account_ids, as_of, changes_by_id) -> dict[int, Change]:
    missing = [a for a in account_ids if a not in changes_by_id]
    found = dict(changes_by_id)
    if missing:
        rows = HealthScore.objects.filter(
            id__in=CurrentHealth.objects.filter(account_id__in=missing).values("score_id"),
            as_of=as_of,
        ).values_list("account_id", "rag", "overall", "flag_codes", "facts")
        for account_id, rag, overall, flags, facts in rows:
            found[account_id] = Change(account_id, rag, overall, codes(flags), rag, [], facts)
    return found


DROP_SQL = f"""
WITH reference AS (
    SELECT DISTINCT ON (h.account_id) h.account_id, h.overall
    FROM {HealthScore._meta.db_table} h
    WHERE h.as_of = %(day)s AND h.account_id BETWEEN %(lo)s AND %(hi)s
      AND h.account_id = ANY(%(ids)s) AND h.overall IS NOT NULL
    ORDER BY h.account_id, h.computed_at DESC
)
SELECT c.account_id, r.overall, c.overall
FROM reference r JOIN {CurrentHealth._meta.db_table} c ON c.account_id = r.account_id
WHERE r.overall - c.overall >= %(points)s
"""


def score_drops(cursor, account_ids, as_of: date, setting: Setting) -> list[Firing]:
    """Accounts whose score fell `points` or more since the last scoring day `days` before
    (the day the page's "in 7 days" compares with), read as one index range of that day."""
    day = _reference_day(cursor, as_of - timedelta(days=setting.days))
    if day is None:
        return []
    cursor.execute(DROP_SQL, {**_bounds(account_ids), "day": day, "points": setting.points})
    since = _now() - timedelta(days=setting.days)
    return [
        Firing(account_id, Rule.SCORE_DROP,
               f"Score fell {before - after:.0f} points in {setting.days} days "
               f"({before:.0f} → {after:.0f}, since {day:%-d %b}).", since=since, refresh=False)
        for account_id, before, after in cursor.fetchall()
    ]  # fmt: skip


def _reference_day(cursor, day: date) -> date | None:
    cursor.execute(
        f"SELECT max(as_of) FROM {HealthScore._meta.db_table} WHERE as_of <= %s AND as_of > %s",
        [day, day - timedelta(days=REFERENCE_SEARCH_DAYS)],
    )
    return cursor.fetchone()[0]


RENEWAL_SQL = """
SELECT c.account_id, c.rag, acc.renewal_date
FROM health_currenthealth c JOIN accounts_account acc ON acc.id = c.account_id
WHERE c.account_id BETWEEN %(lo)s AND %(hi)s AND c.account_id = ANY(%(ids)s)
  AND acc.renewal_date BETWEEN %(today)s AND %(until)s AND c.rag <> 'green'
  AND acc.outcome <> 'churned'
"""


def renewals_at_risk(cursor, account_ids, as_of: date, setting: Setting) -> list[Firing]:
    """Renewing within `days` and not green: one action per renewal window."""
    params = {**_bounds(account_ids), "today": as_of, "until": as_of + timedelta(setting.days)}
    cursor.execute(RENEWAL_SQL, params)
    return [
        Firing(account_id, Rule.RENEWAL_AT_RISK,
               f"Renews on {renewal:%-d %b %Y} and the score is {rag}, not green.",
               since=_midnight(renewal - timedelta(days=setting.days)), refresh=False)
        for account_id, rag, renewal in cursor.fetchall()
    ]  # fmt: skip


STALE_SQL = f"""
SELECT DISTINCT ON (s.account_id) s.account_id, s.rating, s.expires_on, acc.renewal_date
FROM {Sentiment._meta.db_table} s JOIN accounts_account acc ON acc.id = s.account_id
WHERE s.account_id BETWEEN %(lo)s AND %(hi)s AND s.account_id = ANY(%(ids)s)
  AND acc.renewal_date BETWEEN %(today)s AND %(until)s AND acc.outcome <> 'churned'
ORDER BY s.account_id, s.created_at DESC, s.id DESC
"""


def sentiments_stale(cursor, account_ids, as_of: date, setting: Setting) -> list[Firing]:
    """The CSM's latest sentiment has expired and the account renews within `days`."""
    params = {**_bounds(account_ids), "today": as_of, "until": as_of + timedelta(setting.days)}
    cursor.execute(STALE_SQL, params)
    return [
        Firing(account_id, Rule.SENTIMENT_STALE,
               f"Your sentiment ({rating}) expired on {expires:%-d %b %Y} and the account renews "
               f"on {renewal:%-d %b %Y}.", since=_midnight(expires), refresh=False)
        for account_id, rating, expires, renewal in cursor.fetchall()
        if expires <= as_of
    ]  # fmt: skip


def _now() -> datetime:
    return timezone.now()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


FIRINGS_TABLE = """
CREATE TEMP TABLE candor_firings (
    account_id bigint, rule text, flag text, reason text, since timestamptz, refresh boolean,
    playbook text, due_in_days integer
) ON COMMIT DROP
"""

REFRESH_SQL = """
UPDATE actions_action a SET reason = f.reason, fired_at = %(now)s, updated_at = %(now)s
FROM candor_firings f
WHERE a.account_id = f.account_id AND a.rule = f.rule AND a.flag = f.flag AND a.status = 'open'
  AND (f.refresh OR a.reason IS DISTINCT FROM f.reason)
"""

CREATE_SQL = """
INSERT INTO actions_action (account_id, title, reason, rule, flag, playbook_id, steps, owner_id,
                            due_on, status, created_at, updated_at, fired_at, outcome_note)
SELECT f.account_id, coalesce(p.title, %(titles)s::jsonb ->> f.rule, f.flag), f.reason, f.rule,
       f.flag, p.id,
       coalesce((SELECT jsonb_agg(jsonb_build_object('text', step, 'done', false))
                 FROM jsonb_array_elements_text(p.steps) step), '[]'::jsonb),
       acc.csm_id, %(as_of)s::date + f.due_in_days, 'open', %(now)s, %(now)s, %(now)s, ''
FROM candor_firings f
JOIN accounts_account acc ON acc.id = f.account_id
LEFT JOIN actions_playbook p ON p.code = f.playbook
WHERE (p.id IS NULL OR p.active)
  AND NOT EXISTS (
      SELECT 1 FROM actions_action x
      WHERE x.account_id = f.account_id AND x.rule = f.rule AND x.flag = f.flag
        AND (x.status = 'open' OR x.created_at >= f.since))
ON CONFLICT (account_id, rule, flag) WHERE status = 'open' DO NOTHING
RETURNING id
"""


def actions_fire(cursor, firings: list[Firing], settings: dict, as_of: date) -> list[int]:
    """Refresh the open actions the firings match; create the others. Returns new ids."""
    firings = [f for f in firings if settings[f.rule].active]
    if not firings:
        return []
    cursor.execute("DROP TABLE IF EXISTS candor_firings")
    cursor.execute(FIRINGS_TABLE)
    rows = [
        (f.account_id, f.rule, f.flag, f.reason, f.since, f.refresh, f.flag or f.rule,
         settings[f.rule].due_in_days)
        for f in firings
    ]  # fmt: skip
    with cursor.cursor.copy("COPY candor_firings FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    now = _now()
    cursor.execute(REFRESH_SQL, {"now": now})
    titles = orjson.dumps({str(k): v for k, v in DEFAULT_TITLES.items()}).decode()
    cursor.execute(CREATE_SQL, {"now": now, "as_of": as_of, "titles": titles})
    created = [row[0] for row in cursor.fetchall()]
    cursor.execute("DROP TABLE candor_firings")
    return created


def rules_run(*, account_ids, as_of: date) -> RunResult:
    """Every rule over the run's accounts (call inside a transaction)."""
    result = RunResult()
    if not account_ids:
        return result
    settings = rule_settings()
    with connection.cursor() as cursor:
        result.changes = changes_since_last_seen(cursor, account_ids, as_of)
        snoozed = snoozed_flags(account_ids, as_of)
        firings = entered_red(result.changes)
        flag_firings, result.raised = flags_raised(result.changes, snoozed)
        firings += flag_firings
        by_id = {change.account_id: change for change in result.changes}
        firings += snoozes_ended(account_ids, as_of, by_id)
        result.cleared = [
            (change, code)
            for change in result.changes
            for code in change.cleared
            if (change.account_id, code) not in snoozed
        ]
        if settings[Rule.SCORE_DROP].active:
            firings += score_drops(cursor, account_ids, as_of, settings[Rule.SCORE_DROP])
        if settings[Rule.RENEWAL_AT_RISK].active:
            firings += renewals_at_risk(cursor, account_ids, as_of, settings[Rule.RENEWAL_AT_RISK])
        if settings[Rule.SENTIMENT_STALE].active:
            firings += sentiments_stale(cursor, account_ids, as_of, settings[Rule.SENTIMENT_STALE])
        result.created = actions_fire(cursor, firings, settings, as_of)
    return result
