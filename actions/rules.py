"""The rules that turn what a scoring run found into actions, set-based over the run's accounts.

After a run commits, one statement compares each account's CurrentHealth with what the rules
last saw of it (AlertState) and returns only the accounts whose RAG or flags moved: that is
where `entered_red`, `flag_raised` and the flag/health webhook events come from. `score_drop`,
`renewal_at_risk` and `sentiment_stale` are each one query over the run's accounts (held in a
temporary table, sent once). `actions.firings` turns the firings into actions in two statements.
No query runs per account.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import orjson
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from actions.firings import Firing, Setting, actions_fire, rule_settings
from actions.models import AlertState, FlagSnooze, Rule, Sentiment
from actions.resolutions import actions_resolve
from actions.run import run_accounts_load, run_bounds, run_sql, small_run
from health.models import CurrentHealth, HealthScore
from health.scoring import explain
from health.scoring.explain import read_facts
from health.scoring.flags import FLAG_BY_CODE, FLAG_LABELS

# The history of score_drop's reference day is searched this far back at most.
REFERENCE_SEARCH_DAYS = 30
# A score with no colour yet (no signal received, within the grace): it raises no action.
UNKNOWN = "unknown"
KNOWN_RAGS = ("red", "amber", "green")


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
    def first_known(self) -> bool:
        """The rules had no colour of this account before: its first score, or the first
        since data arrived (after an import or a history load). Nothing "entered" or
        "dropped"."""
        return self.previous_rag not in KNOWN_RAGS

    @property
    def raised(self) -> list[str]:
        """Flags newly on it; an unknown account raises none, and on its first colour every
        flag it carries is new (none was raised while it was unknown)."""
        if self.rag == UNKNOWN:
            return []
        before = [] if self.previous_rag == UNKNOWN else self.previous_flags
        return [code for code in self.flags if code not in before]

    @property
    def cleared(self) -> list[str]:
        if UNKNOWN in (self.rag, self.previous_rag):
            return []
        return [code for code in self.previous_flags if code not in self.flags]


@dataclass
class RunResult:
    changes: list[Change] = field(default_factory=list)
    created: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    raised: list[tuple[Change, str]] = field(default_factory=list)
    cleared: list[tuple[Change, str]] = field(default_factory=list)


def codes(flag_codes: str | None) -> list[str]:
    return [code for code in (flag_codes or "").split(",") if code]


CHANGES_SQL = f"""
WITH changed AS (
    SELECT c.account_id, c.rag, c.overall, c.flag_codes, c.computed_at, c.score_id,
           a.rag AS previous_rag, a.flag_codes AS previous_flags
    FROM {CurrentHealth._meta.db_table} c
    JOIN candor_run r ON r.account_id = c.account_id
    LEFT JOIN {AlertState._meta.db_table} a ON a.account_id = c.account_id
    WHERE c.account_id BETWEEN %(lo)s AND %(hi)s
      AND (a.account_id IS NULL OR a.rag <> c.rag OR a.flag_codes <> c.flag_codes)
), seen AS (
    INSERT INTO {AlertState._meta.db_table} AS s
        (account_id, rag, flag_codes, computed_at, first_known_on)
    SELECT account_id, rag, flag_codes, computed_at,
           CASE WHEN rag <> 'unknown' THEN %(as_of)s::date END FROM changed
    ON CONFLICT (account_id) DO UPDATE
    SET rag = EXCLUDED.rag, flag_codes = EXCLUDED.flag_codes, computed_at = EXCLUDED.computed_at,
        first_known_on = CASE WHEN s.rag = 'unknown' THEN EXCLUDED.first_known_on
                              ELSE s.first_known_on END
)
-- The facts of the few accounts that moved, each looked up by its score's id: a join let the
-- planner, its statistics a night behind the ever-growing ids, merge along the whole day's
-- partition (812,000 rows read for a 12,500-account shard).
SELECT account_id, rag, overall, flag_codes, previous_rag, previous_flags,
       (SELECT h.facts FROM {HealthScore._meta.db_table} h
        WHERE h.id = changed.score_id AND h.as_of = %(as_of)s) AS facts
FROM changed
"""


def changes_since_last_seen(cursor, account_ids, as_of: date) -> list[Change]:
    """The run's accounts whose RAG or flags moved, and remember what they are now."""
    cursor.execute(run_sql(CHANGES_SQL, account_ids), {**run_bounds(account_ids), "as_of": as_of})
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
    """The flag's own reasons, as the account page words them, from the stored facts in
    whatever layout they were written (their "layout N" marker included)."""
    row = read_facts(change.facts) if change.facts else None
    flag = FLAG_BY_CODE.get(code)
    words = " ".join(flag.reasons(row)) if row is not None and flag else ""
    return words or f"{FLAG_LABELS.get(code, code)} raised."


def entered_red(changes: list[Change]) -> list[Firing]:
    firings = []
    for change in changes:
        if change.rag != "red" or change.previous_rag == "red" or change.first_known:
            continue
        was = f" (was {change.previous_rag})"
        score = "no score" if change.overall is None else f"{change.overall:.0f}"
        flag_codes = f",{','.join(change.flags)},"
        headline = explain(change.facts or [], flag_codes, change.overall)["reasons"]
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


def run_snoozes(account_ids, as_of: date) -> tuple[set[tuple[int, str]], list[tuple]]:
    """The snoozes of the run's accounts in force ({(account, flag)}) and those that ran out
    and were not raised again yet ([(pk, account, flag)]), in one read: few rows, read by the
    run's id range, kept by membership (never an IN list of the run's 100,000 ids)."""
    run = set(account_ids)
    rows = FlagSnooze.objects.filter(
        Q(until__gt=as_of) | Q(reraised_at__isnull=True),
        account_id__gte=min(run), account_id__lte=max(run),
    ).values_list("pk", "account_id", "flag", "until")  # fmt: skip
    rows = [row for row in rows if row[1] in run]
    in_force = {(a, flag) for _, a, flag, until in rows if until > as_of}
    return in_force, [(pk, a, flag) for pk, a, flag, until in rows if until <= as_of]


def snoozes_ended(ended: list[tuple], as_of: date, changes_by_id: dict) -> list[Firing]:
    """Snoozes that ran out (`run_snoozes`): a flag still on the account is raised again
    (once)."""
    if not ended:
        return []
    current = dict(
        CurrentHealth.objects.filter(account_id__in={a for _, a, _ in ended})
        .exclude(rag=UNKNOWN)
        .values_list("account_id", "flag_codes")
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
WITH maybe AS (
    -- Any score of the reference day that high: an index-only range of that day.
    SELECT DISTINCT h.account_id
    FROM {HealthScore._meta.db_table} h
    JOIN candor_run r ON r.account_id = h.account_id
    JOIN {CurrentHealth._meta.db_table} c ON c.account_id = h.account_id
    JOIN {AlertState._meta.db_table} a ON a.account_id = h.account_id
    WHERE h.as_of = %(day)s AND h.account_id BETWEEN %(lo)s AND %(hi)s
      -- The range on each table: the planner carries no range across a join, and a shard
      -- read every account's alert state.
      AND c.account_id BETWEEN %(lo)s AND %(hi)s AND a.account_id BETWEEN %(lo)s AND %(hi)s
      AND h.overall - c.overall >= %(points)s
      -- Nothing dropped before the rules first knew the account's colour.
      AND (a.first_known_on IS NULL OR a.first_known_on <= %(day)s)
), reference AS (
    -- ...then the day's newest score of those few accounts, as the trend reads it.
    SELECT DISTINCT ON (h.account_id) h.account_id, h.overall
    FROM {HealthScore._meta.db_table} h JOIN maybe m ON m.account_id = h.account_id
    WHERE h.as_of = %(day)s
    ORDER BY h.account_id, h.computed_at DESC
), fell AS (
    SELECT c.account_id,
           format('Score fell %%s points in %%s days (%%s → %%s, since %%s).',
                  round((r.overall - c.overall)::numeric), %(days)s, round(r.overall::numeric),
                  round(c.overall::numeric), to_char(%(day)s::date, 'FMDD Mon')) AS reason
    FROM reference r JOIN {CurrentHealth._meta.db_table} c ON c.account_id = r.account_id
    WHERE r.overall - c.overall >= %(points)s
)
SELECT account_id, reason FROM fell
WHERE NOT EXISTS (
    SELECT 1 FROM actions_action x
    WHERE x.account_id = fell.account_id AND x.rule = 'score_drop' AND x.flag = ''
      AND ((x.status = 'open' AND x.reason = fell.reason)
           OR (x.status IN ('done', 'dismissed') AND x.created_at >= %(since)s)))
"""


def score_drops(cursor, account_ids, as_of: date, setting: Setting) -> list[Firing]:
    """Accounts whose score fell `points` or more since the last scoring day `days` before
    (the day the page's "in 7 days" compares with), read as one index range of that day. Only
    what would create or change an action comes back; a dismissed drop is not raised again
    within `days`. Only scores from the day the rules first knew the account's colour count
    (`AlertState.first_known_on`): its first score, or the first after a backfill or a load,
    has not dropped from history nobody was shown."""
    day = _reference_day(cursor, as_of - timedelta(days=setting.days))
    if day is None:
        return []
    since = _now() - timedelta(days=setting.days)
    params = {**run_bounds(account_ids), "day": day, "points": setting.points,
              "days": setting.days, "since": since}  # fmt: skip
    cursor.execute(run_sql(DROP_SQL, account_ids), params)
    return [
        Firing(account_id, Rule.SCORE_DROP, reason, since=since, refresh=False)
        for account_id, reason in cursor.fetchall()
    ]


def _reference_day(cursor, day: date) -> date | None:
    cursor.execute(
        f"SELECT max(as_of) FROM {HealthScore._meta.db_table} WHERE as_of <= %s AND as_of > %s",
        [day, day - timedelta(days=REFERENCE_SEARCH_DAYS)],
    )
    return cursor.fetchone()[0]


RENEWAL_SQL = """
WITH due AS (
    SELECT c.account_id,
           format('Renews on %%s and the score is %%s, not green.',
                  to_char(acc.renewal_date, 'FMDD Mon YYYY'), c.rag) AS reason,
           (acc.renewal_date - %(days)s)::timestamptz AS window_start
    FROM health_currenthealth c JOIN candor_run r ON r.account_id = c.account_id
    JOIN accounts_account acc ON acc.id = c.account_id
    WHERE c.account_id BETWEEN %(lo)s AND %(hi)s
      AND acc.renewal_date BETWEEN %(today)s AND %(until)s AND c.rag NOT IN ('green', 'unknown')
      AND acc.outcome <> 'churned'
)
SELECT account_id, reason, window_start FROM due
WHERE NOT EXISTS (
    SELECT 1 FROM actions_action x
    WHERE x.account_id = due.account_id AND x.rule = 'renewal_at_risk' AND x.flag = ''
      AND ((x.status = 'open' AND x.reason = due.reason)
           OR (x.status IN ('done', 'dismissed') AND x.created_at >= due.window_start)))
"""


def renewals_at_risk(cursor, account_ids, as_of: date, setting: Setting) -> list[Firing]:
    """Renewing within `days` and not green: one action per renewal window. Only what would
    create or change an action comes back: an open one already saying the same is left alone."""
    params = {**run_bounds(account_ids), "today": as_of, "until": as_of + timedelta(setting.days),
              "days": setting.days}  # fmt: skip
    cursor.execute(run_sql(RENEWAL_SQL, account_ids), params)
    return [
        Firing(account_id, Rule.RENEWAL_AT_RISK, reason, since=window_start, refresh=False)
        for account_id, reason, window_start in cursor.fetchall()
    ]


STALE_SQL = f"""
SELECT DISTINCT ON (s.account_id) s.account_id, s.rating, s.expires_on, acc.renewal_date
FROM {Sentiment._meta.db_table} s JOIN candor_run r ON r.account_id = s.account_id
JOIN accounts_account acc ON acc.id = s.account_id
JOIN {CurrentHealth._meta.db_table} c ON c.account_id = s.account_id AND c.rag <> 'unknown'
WHERE s.account_id BETWEEN %(lo)s AND %(hi)s
  AND acc.renewal_date BETWEEN %(today)s AND %(until)s AND acc.outcome <> 'churned'
ORDER BY s.account_id, s.created_at DESC, s.id DESC
"""


def sentiments_stale(cursor, account_ids, as_of: date, setting: Setting) -> list[Firing]:
    """The CSM's latest sentiment has expired and the account renews within `days`."""
    params = {**run_bounds(account_ids), "today": as_of, "until": as_of + timedelta(setting.days)}
    cursor.execute(run_sql(STALE_SQL, account_ids), params)
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


def rules_run(*, account_ids, as_of: date) -> RunResult:
    """Every rule over the run's accounts (call inside a transaction)."""
    result = RunResult()
    if not account_ids:
        return result
    settings = rule_settings()
    with connection.cursor() as cursor:
        if not small_run(account_ids):
            run_accounts_load(cursor, account_ids)
        result.changes = changes_since_last_seen(cursor, account_ids, as_of)
        result.resolved = actions_resolve(cursor, account_ids, as_of, settings, _now())
        snoozed, ended = run_snoozes(account_ids, as_of)
        firings = entered_red(result.changes)
        flag_firings, result.raised = flags_raised(result.changes, snoozed)
        firings += flag_firings
        by_id = {change.account_id: change for change in result.changes}
        firings += snoozes_ended(ended, as_of, by_id)
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
        if not small_run(account_ids):
            cursor.execute("DROP TABLE candor_run")
    return result
