"""Reads behind the account page: everything it shows, in a fixed number of queries."""

from datetime import timedelta

from django.utils import timezone

from accounts import rules
from accounts.models import Account, ObjectiveSignature, SharedObjective
from dashboard import charts
from dashboard.acting_forms import OverrideForm
from health.models import DEFAULT_THRESHOLDS, Scorecard
from health.scoring.flags import FLAG_LABELS
from health.selectors import (
    health_churn_probability,
    health_history,
    health_latest,
    health_trend,
    overrides_in_force_for,
)
from signals.selectors import signal_kind_labels, signal_kinds

KEY_ROLE_LABELS = {
    "exec_sponsor": "Exec sponsor",
    "project_sponsor": "Project sponsor",
    "operating_owner": "Operating owner",
}


def account_page_data(account: Account) -> dict:
    """Everything the account page shows, in a fixed number of queries."""
    today = timezone.localdate()
    stakeholders = list(account.stakeholders.all())
    present = {s.role for s in stakeholders if s.active}
    objective = (
        SharedObjective.objects.filter(account=account)
        .annotate(review_overdue=rules.flagged(rules.objective_review_overdue(today)))
        .first()
    )
    signatures = (
        list(ObjectiveSignature.objects.filter(objective=objective).select_related("stakeholder"))
        if objective
        else []
    )
    signed_roles = {sig.stakeholder.role for sig in signatures}
    milestones = list(account.milestones.all())
    return {
        "account": account,
        "stakeholders": stakeholders,
        "missing_roles": [label for role, label in KEY_ROLE_LABELS.items() if role not in present],
        "gone": [s for s in stakeholders if not s.active],
        "objective": objective,
        "signatures": signatures,
        "unsigned_roles": [
            label for role, label in KEY_ROLE_LABELS.items() if role not in signed_roles
        ],
        "decisions": list(
            account.decisions.select_related("owner").annotate(
                circulated_late=rules.flagged(rules.decision_circulated_late(today))
            )
        ),
        "commitments": list(
            account.commitments.select_related("roadmap_item").annotate(
                uncommitted=rules.flagged(rules.commitment_uncommitted()),
                overdue=rules.flagged(rules.commitment_overdue(today)),
            )
        ),
        "handoff_missing": handoff_missing(account),
        "tasks": [m for m in milestones if m.kind == "task"],
        "outcomes": [m for m in milestones if m.kind == "outcome"],
        "notes": list(account.notes.select_related("author")[:20]),
        "recent_signals": list(account.signals.order_by("-occurred_at")[:15]),
        "kind_labels": signal_kind_labels(),
        **account_health_for_page(account),
    }


def handoff_missing(account: Account) -> list[str]:
    """The handoff items that never reached Customer Success, by the scorer's own rule."""
    gaps = {f"gap_{i}": rules.flagged(q) for i, q in enumerate(rules.HANDOFF_GAPS.values())}
    row = Account.objects.filter(pk=account.pk).values(**gaps).first() or {}
    return [label for i, label in enumerate(rules.HANDOFF_GAPS) if row.get(f"gap_{i}")]


CHART_DAYS = 365


def account_health_for_page(account) -> dict:
    """The latest score and its trend, and one score per as-of day of its last year for the
    chart: the window keeps the page's cost flat however many years were scored."""
    latest = health_latest(account)
    if latest is None:
        return {"score": None, "flags": [], "change_7d": None, "change_30d": None,
                "what_changed": [], "chart": None, "cutoffs": None}  # fmt: skip
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
        "cutoffs": _cutoffs(latest),
        "churn": health_churn_probability(latest, renewal_date=account.renewal_date),
        "overrides": overrides_in_force_for(account),
        "override_form": OverrideForm(prefix="override"),
    }


# The signals the chart marks: what proves value, and what people do (exec meetings, calls).
KEY_EVENT_CATEGORIES = ("value", "people")


def _cutoffs(score) -> dict:
    """Where green and amber start for this score: its scorecard's thresholds."""
    card = Scorecard.objects.filter(pk=score.scorecard_id).first() if score.scorecard_id else None
    return card.effective_thresholds if card else dict(DEFAULT_THRESHOLDS)


def _key_events(account) -> list[dict]:
    since = timezone.now() - timedelta(days=200)
    labels = dict(
        signal_kinds().filter(category__in=KEY_EVENT_CATEGORIES).values_list("code", "label")
    )
    rows = account.signals.filter(kind__in=list(labels), occurred_at__gte=since)
    events = [
        {"day": occurred.date().isoformat(), "label": labels[kind]}
        for kind, occurred in rows.values_list("kind", "occurred_at")[:200]
    ]
    events += [
        {"day": d.decided_on.isoformat(), "label": f"Decision: {d.summary[:40]}"}
        for d in account.decisions.filter(decided_on__gte=since.date())
    ]
    return events
