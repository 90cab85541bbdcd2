"""Small builders for test data: each makes a valid row and lets the test say what differs."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Account, Stakeholder
from signals.models import Signal

_sequence = itertools.count(1)


def make_account(*, csm, **fields) -> Account:
    n = next(_sequence)
    today = timezone.now().date()
    defaults = {
        "external_id": f"crm-{n}",
        "name": f"Account {n}",
        "segment": "mid_market",
        "arr": Decimal("50000"),
        "seats": 50,
        "contract_start": today - timedelta(days=200),
        "renewal_date": today + timedelta(days=165),
        "crm_status": "Onboarded",
        "lifecycle_stage": "adoption",
    }
    defaults.update(fields)
    return Account.objects.create(csm=csm, **defaults)


def make_stakeholder(*, account, role="user", **fields) -> Stakeholder:
    n = next(_sequence)
    defaults = {"name": f"Person {n}", "email": f"person{n}@example.com", "function": "Operations"}
    defaults.update(fields)
    return Stakeholder.objects.create(account=account, role=role, **defaults)


def make_signal(*, account, kind="login", occurred_at=None, **fields) -> Signal:
    n = next(_sequence)
    defaults = {"external_id": f"sig-{n}", "actor": "user@example.com", "value": ""}
    defaults.update(fields)
    return Signal.objects.create(
        account=account, kind=kind, occurred_at=occurred_at or timezone.now(), **defaults
    )


def days_ago(days: int) -> date:
    return timezone.now().date() - timedelta(days=days)


def blank_facts(**values) -> list:
    """A stored facts row with no component data and zero of every count, plus `values`."""
    from health.models import DEFAULT_TARGETS, DEFAULT_THRESHOLDS, DEFAULT_WEIGHTS
    from health.scoring.explain import FACTS, LAYOUT, SCORE_FACTS
    from health.scoring.flags import CAPPING_FLAGS, capping_mask

    facts = dict.fromkeys(FACTS, 0)
    facts.update(dict.fromkeys(SCORE_FACTS))
    facts.update({f"weight_{name}": weight for name, weight in DEFAULT_WEIGHTS.items()})
    facts.update(
        green_threshold=DEFAULT_THRESHOLDS["green"], amber_threshold=DEFAULT_THRESHOLDS["amber"],
        capping_mask=capping_mask(CAPPING_FLAGS), value_kinds_seen=1, crm_status="Onboarded",
        exec_touch_recorded=1, expansion_recorded=1, objectives_recorded=1, support_recorded=1,
        value_label="ROI report generated",
        time_to_value_target=DEFAULT_TARGETS["time_to_value_days"],
        renewing_within_days=DEFAULT_TARGETS["renewing_within_days"],
        exec_silence_days=DEFAULT_TARGETS["exec_silence_days"],
        silence_grace_days=DEFAULT_TARGETS["silence_grace_days"], has_any_signal=1,
    )  # fmt: skip
    facts.update(values)
    return [f"layout {LAYOUT}", *(facts[name] for name in FACTS)]


def give_health(account, *, overall: float, rag: str, flags=(), as_of=None, **facts):
    """A score row and the matching CurrentHealth, without running the scorer."""
    from health.models import CurrentHealth, HealthScore

    now = timezone.now()
    score = HealthScore.objects.create(
        account=account, as_of=as_of or now.date(), computed_at=now, overall=overall, rag=rag,
        facts=blank_facts(**facts),
        flag_codes="".join(f",{code}" for code in flags) + ("," if flags else ""),
    )  # fmt: skip
    if as_of is None or as_of >= now.date():
        CurrentHealth.objects.update_or_create(
            account=account,
            defaults={"score": score, "overall": overall, "rag": rag,
                      "flag_codes": score.flag_codes, "computed_at": now, "last_signal_at": now},
        )  # fmt: skip
    return score
