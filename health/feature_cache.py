"""Today's account-side features kept per account between runs, so the nightly rescore reads
one row per account instead of grouping 900,000 milestones (and their proofs), stakeholders,
signatures, decisions and commitments again.

An account's row (`FeatureCache`) holds the CSV lines its grouped queries wrote on
`computed_for` (`health.frames`), and `valid_until`: the first day on which one of its dates
meets a comparison of those queries (a target date reached, a decision leaving the 180-day
window: `FLIP_DATES`), so the lines hold on every day before it while its data stay as they
were. A write to that data is seen by triggers on the source tables (migration 0019), which
stamp the row with the writing transaction's id: a row computed by a transaction whose snapshot
may not have seen that write (its xmin not past the stamp) is computed again; one that made
the write itself, earlier, saw it. `recipe` hashes
the queries' SQL and these dates, so a release that changes a feature recomputes every row.

Only today of a range or the whole portfolio reads it (the nightly run and its shards); a past
date (backtests, backfills) and a list of changed accounts read the tables themselves.
"""

import hashlib
from datetime import date, timedelta

import pandas as pd
from django.db import connection

from health.frames import csv_cell, frame_of_csv, row_types
from health.statements import SLOT, kept

# Each cached part's dates that a comparison with the day scored crosses, by table: (the rows,
# the account's column, [(a date expression, offsets)]). A comparison changes on the day the
# date plus one of its offsets is reached (`left_on > as_of - 180`: left_on + 180).
SIGNATURES = (
    "accounts_objectivesignature s JOIN accounts_sharedobjective t ON t.id = s.objective_id"
)
FLIP_DATES = {
    "milestones": [
        ("accounts_onboardingmilestone t", [("t.completed_on", (0,)), ("t.target_on", (0,))]),
        ("signals_signalfirst t", [("(t.first_at AT TIME ZONE 'UTC')::date", (0,))]),
    ],
    "stakeholders": [
        ("accounts_stakeholder t", [("t.left_on", (0, 180)), ("t.last_engaged_on", (0,))]),
    ],
    "objective": [
        ("accounts_sharedobjective t", [
            ("t.created_on", (0,)), ("t.last_reviewed_on + t.review_cadence_days", (1,)),
        ]),
        (SIGNATURES, [("s.signed_on", (0,))]),
    ],
    "decisions": [
        ("accounts_decision t", [("t.decided_on", (0, 2, 181)), ("t.reopened_on", (0,))]),
    ],
    "commitments": [("accounts_commitment t", [("t.made_on", (0,)), ("t.due_on", (1,))])],
}  # fmt: skip
CACHED_PARTS = tuple(FLIP_DATES)
TABLE = "health_featurecache"
# A write of this transaction's own, before it computes the rows, is one they saw.
OWN_XID = "pg_current_xact_id()::text::bigint"
LINES = ", ".join(f"string_agg(lines[{n + 1}], E'\\n')" for n in range(len(CACHED_PARTS)))
VALID = (
    "recipe = %s AND computed_for <= %s AND (valid_until IS NULL OR valid_until > %s) "
    "AND (changed_xid IS NULL OR changed_xid < read_xmin)"
)


def cached_frames(as_of: date, restrict, ids: list, rows: dict) -> dict[str, pd.DataFrame]:
    """The frames of the CACHED_PARTS (`rows`: each part's rows(as_of, restrict) function) for
    the accounts `ids` of `restrict` (a range, or None: all): the valid rows as kept, and the
    accounts without one computed, kept and read in one statement."""
    recipe, types = _recipe(rows)
    have, texts = _valid_read(as_of, restrict, recipe)
    missing = sorted(set(ids) - have)
    if missing:
        computed = _compute(as_of, restrict, missing, rows, len(missing) > len(ids) // 2)
        texts = [_joined(old, new) for old, new in zip(texts, computed, strict=True)]
    return {
        name: frame_of_csv(text, types[name]).set_index("account_id")
        for name, text in zip(CACHED_PARTS, texts, strict=True)
    }


def feature_cache_compute(as_of: date, rows: dict, ids: list | None = None) -> None:
    """Compute and keep the CACHED_PARTS of `ids` (None: every account) as of `as_of`, as that
    day's run would have kept them: the benchmarks' last night, the tests' earlier days."""
    if ids is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT array_agg(id ORDER BY id) FROM accounts_account")
            ids = cursor.fetchone()[0] or []
        _compute(as_of, None, ids, rows, by_range=True)
    elif ids:
        _compute(as_of, None, sorted(ids), rows, by_range=False)


def _joined(old: str | None, new: str | None) -> str:
    return "\n".join(text for text in (old, new) if text)


def _recipe(rows: dict) -> tuple[str, dict]:
    """The hash of the parts' SQL (without the day or the ids) and their columns' types."""

    def compile_recipe():
        types, digest = {}, hashlib.md5(repr(FLIP_DATES).encode(), usedforsecurity=False)
        for name in CACHED_PARTS:
            queryset = rows[name](date(2000, 1, 1), SLOT)
            types[name] = row_types(queryset)
            digest.update(queryset.query.sql_with_params()[0].encode())
        return digest.hexdigest(), types

    return kept(("feature-cache", tuple(rows[name] for name in CACHED_PARTS)), compile_recipe)


def _valid_read(as_of: date, restrict, recipe: str) -> tuple[set, list]:
    """The accounts of `restrict` with a valid row, and each part's lines of them."""
    scope, params = _restricted("account_id", restrict)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT array_agg(account_id), {LINES} FROM {TABLE} WHERE {VALID} AND {scope}",
            [recipe, as_of, as_of, *params],
        )
        have, *texts = cursor.fetchone()
    return set(have or ()), texts


def _compute(as_of, restrict, missing: list, rows: dict, by_range: bool) -> list:
    """Compute the parts of the `missing` accounts (over the whole range when most of it is
    missing: one scan beats a long id list), keep them, and return each part's lines."""
    recipe, types = _recipe(rows)
    scope = restrict if by_range else missing
    parts, params = [], []
    for n, name in enumerate(CACHED_PARTS):
        sql, values = rows[name](as_of, scope).query.sql_with_params()
        parts.append(f"p{n} AS ({sql})")
        params.extend(values)
    until, until_params = _valid_until(as_of, scope)
    statement = (
        f"WITH k(account_id) AS (SELECT unnest(%s::bigint[])), {', '.join(parts)}, "
        f"f AS ({until}), kept AS ({_insert(types)}) SELECT {LINES} FROM kept"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [missing, *params, *until_params, recipe, as_of])
        return list(cursor.fetchone())


def _insert(types: dict) -> str:
    """Each missing account's row: its parts' lines (NULL where a part has no row for it), the
    first day one of its dates is reached (NULL: none ahead), this snapshot's xmin."""
    lines, joins = [], []
    for n, name in enumerate(CACHED_PARTS):
        cells = " || ',' || ".join(csv_cell(f'p{n}."{c}"', kind) for c, kind in types[name].items())
        lines.append(f"CASE WHEN p{n}.account_id IS NULL THEN NULL ELSE {cells} END")
        joins.append(f"LEFT JOIN p{n} ON p{n}.account_id = k.account_id")
    return (
        f"INSERT INTO {TABLE} AS c (account_id, recipe, computed_for, valid_until, read_xmin, "
        f"lines) SELECT k.account_id, %s, %s, f.until, "
        "pg_snapshot_xmin(pg_current_snapshot())::text::bigint, "
        f"ARRAY[{', '.join(lines)}] FROM k {' '.join(joins)} "
        "LEFT JOIN f ON f.account_id = k.account_id ORDER BY k.account_id "
        "ON CONFLICT (account_id) DO UPDATE SET recipe = EXCLUDED.recipe, "
        "computed_for = EXCLUDED.computed_for, valid_until = EXCLUDED.valid_until, "
        "read_xmin = EXCLUDED.read_xmin, lines = EXCLUDED.lines, "
        f"changed_xid = NULLIF(c.changed_xid, {OWN_XID}) RETURNING lines"
    )


def _valid_until(as_of: date, scope) -> tuple[str, list]:
    """Per account, the first day after `as_of` that one of its FLIP_DATES reaches."""
    selects, params = [], []
    where, values = _restricted("t.account_id", scope)
    for rows, dates in (entry for part in FLIP_DATES.values() for entry in part):
        firsts = []
        for expression, offsets in dates:
            for offset in offsets:
                firsts.append(f"min({expression}) FILTER (WHERE {expression} > %s) + {offset}")
                params.append(as_of - timedelta(days=offset))
        selects.append(
            f"SELECT t.account_id, LEAST({', '.join(firsts)}) AS until FROM {rows} "
            f"WHERE {where} GROUP BY 1"
        )
        params.extend(values)
    union = " UNION ALL ".join(selects)
    return f"SELECT account_id, min(until) AS until FROM ({union}) d GROUP BY 1", params


def _restricted(column: str, scope) -> tuple[str, list]:
    """`scope` (a list of ids, a range of them, or None: all) as a condition on `column`."""
    if scope is None:
        return "TRUE", []
    if isinstance(scope, list):
        return f"{column} = ANY(%s)", [scope]
    return f"{column} BETWEEN %s AND %s", [scope.first, scope.last]


def feature_cache_clear() -> None:
    """Forget every kept row: day one, as a benchmark's `--history-days 0` measures it."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
