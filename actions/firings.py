"""Firings: what a rule found, and how it becomes an action.

Every firing of a run lands in a temporary table; one UPDATE refreshes the open actions they
match, and one INSERT creates the rest (the partial unique index keeps one open action per
account, rule and flag). The rules' switches and thresholds (RuleSetting) are read here too.
"""

from dataclasses import dataclass
from datetime import date, datetime

import orjson
from django.utils import timezone

from actions.models import Rule, RuleSetting

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

# Firings that an action already answers: open with the same rule and flag, closed by a person
# since the firing's window began, or open with the same playbook (no two on one account). Two
# statements of their own before the insert: an insert that anti-joins the table it writes
# scans its own new rows at every probe when the table's statistics say it is empty (a first
# run over 100,000 accounts ran for minutes).
ANSWERED_SQL = [
    """
DELETE FROM candor_firings f WHERE EXISTS (
    SELECT 1 FROM actions_action x
    WHERE x.account_id = f.account_id AND x.rule = f.rule AND x.flag = f.flag
      AND (x.status = 'open' OR (x.status <> 'resolved' AND x.created_at >= f.since)))
""",
    """
DELETE FROM candor_firings f WHERE EXISTS (
    SELECT 1 FROM actions_action y JOIN actions_playbook p ON p.id = y.playbook_id
    WHERE y.account_id = f.account_id AND p.code = f.playbook AND y.status = 'open')
""",
]

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
ON CONFLICT (account_id, rule, flag) WHERE status = 'open' AND NOT (rule = 'manual') DO NOTHING
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
    now = timezone.now()
    cursor.execute(REFRESH_SQL, {"now": now})
    for answered in ANSWERED_SQL:
        cursor.execute(answered)
    titles = orjson.dumps({str(k): v for k, v in DEFAULT_TITLES.items()}).decode()
    cursor.execute(CREATE_SQL, {"now": now, "as_of": as_of, "titles": titles})
    created = [row[0] for row in cursor.fetchall()]
    cursor.execute("DROP TABLE candor_firings")
    return created
