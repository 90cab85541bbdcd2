"""Plain-language reasons, worded on read from the facts a score stored (see `explain`)."""

import math

from health.scoring.constants import SENTIMENT_SCORES


def _n(value) -> int:
    return 0 if value is None or (isinstance(value, float) and math.isnan(value)) else int(value)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


NO_VALUE_EVENTS = "No value events received for this scorecard yet; Outcomes left out."
NO_DATA_YET = "No data received yet"


def _count(value, one: str, many: str | None = None) -> str:
    """The number and the noun that agrees with it: "1 day", "2 days"."""
    n = _n(value)
    return f"{n} {one if n == 1 else many or one + 's'}"


def _is(value, one: str = "is", many: str = "are") -> str:
    """The verb that agrees with a count: "1 commitment is", "2 commitments are"."""
    return one if _n(value) == 1 else many


def days_ago(value) -> str:
    """How long ago, in the words the book and the account page share: "today", "yesterday",
    "5 days ago"."""
    n = _n(value)
    return {0: "today", 1: "yesterday"}.get(n, f"{n} days ago")


def outcome_reasons(r, target: int) -> list[str]:
    if not r.value_kinds_seen:
        return [NO_VALUE_EVENTS]
    value = f"value event ({r.value_label})"
    reasons = []
    if _missing(r.time_to_value_days):
        reasons.append(
            f"No {value} {_count(r.days_since_kickoff, 'day')} after kickoff; target {target} days."
        )
    elif r.time_to_value_days > target:
        reasons.append(
            f"First {value} took {_count(r.time_to_value_days, 'day')}; target {target} days."
        )
    else:
        reasons.append(
            f"First {value} after {_count(r.time_to_value_days, 'day')} (target {target})."
        )
    if r.outcomes_due > 0:
        reasons.append(
            f"{_n(r.outcomes_due_reached)} of {_n(r.outcomes_due)} outcome milestones due are reached."
        )
    if not _missing(r.time_to_value_days) and r.days_since_kickoff > 90:
        reasons.append(
            f"{_count(r.value_events_90d, 'value event')} ({r.value_label}) in the last 90 days."
        )
    return reasons


def adoption_reasons(r) -> list[str]:
    if _missing(r.days_since_activity):
        return ["No product usage recorded."]
    share = r.active_users_30d / max(r.seats, 1) * 100
    return [
        f"{_count(r.active_users_30d, 'active user')} in 30 days for {_count(r.seats, 'seat')} "
        f"({share:.0f}%).",
        f"{_count(r.invites_90d, 'colleague')} invited in 90 days.",
        f"{_count(r.features_90d, 'distinct feature')} used in 90 days.",
    ]


def engagement_reasons(r) -> list[str]:
    if _missing(r.days_since_activity):
        return ["No activity recorded."]
    reasons = []
    if r.activity_prev_30d > 0:
        change = (r.activity_30d / r.activity_prev_30d - 1) * 100
        direction = "down" if change < 0 else "up"
        reasons.append(
            f"Activity {direction} {abs(change):.0f}% vs the previous 30 days "
            f"({_n(r.activity_30d)} vs {_count(r.activity_prev_30d, 'event')})."
        )
    reasons.append(f"Last activity {days_ago(r.days_since_activity)}.")
    if not r.exec_touch_recorded:
        reasons.append(NOT_RECORDED.format(what="exec sponsor touches", part="exec touch"))
    elif _missing(r.days_since_exec_touch):
        reasons.append("No exec sponsor contact on record.")
    else:
        reasons.append(f"Last exec sponsor touch {days_ago(r.days_since_exec_touch)}.")
    if not r.expansion_recorded:
        reasons.append(NOT_RECORDED.format(what="expansion calls", part="expansion"))
    elif r.upsell_accepted_180d > 0:
        reasons.append("Took an expansion call in the last 180 days.")
    elif r.upsell_declined_180d > 0:
        reasons.append("Declined an expansion call in the last 180 days.")
    return reasons


NOT_RECORDED = (
    "No {what} recorded for any account of this scorecard yet, so {part} is left out "
    "rather than scored zero."
)


def alignment_reasons(r) -> list[str]:
    if r.stakeholders == 0:
        return ["No stakeholders mapped."]
    reasons = [
        f"{_n(r.key_roles_present)} of 3 key roles (exec, project sponsor, operating owner) in place."
    ]
    if not r.objectives_recorded:
        reasons.append(NOT_RECORDED.format(what="shared objectives", part="the objective"))
    elif not r.has_objective:
        reasons.append("No shared objective.")
    else:
        reasons.append(f"Shared objective signed by {_n(r.objective_key_signers)} of 3.")
        if r.objective_review_overdue:
            reasons.append("Shared objective review is overdue.")
    if r.decisions_reopened_7d:
        reasons.append(f"{_count(r.decisions_reopened_7d, 'decision')} reopened within 7 days.")
    if r.decisions_circulated_late:
        reasons.append(
            f"{_count(r.decisions_circulated_late, 'decision')} not circulated within 24 hours."
        )
    if r.conflicting_definitions:
        reasons.append(
            f"{_count(r.conflicting_definitions, 'stakeholder')} "
            f"{_is(r.conflicting_definitions, 'defines', 'define')} success differently."
        )
    if r.champion_left:
        reasons.append("The champion has left.")
    return reasons


def confidence_reasons(r) -> list[str]:
    if not r.survey_answers:
        return ["No survey answers from the customer in the last year."]
    return [
        f"The customer's confidence averages {r.confidence_mean:.1f}/10 over "
        f"{_count(r.survey_answers, 'survey answer')} in the last year."
    ]


def support_reasons(r) -> list[str]:
    if not r.support_recorded:
        return [NOT_RECORDED.format(what="support tickets or help-centre visits", part="Support")]
    if not r.support_events_90d:
        return ["No support requests in the last 90 days."]
    return [
        f"{_count(r.support_events_90d, 'support request')} in the last 90 days for "
        f"{_count(r.seats, 'seat')}."
    ]


SENTIMENT_WORDS = {score: rating for rating, score in SENTIMENT_SCORES.items()}


def sentiment_reasons(r) -> list[str]:
    if _missing(r.csm_sentiment):
        return ["No current CSM sentiment."]
    return [f"The CSM rates the account {SENTIMENT_WORDS.get(r.csm_sentiment, 'rated')}."]


def commitment_reasons(r) -> list[str]:
    if r.commitments == 0:
        return ["No commitments recorded."]
    reasons = []
    if r.commitments_gap:
        reasons.append(
            f"{_count(r.commitments_gap, 'promise')} the customer was told "
            f"{_is(r.commitments_gap)} coming that product has not committed."
        )
    if r.commitments_unscoped_open:
        n = r.commitments_unscoped_open
        reasons.append(f"{_count(n, 'open commitment')} {_is(n)} unscoped.")
    if r.commitments_overdue:
        reasons.append(
            f"{_count(r.commitments_overdue, 'commitment')} {_is(r.commitments_overdue)} overdue."
        )
    return reasons or [f"{_count(r.commitments, 'commitment')}, all committed by product."]


def renewal_without_engagement_reasons(r) -> list[str]:
    renewing = not _missing(r.days_to_renewal) and 0 <= r.days_to_renewal <= r.renewing_within_days
    when = (
        f"renews in {_count(r.days_to_renewal, 'day')}"
        if renewing
        else f"renewed {days_ago(r.days_since_renewed)}"
    )
    return [
        f"Account {when} while engagement is low or falling "
        f"({_count(r.activity_30d, 'event')} in 30 days vs {_n(r.activity_prev_30d)} before).",
        f"No exec meeting or expansion call in {_count(r.exec_silence_days, 'day')}: "
        "inertia, not trust.",
    ]


def checklist_illusion_reasons(r) -> list[str]:
    return [
        f"CRM says '{r.crm_status}' and {_n(r.tasks_done)} of {_n(r.tasks_total)} checklist tasks are done, "
        f"but only {_n(r.outcome_attainment)}% of due outcomes are reached."
    ]


def stakeholder_misalignment_reasons(r) -> list[str]:
    return alignment_reasons(r)[1:]


def champion_left_reasons(r) -> list[str]:
    return ["The champion has left and nobody has taken the role."]


def handoff_context_missing_reasons(r) -> list[str]:
    return [
        f"Handoff context missing: {_n(r.handoff_missing)} of 4 items (why they bought, needs, urgency, politics)."
    ]


def custom_terms_reasons(r) -> list[str]:
    n = r.deviating_terms
    return [f"{_count(n, 'deal term')} {_is(n, 'deviates', 'deviate')} from the standard contract."]


def stale_data_reasons(r) -> list[str]:
    if _missing(r.days_since_activity):
        return ["No signals ever received: the score has no usage data."]
    return [f"No signals for {_count(r.days_since_activity, 'day')}: this score rests on old data."]


def no_data_yet_reasons(r) -> list[str]:
    """Why an account without a single signal, still within its grace, has no colour."""
    left = _n(r.silence_grace_days) - _n(r.days_since_arrival)
    return [
        f"{NO_DATA_YET}: no signal since the account started {days_ago(r.days_since_arrival)}. "
        f"It is scored when data arrives, or as never active in {_count(left, 'day')}."
    ]


def never_active_reasons(r) -> list[str]:
    return [
        f"Never active: no signal in the {_count(r.days_since_arrival, 'day')} since the account "
        f"started (grace {_count(r.silence_grace_days, 'day')}): the silence is real."
    ]


def commercial_reasons(r) -> list[str]:
    """What the Commercial component saw: tenure, renewals, the term, custom terms, the price
    change at the last renewal (none of them about how the customer uses the product)."""
    if _missing(r.tenure_days):
        return ["No contract dates to read: Commercial left out."]
    years = _n(r.tenure_days) / 365
    reasons = [
        f"Customer for {years:.1f} years, {_count(r.renewals, 'renewal')}; "
        f"the current term runs {_n(r.term_days) / 365:.1f} years."
    ]
    if _n(r.deviating_terms):
        reasons.append(f"{_count(r.deviating_terms, 'deal term')} off the standard.")
    if not _missing(r.price_change_at_renewal) and r.price_change_at_renewal:
        reasons.append(f"Price changed {r.price_change_at_renewal:+.0%} at the last renewal.")
    return reasons
