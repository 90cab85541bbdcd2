"""The default playbooks, written from DOMAIN.md's remedies, and the rules' default thresholds.

Both are editable in the admin; this only seeds them (the data is inline: a migration never
imports application code).
"""

from django.db import migrations

PLAYBOOKS = {
    "checklist_illusion": (
        "Prove capability, not checklist completion",
        [
            "Book a screen-share with the main user and watch them produce the report they "
            "bought the product for (e.g. the monthly ROI summary).",
            "Stay on the screen-share until the user can explain the report back to you in "
            "their own words.",
            "Agree the outcome milestone that proves it (first ROI report, colleagues invited) "
            "and its date.",
            "Leave the CRM's “Onboarded” alone until the outcome signal arrives.",
        ],
    ),
    "renewal_without_engagement": (
        "Earn the renewal: re-engage before it is only inertia",
        [
            "Meet the exec sponsor: what would make them renew by choice, not because "
            "switching is costly?",
            "Review the falling usage with the champion and agree two workflows to bring back.",
            "Offer a value review, or an expansion call, before the renewal conversation.",
            "Write down what a competitor would have to offer to win them, and close that gap.",
        ],
    ),
    "stakeholder_misalignment": (
        "Align the customer on one shared objective",
        [
            "Run an alignment workshop with the exec sponsor, the project sponsor and the "
            "operating owner.",
            "Write the one-page shared objective: outcome, scope, explicit non-scope, success "
            "criteria, a decision owner for each in-scope decision, and a review cadence.",
            "Get it signed by the exec sponsor, the project sponsor and the operating owner.",
            "Circulate every cross-functional decision to all owners within 24 hours.",
        ],
    ),
    "commitment_gap": (
        "Close the gap between what was promised and what product committed",
        [
            "List each promise with what the customer was told and product's real status.",
            "Ask product to scope, date or decline each uncommitted promise.",
            "Tell the customer the real status in writing, before they ask.",
        ],
    ),
    "champion_left": (
        "Replace the champion who left",
        [
            "Find who inherited the champion's work and meet them this week.",
            "Re-map the stakeholders: who now speaks for success?",
            "Brief the exec sponsor on the change and agree a new champion.",
        ],
    ),
    "handoff_context_missing": (
        "Recover the context the handoff left with sales",
        [
            "Meet the seller: why they bought, what they really need, urgency, internal "
            "politics.",
            "Record it on the account's handoff context.",
            "Check the real needs with the customer's operating owner.",
        ],
    ),
    "custom_terms": (
        "Know the custom terms before they bite",
        [
            "Read each term that deviates from standard and note what it obliges us to do.",
            "Agree with finance and product how each is honoured, or renegotiated at renewal.",
        ],
    ),
    "stale_data": (
        "Find out why the data stopped",
        [
            "Check the integration that sends this account's signals.",
            "Ask the champion whether they still use the product.",
            "Until signals arrive, treat the score as old news.",
        ],
    ),
    "entered_red": (
        "Account entered red: find out why this week",
        [
            "Read the reasons behind the score and what changed.",
            "Call the operating owner and confirm what is really happening.",
            "Agree a recovery plan: the outcome it must produce, and by when.",
        ],
    ),
    "score_drop": (
        "Score dropped: find what changed",
        [
            "Read what changed in the last 7 days.",
            "Ask the champion about it before it becomes a trend.",
        ],
    ),
    "renewal_at_risk": (
        "Renewal at risk: build the case before the date",
        [
            "Review the outcomes reached against what they bought the product for.",
            "Meet the exec sponsor before the renewal conversation.",
            "Agree with the customer what must be true for them to renew.",
        ],
    ),
    "sentiment_stale": (
        "Refresh your read on this account",
        ["Talk to the customer, then set a new sentiment with its reason."],
    ),
}

RULES = {
    "entered_red": {"points": 0, "days": 0, "due_in_days": 3},
    "score_drop": {"points": 10, "days": 7, "due_in_days": 7},
    "flag_raised": {"points": 0, "days": 0, "due_in_days": 14},
    "renewal_at_risk": {"points": 0, "days": 90, "due_in_days": 14},
    "sentiment_stale": {"points": 0, "days": 120, "due_in_days": 7},
}


def seed(apps, schema_editor):
    Playbook = apps.get_model("actions", "Playbook")
    RuleSetting = apps.get_model("actions", "RuleSetting")
    for code, (title, steps) in PLAYBOOKS.items():
        Playbook.objects.get_or_create(code=code, defaults={"title": title, "steps": steps})
    for rule, values in RULES.items():
        RuleSetting.objects.get_or_create(rule=rule, defaults=values)


def unseed(apps, schema_editor):
    apps.get_model("actions", "Playbook").objects.filter(code__in=PLAYBOOKS).delete()
    apps.get_model("actions", "RuleSetting").objects.filter(rule__in=RULES).delete()


class Migration(migrations.Migration):
    dependencies = [("actions", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
