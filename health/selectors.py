"""Reads of health history: the latest score, history, honest trends and what changed."""

from datetime import timedelta

from django.utils import timezone

from health.models import COMPONENTS, HealthScore


def health_latest(account) -> HealthScore | None:
    return account.health_scores.order_by("-as_of", "-computed_at").first()


def health_history(account, limit: int | None = None):
    scores = account.health_scores.order_by("-as_of", "-computed_at")
    return scores[:limit] if limit else scores


def health_as_of(account, day) -> HealthScore | None:
    """The newest score computed for data as of `day` or earlier."""
    return account.health_scores.filter(as_of__lte=day).order_by("-as_of", "-computed_at").first()


def health_change(account, days: int) -> float | None:
    """Overall now minus overall `days` ago, from history — not against last night's run."""
    latest = health_latest(account)
    if latest is None or latest.overall is None:
        return None
    earlier = health_as_of(account, latest.as_of - timedelta(days=days))
    if earlier is None or earlier.overall is None:
        return None
    return round(latest.overall - earlier.overall, 1)


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


def health_today():
    return timezone.now().date()
