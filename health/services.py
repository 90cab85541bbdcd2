"""Writes of health: scoring runs appended to history, the current score, rescore requests."""

import logging
from datetime import date, datetime

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from candor.bulk import reserve_ids, write_rows
from health.features import build_features
from health.models import CurrentHealth, HealthScore, Scorecard
from health.scoring import ScorecardSpec, score_frame

logger = logging.getLogger(__name__)

SCORE_COLUMNS = [
    "id", "account_id", "as_of", "computed_at", "overall", "rag", "facts", "flag_codes",
    "checklist_completion", "outcome_attainment", "scorecard_id", "scorecard_version",
]  # fmt: skip


def scorecards_by_segment() -> dict[str, ScorecardSpec]:
    """The default scorecard (created on first use) under '', and any per-segment overrides."""
    Scorecard.objects.get_or_create(segment="", defaults={"name": "Default"})
    return {card.segment: ScorecardSpec.from_scorecard(card) for card in Scorecard.objects.all()}


def score_features(features: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Score each segment with its own scorecard, or the default one."""
    cards = scorecards_by_segment()
    parts = []
    for segment, group in features.groupby("segment", sort=False):
        spec = cards.get(segment, cards[""])
        scored = score_frame(group, spec, as_of)
        scored["scorecard_id"], scored["scorecard_version"] = spec.scorecard_id, spec.version
        parts.append(scored)
    return pd.concat(parts) if parts else pd.DataFrame()


def score_accounts(*, account_ids=None, as_of: date | None = None, computed_at=None) -> int:
    """Score accounts (all scorable ones when `account_ids` is None) and append history.

    Scoring "today" also moves each account's CurrentHealth. `computed_at` names the run, so a
    retried shard skips accounts it already wrote.
    """
    today = timezone.now().date()
    as_of = as_of or today
    computed_at = computed_at or timezone.now()
    features = build_features(as_of, account_ids)
    if features.empty:
        return 0
    scores = score_features(features, as_of)
    return health_scores_write(
        scores, features, as_of=as_of, computed_at=computed_at, current=as_of >= today
    )


@transaction.atomic
def health_scores_write(
    scores, features, *, as_of: date, computed_at: datetime, current: bool
) -> int:
    already = _already_written(scores.index.tolist(), as_of, computed_at)
    scores = scores[~scores.index.isin(already)]
    if scores.empty:
        return 0
    ids = reserve_ids(HealthScore, len(scores))
    if ids is None:
        ids = _insert_with_orm(scores, as_of, computed_at)
    else:
        write_rows(HealthScore, SCORE_COLUMNS, _score_rows(scores, ids, as_of, computed_at))
    if current:
        current_health_upsert(scores, features, ids, computed_at)
    return len(scores)


def _already_written(account_ids: list, as_of, computed_at) -> set:
    """Accounts this run (a retried shard) already wrote; one array parameter on PostgreSQL."""
    runs = HealthScore.objects.filter(as_of=as_of, computed_at=computed_at)
    if connection.vendor != "postgresql":
        return set(runs.filter(account_id__in=account_ids).values_list("account_id", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT account_id FROM {HealthScore._meta.db_table} "
            "WHERE as_of = %s AND computed_at = %s AND account_id = ANY(%s)",
            [as_of, computed_at, account_ids],
        )
        return {row[0] for row in cursor.fetchall()}


def _nullable(series: pd.Series) -> list:
    """Floats with NaN as None, column-wise (per-value pd.isna is slow at 100,000 rows)."""
    values = series.to_numpy(dtype=float)
    out = values.astype(object)
    out[np.isnan(values)] = None
    return out.tolist()


def _score_rows(scores, ids, as_of, computed_at):
    columns = zip(
        ids, scores.index.tolist(), _nullable(scores["overall"]), scores["rag"], scores["facts"],
        scores["flag_codes"], _nullable(scores["checklist_completion"]),
        _nullable(scores["outcome_attainment"]), scores["scorecard_id"],
        scores["scorecard_version"].tolist(),
        strict=True,
    )  # fmt: skip
    return [
        (pk, account, as_of, computed_at, overall, rag, facts, codes, checklist, attainment, card,
         version)
        for pk, account, overall, rag, facts, codes, checklist, attainment, card, version in columns
    ]  # fmt: skip


def _insert_with_orm(scores, as_of, computed_at) -> list[int]:
    rows = _score_rows(scores, [None] * len(scores), as_of, computed_at)
    objects = [HealthScore(**dict(zip(SCORE_COLUMNS, row, strict=True))) for row in rows]
    return [obj.pk for obj in HealthScore.objects.bulk_create(objects, batch_size=2000)]


CURRENT_COLUMNS = [
    "account_id", "score_id", "overall", "rag", "flag_codes", "computed_at", "last_signal_at"
]  # fmt: skip


def current_health_upsert(scores, features, ids, computed_at) -> None:
    """One row per account pointing at its newest score (INSERT ... ON CONFLICT DO UPDATE)."""
    last_signal = pd.to_datetime(features["last_signal_at"].reindex(scores.index), utc=True)
    last_signal = last_signal.astype(object).where(last_signal.notna(), None).tolist()
    rows = list(
        zip(
            scores.index.tolist(), ids, _nullable(scores["overall"]), scores["rag"],
            scores["flag_codes"], [computed_at] * len(ids), last_signal, strict=True,
        )
    )  # fmt: skip
    if connection.vendor == "postgresql":
        _current_upsert_copy(rows)
        return
    CurrentHealth.objects.bulk_create(
        [CurrentHealth(**dict(zip(CURRENT_COLUMNS, row, strict=True))) for row in rows],
        batch_size=5000,
        update_conflicts=True,
        unique_fields=["account"],
        update_fields=CURRENT_COLUMNS[1:],
    )


def _current_upsert_copy(rows) -> None:
    """COPY into a temporary table, then one upsert: far cheaper than a huge VALUES list."""
    table, columns = CurrentHealth._meta.db_table, ", ".join(CURRENT_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in CURRENT_COLUMNS[1:])
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS candor_current_upsert")
        cursor.execute(
            f"CREATE TEMP TABLE candor_current_upsert ON COMMIT DROP AS "
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY candor_current_upsert ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM candor_current_upsert "
            f"ON CONFLICT (account_id) DO UPDATE SET {updates}"
        )
        cursor.execute("DROP TABLE candor_current_upsert")


def rescore_request(*, account_ids) -> None:
    """Ask for a debounced rescore of accounts that just received signals.

    Without a broker (eager mode) they are scored at once. With Redis, ids gather in a set and
    one flush runs after RESCORE_DEBOUNCE_SECONDS. A broker outage is logged, never raised: the
    signals are already committed and the periodic sweep rescores them.
    """
    account_ids = sorted({int(pk) for pk in account_ids})
    if not account_ids:
        return
    if settings.CELERY_TASK_ALWAYS_EAGER:
        score_accounts(account_ids=account_ids)
        return
    from health import tasks

    try:
        tasks.pending_rescores_add(account_ids)
    except Exception:  # any broker/Redis failure: the sweep catches up
        logger.warning(
            "Rescore request for %d accounts not queued", len(account_ids), exc_info=True
        )
