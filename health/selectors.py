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
    if latest is None:
        return None
    return _change(latest, health_as_of(account, latest.as_of - timedelta(days=days)))


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


def health_today():
    return timezone.now().date()


CHART_DAYS = 365


def account_health_for_page(account) -> dict:
    """The latest score and its trend, and one score per as-of day of its last year for the
    chart: the window keeps the page's cost flat however many years were scored."""
    from health import charts
    from health.dashboard import FLAG_LABELS

    latest = health_latest(account)
    if latest is None:
        return {"score": None, "flags": [], "change_7d": None, "change_30d": None,
                "what_changed": [], "chart": None}  # fmt: skip
    window = health_history(account).filter(as_of__gte=latest.as_of - timedelta(days=CHART_DAYS))
    per_day = list({score.as_of: score for score in window.reverse()}.values())
    trend = health_trend(latest)
    return {
        "score": latest,
        "flags": [
            {**flag, "label": FLAG_LABELS.get(flag["code"], flag["code"])} for flag in latest.flags
        ],
        "change_7d": trend["change_7d"],
        "change_30d": trend["change_30d"],
        "what_changed": trend["what_changed"],
        "chart": charts.account_history(per_day, account.renewal_date, _key_events(account)),
    }


def _change(latest, earlier):
    if not latest or not earlier or latest.overall is None or earlier.overall is None:
        return None
    return round(latest.overall - earlier.overall, 1)


KEY_EVENT_KINDS = {
    "roi_report_generated": "ROI report",
    "exec_meeting": "Exec meeting",
    "upsell_call_accepted": "Expansion call taken",
    "upsell_call_declined": "Expansion call declined",
}


def _key_events(account) -> list[dict]:
    since = timezone.now() - timedelta(days=200)
    rows = account.signals.filter(kind__in=KEY_EVENT_KINDS, occurred_at__gte=since)
    events = [
        {"day": occurred.date().isoformat(), "label": KEY_EVENT_KINDS[kind]}
        for kind, occurred in rows.values_list("kind", "occurred_at")[:200]
    ]
    events += [
        {"day": d.decided_on.isoformat(), "label": f"Decision: {d.summary[:40]}"}
        for d in account.decisions.filter(decided_on__gte=since.date())
    ]
    return events
