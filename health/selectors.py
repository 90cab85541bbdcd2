"""Reads of health history: the latest score, history, honest trends and what changed."""

import math
from datetime import timedelta

import numpy as np
import pandas as pd
from django.db.models import F, FloatField, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from health.models import COMPONENTS, ChurnModel, HealthScore, Scorecard, ScorecardVersion
from health.scoring import ScorecardSpec
from health.scoring.calibration import MIN_CHURNS
from health.scoring.explain import FEATURE_FACTS, LAYOUT, component_scores, read_facts
from health.scoring.probability import churn_probability, renewal_churn_probability
from signals.selectors import signal_kind_labels


def scorecard_specs() -> dict[str, ScorecardSpec]:
    """The live version of each scorecard by segment ('' the default), as the scorer reads
    it; with no default scorecard stored, the built-in defaults score under ''."""
    live = ScorecardVersion.objects.filter(scorecard__version=F("number"))
    labels = signal_kind_labels()
    specs = {
        version.scorecard.segment: ScorecardSpec.from_version(version, labels)
        for version in live.select_related("scorecard")
    }
    specs.setdefault("", ScorecardSpec())
    return specs


def scorecards_with_versions():
    return Scorecard.objects.order_by("segment", "pk").prefetch_related("versions")


def health_scorecard_version(score: HealthScore) -> ScorecardVersion | None:
    """The exact scorecard version that produced a past score."""
    return ScorecardVersion.objects.filter(
        scorecard_id=score.scorecard_id, number=score.scorecard_version
    ).first()


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


# Facts that move with the calendar alone, whatever the customer does.
CALENDAR_FACTS = {
    "days_since_kickoff", "days_since_activity", "days_since_exec_touch", "days_to_renewal",
    "days_since_renewed",
}  # fmt: skip


def scorecard_change(newer: HealthScore, older: HealthScore) -> dict | None:
    """When two scores came from different scorecard versions, say so: a move that comes from a
    new scorecard is a change of configuration, not of the customer."""
    before, after = (older.scorecard_id, older.scorecard_version), (
        newer.scorecard_id, newer.scorecard_version,
    )  # fmt: skip
    if before == after:
        return None
    old, new = read_facts(older.facts), read_facts(newer.facts)
    customer = [n for n in FEATURE_FACTS if n not in CALENDAR_FACTS]
    unchanged = (
        old is not None
        and new is not None
        and all(_same(getattr(old, n), getattr(new, n)) for n in customer)
    )
    versions = f"v{older.scorecard_version} → v{newer.scorecard_version}"
    note = (
        f"Scored with a new scorecard version ({versions}); the customer's data did not change, "
        "so this move comes from the scorecard alone."
        if unchanged
        else f"Scored with a new scorecard version ({versions}): part of this move comes from "
        "the scorecard, not from the customer."
    )
    return {"component": "scorecard", "scorecard_before": older.scorecard_version,
            "scorecard_after": newer.scorecard_version, "customer_unchanged": unchanged,
            "note": note}  # fmt: skip


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def health_diff(newer: HealthScore, older: HealthScore) -> list[dict]:
    """Component by component, reason by reason: what changed between two scores, led by a
    change of scorecard version when there was one."""
    changes = [change] if (change := scorecard_change(newer, older)) else []
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


def calibration_proposals_pending() -> list:
    """Each scorecard's newest calibrated proposal not yet adopted (and newer than the live
    version), with its report, for the validity page's comparison and adopt button."""
    pending = (
        ScorecardVersion.objects.filter(adopted_at__isnull=True, calibration__isnull=False)
        .select_related("scorecard", "calibration")
        .order_by("scorecard_id", "-number")
    )
    newest = {}
    for version in pending:
        if version.number > version.scorecard.version:
            newest.setdefault(version.scorecard_id, version)
    return list(newest.values())


def scorecards_naming_kind(*, code: str, **kwargs) -> list[str]:
    """Words for each scorecard whose live settings or any version names a signal kind (the
    answer to `signals.hooks.signal_kind_uses`): such a kind keeps its category and stays."""
    names = Q(value_kinds__contains=[code]) | Q(usage_kinds__contains=[code])
    cards = Scorecard.objects.filter(names | Q(versions__in=ScorecardVersion.objects.filter(names)))
    return [
        f"scorecard '{name}' names it" for name in cards.distinct().values_list("name", flat=True)
    ]


NO_MODEL = (
    "No churn probability yet: it needs a churn model that `calibrate` fitted on at least "
    f"{MIN_CHURNS} churned accounts and a VP adopted."
)
NO_SCORE = "No churn probability: the account has no score to read it from."


def churn_models_live() -> dict:
    """Each scorecard's live churn model (its latest adopted), by scorecard id, and the default
    scorecard's under "" too (one query)."""
    adopted = ChurnModel.objects.filter(adopted_at__isnull=False)
    live = {}
    for model in adopted.select_related("version__scorecard").order_by("adopted_at", "pk"):
        live[model.version.scorecard_id] = model
        if not model.version.scorecard.segment:
            live[""] = model
    return live


def model_for(live: dict, scorecard_id):
    """The score's scorecard's model, or the default scorecard's where that one has none."""
    return live.get(scorecard_id, live.get(""))


def health_churn_probability(
    score: HealthScore | None, live: dict | None = None, *, renewal_date=None
) -> dict:
    """{churn_probability, churn_horizon_days, churn_model_version, churn_probability_note}:
    the adopted model's reading of this score (with the account's renewal date, given or read),
    or None for each and a note saying why."""
    live = churn_models_live() if live is None else live
    model = model_for(live, score.scorecard_id) if score is not None else None
    if score is None or score.overall is None or model is None:
        unknown = score is None or score.overall is None
        return {"churn_probability": None, "churn_horizon_days": None,
                "churn_model_version": None,
                "churn_probability_note": NO_SCORE if unknown else NO_MODEL}  # fmt: skip
    row = {"overall": score.overall, "flag_codes": score.flag_codes, **score.component_scores,
           "as_of": score.as_of, "renewal_date": renewal_date or score.account.renewal_date}  # fmt: skip
    probability = churn_probability(model.model, pd.DataFrame([row]))[0]
    return {
        "churn_probability": round(float(probability), 4),
        "churn_horizon_days": model.horizon_days,
        "churn_model_version": model.pk,
        "churn_probability_note": "",
    }


def renewal_churn_probabilities(accounts) -> pd.DataFrame:
    """Per account (index: account id) with a current score: churn_probability, the chance it
    churns at its renewal (health.scoring.probability.renewal_churn_probability; NaN where the
    score is unknown or no model is adopted), churn_horizon_days, churn_model_version."""
    live = churn_models_live()
    frame = current_components(accounts)
    frame["churn_probability"] = np.nan
    frame["churn_horizon_days"] = None
    frame["churn_model_version"] = None
    for scorecard_id, group in frame.groupby(frame["scorecard_id"].fillna(-1)):
        model = model_for(live, None if scorecard_id == -1 else int(scorecard_id))
        if model is not None:
            probability = renewal_churn_probability(model.model, group)
            frame.loc[group.index, "churn_probability"] = probability
            frame.loc[group.index, "churn_horizon_days"] = model.horizon_days
            frame.loc[group.index, "churn_model_version"] = model.pk
    return frame[["churn_probability", "churn_horizon_days", "churn_model_version"]]


def current_components(accounts) -> pd.DataFrame:
    """Each account's current score: overall, flag_codes, scorecard_id and component scores,
    read inside the stored facts by the database for the current layout (one query), and
    worded from the facts in Python only for scores of an older layout."""
    scores = HealthScore.objects.filter(
        pk__in=accounts.order_by().values("current_health__score_id")
    ).order_by()
    at = {name: Cast(KeyTextTransform(str(i + 1), "facts"), FloatField())
          for i, name in enumerate(COMPONENTS)}  # fmt: skip
    columns = ["account_id", "overall", "flag_codes", "scorecard_id", "layout", *COMPONENTS]
    rows = scores.annotate(layout=KeyTextTransform("0", "facts"), **at).values_list(*columns)
    frame = pd.DataFrame(list(rows), columns=columns).set_index("account_id")
    older = frame.index[frame["layout"] != f"layout {LAYOUT}"]
    if len(older):
        facts = dict(scores.filter(account_id__in=list(older)).values_list("account_id", "facts"))
        parts = pd.DataFrame.from_dict(
            {pk: component_scores(facts[pk]) for pk in older}, orient="index"
        )  # fmt: skip
        frame.loc[older, list(COMPONENTS)] = parts.reindex(columns=list(COMPONENTS)).to_numpy()
    return frame.drop(columns=["layout"])


def churn_model_evidence() -> dict | None:
    """The default scorecard's live churn model with what calibrate found on its held-out
    dates (Brier, base rate's Brier, ECE, deciles), or None before one is adopted."""
    model = churn_models_live().get("")
    if model is None:
        return None
    report = getattr(getattr(model.version, "calibration", None), "report", None) or {}
    return {
        "model": model,
        "probability": report.get("probability"),
        "auc": (report.get("proposed") or {}).get("auc"),
    }


def overrides_of(account) -> list:
    """Every override of the account, newest first (ended and expired ones too)."""
    return list(account.component_overrides.select_related("author").order_by("-created_at"))


def overrides_in_force_for(account, day=None) -> list:
    """The overrides in force today (or on `day`), newest first."""
    day = day or timezone.now().date()
    return [override for override in overrides_of(account) if override.in_force_on(day)]
