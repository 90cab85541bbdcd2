"""The features frame: one row per account, built with grouped queries (never one per account).

Everything is cut at `as_of`: only signals that occurred by the end of that day, decisions taken
by then, people who had not yet left, so a past date is scored from what was known at the time.
"""

from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pandas as pd
from django.db.models import Count, Max, Min, Q

from accounts.models import (
    CRM_ONBOARDED_STATUSES,
    KEY_ROLES,
    Account,
    Commitment,
    Decision,
    ObjectiveSignature,
    OnboardingMilestone,
    SharedObjective,
    Stakeholder,
)
from signals.models import Signal

USAGE_KINDS = ["login", "report_generated", "roi_report_generated", "feature_used", "export"]
PROOF_KINDS = ["roi_report_generated", "report_generated", "colleague_invited"]


def day_end(as_of: date) -> datetime:
    return datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)


def scorable_accounts(as_of: date, account_ids=None):
    """Accounts that existed at `as_of` and had not churned by then."""
    accounts = Account.objects.filter(contract_start__lte=as_of).exclude(
        outcome="churned", outcome_on__lte=as_of
    )
    if account_ids is not None:
        accounts = accounts.filter(pk__in=list(account_ids))
    return accounts


def build_features(as_of: date, account_ids=None) -> pd.DataFrame:
    accounts = account_frame(scorable_accounts(as_of, account_ids))
    ids = list(accounts.index)
    if not ids:
        return accounts
    restrict = ids if account_ids is not None else None
    firsts = first_signals(as_of, restrict)
    parts = [
        signal_aggregates(as_of, restrict, firsts),
        milestone_features(as_of, restrict, accounts, firsts),
        stakeholder_features(as_of, restrict),
        objective_features(as_of, restrict),
        decision_features(as_of, restrict),
        commitment_features(as_of, restrict),
    ]
    frame = accounts
    for part in parts:
        frame = frame.join(part, how="left")
    return _fill(frame)


def _scoped(queryset, restrict):
    return queryset if restrict is None else queryset.filter(account_id__in=restrict)


def _frame(rows, columns) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(rows), columns=columns).set_index("account_id")


def account_frame(accounts) -> pd.DataFrame:
    columns = [
        "id", "segment", "seats", "contract_start", "renewal_date", "last_renewed_on", "crm_status",
        "handoff_why_bought", "handoff_real_needs", "handoff_politics", "handoff_urgency",
        "deviating_terms",
    ]  # fmt: skip
    frame = pd.DataFrame.from_records(list(accounts.values_list(*columns)), columns=columns)
    frame = frame.rename(columns={"id": "account_id"}).set_index("account_id")
    blanks = sum(
        frame[c].fillna("").str.strip().eq("").astype(int)
        for c in ("handoff_why_bought", "handoff_real_needs", "handoff_politics")
    )
    frame["handoff_missing"] = blanks + frame["handoff_urgency"].eq("unknown").astype(int)
    frame["deviating_terms"] = frame["deviating_terms"].map(lambda terms: len(terms or []))
    frame["crm_onboarded"] = (
        frame["crm_status"].str.strip().str.lower().isin(CRM_ONBOARDED_STATUSES)
    )
    return frame.drop(columns=["handoff_why_bought", "handoff_real_needs", "handoff_politics"])


def signal_aggregates(as_of: date, restrict, firsts=None) -> pd.DataFrame:
    """Windowed counts in one grouped query; distinct counts in a second (cheaper apart)."""
    end = day_end(as_of)
    ago = {d: end - timedelta(days=d) for d in (30, 60, 90, 180)}
    window = _scoped(
        Signal.objects.filter(occurred_at__lt=end, occurred_at__gte=ago[180]), restrict
    )
    counts = window.values("account_id").annotate(
        last_signal_at=Max("occurred_at"),
        activity_30d=Count("id", filter=Q(occurred_at__gte=ago[30])),
        activity_prev_30d=Count("id", filter=Q(occurred_at__gte=ago[60], occurred_at__lt=ago[30])),
        roi_reports_90d=Count(
            "id", filter=Q(kind="roi_report_generated", occurred_at__gte=ago[90])
        ),
        invites_90d=Count("id", filter=Q(kind="colleague_invited", occurred_at__gte=ago[90])),
        last_exec_meeting_at=Max("occurred_at", filter=Q(kind="exec_meeting")),
        upsell_accepted_180d=Count("id", filter=Q(kind="upsell_call_accepted")),
        upsell_declined_180d=Count("id", filter=Q(kind="upsell_call_declined")),
    )
    frame = pd.DataFrame.from_records(list(counts)).set_index("account_id") if counts else None
    users = window.filter(occurred_at__gte=ago[30], kind__in=USAGE_KINDS).values("account_id")
    users = users.annotate(active_users_30d=Count("actor", distinct=True))
    features = window.filter(occurred_at__gte=ago[90], kind="feature_used").values("account_id")
    features = features.annotate(features_90d=Count("value", distinct=True))
    firsts = first_signals(as_of, restrict) if firsts is None else firsts
    parts = [pd.DataFrame.from_records(list(q)) for q in (users, features)]
    result = frame if frame is not None else pd.DataFrame(index=pd.Index([], name="account_id"))
    for part in parts:
        if not part.empty:
            result = result.join(part.set_index("account_id"), how="outer")
    return result.join(firsts, how="outer")


def first_signals(as_of: date, restrict) -> pd.DataFrame:
    """When each proof-of-outcome signal kind first happened, over all time up to as_of."""
    rows = _scoped(
        Signal.objects.filter(occurred_at__lt=day_end(as_of), kind__in=PROOF_KINDS), restrict
    )
    rows = rows.values_list("account_id", "kind").annotate(first=Min("occurred_at"))
    frame = pd.DataFrame.from_records(list(rows), columns=["account_id", "kind", "first"])
    wide = frame.pivot(index="account_id", columns="kind", values="first")
    wide = wide.reindex(columns=PROOF_KINDS)
    wide.columns = [f"first_{kind}_at" for kind in PROOF_KINDS]
    return wide.rename(columns={"first_roi_report_generated_at": "first_roi_at"})


def milestone_features(as_of: date, restrict, accounts: pd.DataFrame, firsts=None) -> pd.DataFrame:
    """Checklist tasks done, and outcome milestones reached — by date or by their proof signal."""
    columns = ["account_id", "kind", "proof_signal", "target_on", "completed_on"]
    rows = _scoped(OnboardingMilestone.objects.all(), restrict).values_list(*columns)
    m = pd.DataFrame.from_records(list(rows), columns=columns)
    if m.empty:
        return pd.DataFrame(index=pd.Index([], name="account_id"))
    done = pd.to_datetime(m["completed_on"]).le(pd.Timestamp(as_of))
    proofs = first_signals(as_of, restrict) if firsts is None else firsts
    proven = pd.Series(False, index=m.index)
    for kind, column in zip(PROOF_KINDS, proofs.columns, strict=True):
        seen = m["account_id"].isin(proofs.index[proofs[column].notna()])
        proven |= m["proof_signal"].eq(kind) & seen
    m["done"] = done
    m["reached"] = done | proven
    m["due"] = pd.to_datetime(m["target_on"]).le(pd.Timestamp(as_of)) | m["reached"]
    tasks, outcomes = m[m["kind"] == "task"], m[m["kind"] == "outcome"]
    return pd.DataFrame(
        {
            "tasks_total": tasks.groupby("account_id").size(),
            "tasks_done": tasks.groupby("account_id")["done"].sum(),
            "outcomes_total": outcomes.groupby("account_id").size(),
            "outcomes_due": outcomes.groupby("account_id")["due"].sum(),
            "outcomes_due_reached": (outcomes["due"] & outcomes["reached"])
            .groupby(outcomes["account_id"])
            .sum(),
        }
    )


def stakeholder_features(as_of: date, restrict) -> pd.DataFrame:
    columns = [
        "account_id",
        "role",
        "active",
        "left_on",
        "last_engaged_on",
        "success_definition_conflicts",
    ]
    s = pd.DataFrame.from_records(
        list(_scoped(Stakeholder.objects.all(), restrict).values_list(*columns)), columns=columns
    )
    if s.empty:
        return pd.DataFrame(index=pd.Index([], name="account_id"))
    day = pd.Timestamp(as_of)
    left = pd.to_datetime(s["left_on"])
    present = s["active"] | left.gt(day)
    gone_recently = left.le(day) & left.gt(day - pd.Timedelta(days=180))
    s["present"] = present
    here = s[present]
    engaged = pd.to_datetime(here["last_engaged_on"]).where(lambda d: d.le(day))
    is_exec = here["role"].eq("exec_sponsor")
    champions_here = here[here["role"] == "champion"].groupby("account_id").size()
    champions_gone = s[(s["role"] == "champion") & gone_recently].groupby("account_id").size()
    frame = pd.DataFrame(
        {
            "stakeholders": here.groupby("account_id").size(),
            "key_roles_present": here[here["role"].isin(KEY_ROLES)]
            .groupby("account_id")["role"]
            .nunique(),
            "conflicting_definitions": here.groupby("account_id")[
                "success_definition_conflicts"
            ].sum(),
            "exec_last_engaged_on": engaged[is_exec].groupby(here.loc[is_exec, "account_id"]).max(),
        }
    )
    gone = champions_gone.reindex(frame.index).fillna(0) > 0
    frame["champion_left"] = gone & (champions_here.reindex(frame.index).fillna(0) == 0)
    return frame


def objective_features(as_of: date, restrict) -> pd.DataFrame:
    columns = ["account_id", "id", "review_cadence_days", "last_reviewed_on"]
    objectives = _scoped(SharedObjective.objects.filter(created_on__lte=as_of), restrict)
    o = pd.DataFrame.from_records(list(objectives.values_list(*columns)), columns=columns)
    if o.empty:
        return pd.DataFrame(index=pd.Index([], name="account_id"))
    signatures = ObjectiveSignature.objects.filter(
        objective_id__in=o["id"].tolist() if restrict is not None else objectives.values("id"),
        signed_on__lte=as_of,
        stakeholder__role__in=KEY_ROLES,
    )
    signers = signatures.values("objective__account_id").annotate(
        n=Count("stakeholder__role", distinct=True)
    )
    signed = {row["objective__account_id"]: row["n"] for row in signers}
    o = o.set_index("account_id")
    reviewed = pd.to_datetime(o["last_reviewed_on"])
    age = (pd.Timestamp(as_of) - reviewed).dt.days
    return pd.DataFrame(
        {
            "has_objective": True,
            "objective_key_signers": o.index.map(lambda a: signed.get(a, 0)),
            "objective_review_overdue": reviewed.isna() | (age > o["review_cadence_days"]),
        },
        index=o.index,
    )


def decision_features(as_of: date, restrict) -> pd.DataFrame:
    since = as_of - timedelta(days=180)
    decisions = _scoped(
        Decision.objects.filter(decided_on__lte=as_of, decided_on__gte=since), restrict
    )
    columns = ["account_id", "decided_on", "circulated_on", "reopened_on"]
    d = pd.DataFrame.from_records(list(decisions.values_list(*columns)), columns=columns)
    if d.empty:
        return pd.DataFrame(index=pd.Index([], name="account_id"))
    day = pd.Timestamp(as_of)
    decided, circulated, reopened = (pd.to_datetime(d[c]) for c in columns[1:])
    d["reopened_7d"] = reopened.le(day) & ((reopened - decided).dt.days <= 7)
    on_time = circulated.le(day) & ((circulated - decided).dt.days <= 1)
    d["late"] = ~on_time & ((day - decided).dt.days > 1)
    grouped = d.groupby("account_id")
    return pd.DataFrame(
        {
            "decisions": grouped.size(),
            "decisions_reopened_7d": grouped["reopened_7d"].sum(),
            "decisions_circulated_late": grouped["late"].sum(),
        }
    )


def commitment_features(as_of: date, restrict) -> pd.DataFrame:
    known = Q(made_on__isnull=True) | Q(made_on__lte=as_of)
    columns = ["account_id", "told_customer", "product_status", "scoped", "due_on"]
    rows = _scoped(Commitment.objects.filter(known), restrict).values_list(*columns)
    c = pd.DataFrame.from_records(list(rows), columns=columns)
    if c.empty:
        return pd.DataFrame(index=pd.Index([], name="account_id"))
    told = c["told_customer"].fillna("").str.strip().ne("")
    status = c["product_status"]
    open_ = ~status.isin(["shipped", "declined"])
    c["gap"] = told & status.isin(["under_consideration", "declined"])
    c["unscoped_open"] = open_ & ~c["scoped"].astype(bool)
    c["overdue"] = status.ne("shipped") & pd.to_datetime(c["due_on"]).lt(pd.Timestamp(as_of))
    grouped = c.groupby("account_id")
    return pd.DataFrame(
        {
            "commitments": grouped.size(),
            "commitments_gap": grouped["gap"].sum(),
            "commitments_unscoped_open": grouped["unscoped_open"].sum(),
            "commitments_overdue": grouped["overdue"].sum(),
        }
    )


COUNT_COLUMNS = [
    "activity_30d", "activity_prev_30d", "roi_reports_90d", "invites_90d", "upsell_accepted_180d",
    "upsell_declined_180d", "active_users_30d", "features_90d", "tasks_total", "tasks_done",
    "outcomes_total", "outcomes_due", "outcomes_due_reached", "stakeholders", "key_roles_present",
    "conflicting_definitions", "objective_key_signers", "decisions", "decisions_reopened_7d",
    "decisions_circulated_late", "commitments", "commitments_gap", "commitments_unscoped_open",
    "commitments_overdue",
]  # fmt: skip
DATE_COLUMNS = [
    "last_signal_at", "last_exec_meeting_at", "first_roi_at", "first_report_generated_at",
    "first_colleague_invited_at", "exec_last_engaged_on",
]  # fmt: skip
FLAG_COLUMNS = ["has_objective", "objective_review_overdue", "champion_left"]


def _fill(frame: pd.DataFrame) -> pd.DataFrame:
    """Absent rows in a joined part mean zero of that thing, not unknown."""
    for column in COUNT_COLUMNS:
        frame[column] = frame[column].fillna(0).astype(float) if column in frame else 0.0
    for column in DATE_COLUMNS:
        if column not in frame:
            frame[column] = pd.NaT
    for column in FLAG_COLUMNS:
        default = column == "objective_review_overdue"
        frame[column] = frame[column].fillna(default).astype(bool) if column in frame else default
    frame["seats"] = frame["seats"].astype(float)
    frame["handoff_missing"] = frame["handoff_missing"].astype(float)
    frame["deviating_terms"] = frame["deviating_terms"].astype(float)
    return frame.replace({None: np.nan})
