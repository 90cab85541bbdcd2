"""Reads of health history: the latest score, history, honest trends and what changed."""

from datetime import timedelta

from health.models import COMPONENTS, HealthScore


def health_latest(account) -> HealthScore | None:
    return account.health_scores.order_by("-as_of", "-computed_at").first()


def health_history(account, limit: int | None = None):
    scores = account.health_scores.order_by("-as_of", "-computed_at")
    return scores[:limit] if limit else scores


def health_as_of(account, day) -> HealthScore | None:
    """The newest score computed for data as of `day` or earlier."""
    return account.health_scores.filter(as_of__lte=day).order_by("-as_of", "-computed_at").first()


def health_trend(score: HealthScore, since=None) -> dict:
    """How a score moved: overall against the newest score 7 and 30 days before it (history,
    not last night's run), and what changed since the score 7 days before (or as of `since`)."""
    account = score.account
    earlier = {days: health_as_of(account, score.as_of - timedelta(days=days)) for days in (7, 30)}
    compared = health_as_of(account, since) if since else earlier[7]
    return {
        "change_7d": _change(score, earlier[7]),
        "change_30d": _change(score, earlier[30]),
        "compared_with": {"as_of": compared.as_of, "score": compared.overall} if compared else None,
        "what_changed": health_diff(score, compared) if compared else [],
    }


def health_diff(newer: HealthScore, older: HealthScore) -> list[dict]:
    """Component by component, reason by reason: what changed between two scores."""
    changes = []
    for name in COMPONENTS:
        new, old = newer.components.get(name, {}), older.components.get(name, {})
        new_reasons, old_reasons = new.get("reasons", []), old.get("reasons", [])
        before, after = old.get("score"), new.get("score")
        delta = None if before is None or after is None else round(after - before, 1)
        added = [r for r in new_reasons if r not in old_reasons]
        removed = [r for r in old_reasons if r not in new_reasons]
        if delta or added or removed or (before is None) != (after is None):
            changes.append(
                {"component": name, "before": before, "after": after, "change": delta,
                 "reasons_added": added, "reasons_removed": removed}
            )  # fmt: skip
    new_flags = {f["code"] for f in newer.flags}
    old_flags = {f["code"] for f in older.flags}
    if new_flags != old_flags:
        changes.append(
            {"component": "flags", "flags_raised": sorted(new_flags - old_flags),
             "flags_cleared": sorted(old_flags - new_flags)}
        )  # fmt: skip
    return changes


def _change(latest, earlier):
    if not latest or not earlier or latest.overall is None or earlier.overall is None:
        return None
    return round(latest.overall - earlier.overall, 1)
