"""Stakeholders, the shared objective, decisions, commitments and milestones of one account."""

import random
from datetime import date, timedelta

from demo import texts
from demo.portfolio import AccountPlan

KEY_ROLES = ("exec_sponsor", "project_sponsor", "operating_owner")
OUTCOMES = (  # name, proof signal, days after contract start it is due
    ("First report", "report_generated", 14),
    ("First ROI report", "roi_report_generated", 30),
    ("Colleagues invited", "colleague_invited", 45),
    ("User explains the workflow back", None, 60),
)


def person(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(texts.FIRST_NAMES), rng.choice(texts.LAST_NAMES)
    return f"{first} {last}", f"{first}.{last}".lower()


def stakeholders(plan: AccountPlan, today: date, rng: random.Random) -> list[dict]:
    """Key roles, a champion and a few users; the story decides who is gone or quiet."""
    story = plan.story
    end = plan.signals_end
    roles = [*KEY_ROLES, "champion", "user", "user"]
    people = []
    for role in roles:
        name, handle = person(rng)
        recency = rng.randint(3, 40) if role != "exec_sponsor" else rng.randint(10, 70)
        people.append(
            {
                "name": name,
                "email": f"{handle}@example.com",
                "role": role,
                "function": "Executive" if role == "exec_sponsor" else rng.choice(texts.FUNCTIONS),
                "success_definition": rng.choice(texts.SUCCESS_AGREED),
                "success_definition_conflicts": False,
                "last_engaged_on": end - timedelta(days=recency),
                "active": True,
                "left_on": None,
            }
        )
    exec_sponsor, champion = people[0], people[3]
    disengaged = story in ("checklist_illusion", "churned_never_got_value") and (
        plan.extra.get("severe") or story == "churned_never_got_value"
    )
    if story in ("renewal_without_engagement", "churned") or disengaged:
        exec_sponsor["last_engaged_on"] = end - timedelta(days=rng.randint(200, 320))
    if story == "churned":
        exec_sponsor.update(active=False, left_on=end - timedelta(days=rng.randint(40, 100)))
    if story == "churned_champion_left":
        left_on = plan.extra["champion_left_on"]
        champion.update(active=False, left_on=left_on, last_engaged_on=left_on - timedelta(days=3))
    if story == "stakeholder_misalignment":
        exec_sponsor["last_engaged_on"] = today - timedelta(days=rng.randint(120, 200))
        for someone in rng.sample(people[:4], 3):
            someone["success_definition"] = rng.choice(texts.SUCCESS_CONFLICTING)
            someone["success_definition_conflicts"] = True
    if story == "champion_left":
        left_on = plan.extra["champion_left_on"]
        champion.update(active=False, left_on=left_on, last_engaged_on=left_on - timedelta(days=3))
    return people


def objective(plan: AccountPlan, today: date, rng: random.Random) -> dict | None:
    """The one-pager, and which of the three key roles signed it."""
    story = plan.story
    if story == "stakeholder_misalignment" and rng.random() < 0.5:
        return None
    signers = list(KEY_ROLES)
    reviewed = today - timedelta(days=rng.randint(5, 70))
    if story == "stakeholder_misalignment":
        signers = ["project_sponsor"]
        reviewed = today - timedelta(days=rng.randint(150, 260))
    if story in ("churned", "renewal_without_engagement", "churned_never_got_value"):
        reviewed = plan.signals_end - timedelta(days=rng.randint(150, 300))
    return {
        "outcome": "Board-ready monthly ROI summary produced in-house by the Ops team.",
        "scope": "ROI summary, regional weekly views, SSO, ERP reconciliation.",
        "non_scope": "Real-time alerting; replacing the data warehouse.",
        "success_criteria": "Three consecutive monthly ROI summaries without vendor help.",
        "review_cadence_days": 90,
        "last_reviewed_on": reviewed,
        "signers": signers,
        "signed_on": plan.contract_start + timedelta(days=rng.randint(7, 30)),
    }


def decisions(plan: AccountPlan, rng: random.Random) -> list[dict]:
    rows = []
    for summary in rng.sample(texts.DECISIONS, rng.randint(2, 4)):
        decided = plan.signals_end - timedelta(days=rng.randint(5, 150))
        decided = max(decided, plan.contract_start)
        rows.append(
            {
                "summary": summary,
                "decided_on": decided,
                "circulated_on": decided + timedelta(days=rng.randint(0, 1)),
                "reopened_on": None,
            }
        )
    if plan.story == "stakeholder_misalignment":
        for row in rows[:2]:
            row["reopened_on"] = row["decided_on"] + timedelta(days=rng.randint(2, 7))
            row["circulated_on"] = row["decided_on"] + timedelta(days=rng.randint(3, 9))
    return rows


def commitments(plan: AccountPlan, today: date, rng: random.Random) -> list[dict]:
    if plan.story == "commitment_gap":
        picked = rng.sample(texts.PROMISES, 3)
        statuses = ["under_consideration", "declined", "under_consideration"]
        dues = [today - timedelta(days=rng.randint(20, 90)), today + timedelta(days=60), None]
        return [
            {
                "title": title,
                "told_customer": told,
                "product_status": status,
                "scoped": False,
                "due_on": due,
                "made_on": plan.contract_start - timedelta(days=rng.randint(5, 40)),
            }
            for (title, told), status, due in zip(picked, statuses, dues, strict=True)
        ]
    if rng.random() < 0.4:
        title, _ = rng.choice(texts.PROMISES)
        shipped = rng.random() < 0.5
        return [
            {
                "title": title,
                "told_customer": "Planned for next release; we'll confirm the date in the QBR.",
                "product_status": "shipped" if shipped else "planned",
                "scoped": True,
                "due_on": today + timedelta(days=rng.randint(30, 120)),
                "made_on": plan.contract_start,
            }
        ]
    return []


def milestones(plan: AccountPlan, first_roi: date | None, rng: random.Random) -> list[dict]:
    """Checklist tasks (always ticked) and outcome milestones (reached only where it is true)."""
    start = plan.contract_start
    rows = [
        {
            "name": task,
            "kind": "task",
            "proof_signal": None,
            "target_on": start + timedelta(days=7 + 5 * i),
            "completed_on": start + timedelta(days=5 + 5 * i),
            "evidence": "Ticked by the CSM in the onboarding plan.",
        }
        for i, task in enumerate(texts.TASKS)
    ]
    capable = plan.story not in ("checklist_illusion", "churned_never_got_value")
    for name, proof, due in OUTCOMES:
        reached = capable or name == "First report"
        done = start + timedelta(days=due - rng.randint(2, 10))
        if name == "First ROI report":
            done = first_roi
            reached = reached and first_roi is not None
        rows.append(
            {
                "name": name,
                "kind": "outcome",
                "proof_signal": proof,
                "target_on": start + timedelta(days=due),
                "completed_on": done if reached else None,
                "evidence": _evidence(name) if reached else "",
            }
        )
    return rows


def _evidence(name: str) -> str:
    return {
        "First report": "Ops lead generated the weekly regional report.",
        "First ROI report": "ROI summary exported for the board pack.",
        "Colleagues invited": "Champion invited the regional leads.",
        "User explains the workflow back": "Ops lead walked the CSM through the ROI summary unaided.",
    }[name]
