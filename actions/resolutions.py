"""Actions follow the truth: an open action whose condition has cleared closes itself.

After each scoring run, one UPDATE over the run's accounts (joined as `candor_run r`:
actions.run) sets `resolved`, `closed_at` and a `resolution` saying what cleared on every
open action whose rule no longer holds. Nothing is read or written per account. An account
whose colour is unknown resolves nothing on its health: missing is missing, not "cleared".

If the condition returns, the rules raise a new action (the one-open-per-rule index allows
it; a resolved action never holds a new one back the way a dismissed one does).
"""

from datetime import date

import orjson

from actions.models import ActionStatus, Rule
from actions.run import run_bounds, run_sql
from health.scoring.flags import FLAG_LABELS

# score_drop's reason is written by actions.rules ("Score fell 12 points in 7 days (70 → 58,
# since 1 Dec)."): the score it fell from is the first number in the brackets.
DROP_FROM = r"\((\d+) →"

RESOLVE_SQL = rf"""
WITH latest_sentiment AS (
    -- Read only for the accounts with an open sentiment_stale action (few).
    SELECT DISTINCT ON (s.account_id) s.account_id, s.rating, s.expires_on
    FROM actions_action y
    JOIN candor_run r ON r.account_id = y.account_id
    JOIN actions_sentiment s ON s.account_id = y.account_id
    WHERE y.rule = 'sentiment_stale' AND y.status = 'open'
      AND y.account_id BETWEEN %(lo)s AND %(hi)s
    ORDER BY s.account_id, s.created_at DESC, s.id DESC
), cleared AS (
    SELECT x.id, CASE
        WHEN x.rule = 'entered_red' AND c.rag IN ('amber', 'green')
            THEN format('Account left red (now %%s).', c.rag)
        WHEN x.rule = 'flag_raised' AND c.rag <> 'unknown'
             AND NOT x.flag = ANY(string_to_array(c.flag_codes, ','))
            THEN format('Flag cleared: %%s.', coalesce(%(labels)s::jsonb ->> x.flag, x.flag))
        WHEN x.rule = 'score_drop' AND c.rag <> 'unknown' AND c.overall IS NOT NULL
             AND c.overall >= (substring(x.reason from '{DROP_FROM}'))::numeric
            THEN format('Score recovered to %%s (it fell from %%s).', round(c.overall::numeric),
                        substring(x.reason from '{DROP_FROM}'))
        WHEN x.rule IN ('renewal_at_risk', 'sentiment_stale') AND acc.outcome = 'churned'
            THEN 'Account churned.'
        WHEN x.rule IN ('renewal_at_risk', 'sentiment_stale') AND acc.outcome = 'renewed'
             AND acc.outcome_on >= x.created_at::date
            THEN format('Renewed on %%s.', to_char(acc.outcome_on, 'FMDD Mon YYYY'))
        WHEN x.rule = 'renewal_at_risk' AND acc.renewal_date > %(today)s::date + %(renewal_days)s
            THEN format('Renewal now on %%s, beyond the %%s-day window.',
                        to_char(acc.renewal_date, 'FMDD Mon YYYY'), %(renewal_days)s)
        WHEN x.rule = 'renewal_at_risk' AND c.rag = 'green'
            THEN 'Account is green now.'
        WHEN x.rule = 'sentiment_stale' AND ls.expires_on > %(today)s
            THEN format('Sentiment refreshed (%%s, valid until %%s).', ls.rating,
                        to_char(ls.expires_on, 'FMDD Mon YYYY'))
        WHEN x.rule = 'sentiment_stale' AND acc.renewal_date > %(today)s::date + %(stale_days)s
            THEN format('Renewal now on %%s, beyond the %%s-day window.',
                        to_char(acc.renewal_date, 'FMDD Mon YYYY'), %(stale_days)s)
    END AS resolution
    FROM actions_action x
    JOIN candor_run r ON r.account_id = x.account_id
    JOIN accounts_account acc ON acc.id = x.account_id
    JOIN health_currenthealth c ON c.account_id = x.account_id
    LEFT JOIN latest_sentiment ls ON ls.account_id = x.account_id
    WHERE x.status = 'open' AND x.rule <> 'manual' AND x.account_id BETWEEN %(lo)s AND %(hi)s
      -- The range on each table: the planner carries no range across a join.
      AND c.account_id BETWEEN %(lo)s AND %(hi)s AND acc.id BETWEEN %(lo)s AND %(hi)s
)
UPDATE actions_action a
SET status = '{ActionStatus.RESOLVED}', closed_at = %(now)s, updated_at = %(now)s,
    closed_by_id = NULL, resolution = cleared.resolution
FROM cleared
WHERE a.id = cleared.id AND cleared.resolution IS NOT NULL
RETURNING a.id
"""


def actions_resolve(cursor, account_ids, as_of: date, settings: dict, now) -> list[int]:
    """Resolve the run's open actions whose condition cleared; returns their ids. A large run
    needs its `candor_run` table (actions.run)."""
    params = {
        **run_bounds(account_ids), "today": as_of, "now": now,
        "labels": orjson.dumps(FLAG_LABELS).decode(),
        "renewal_days": settings[Rule.RENEWAL_AT_RISK].days,
        "stale_days": settings[Rule.SENTIMENT_STALE].days,
    }  # fmt: skip
    cursor.execute(run_sql(RESOLVE_SQL, account_ids), params)
    return [row[0] for row in cursor.fetchall()]
