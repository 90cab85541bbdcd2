"""The "Connect your data" walk-through: each step of bringing a company's own data in, what is
done and what is missing, ending with whether Candor would have warned before its churns."""

from dataclasses import dataclass, field

from django.urls import reverse

from accounts.selectors import crm_data_imported
from health.backtest import churn_warnings_remembered
from health.calibration import CALIBRATION_DATES
from health.scoring.calibration import MIN_CHURNS
from health.services import default_scorecard
from signals.models import Signal
from sources.selectors import source_status, sources_list


@dataclass
class Step:
    key: str
    title: str
    done: bool
    status: str
    link: str = ""
    link_text: str = ""
    extra: dict = field(default_factory=dict)


def source_steps() -> list[Step]:
    """Make a source key, send events and see them in the debugger, map the events."""
    sources = [source for source in sources_list() if not source.revoked]
    if not sources:
        return [
            Step("source", "Make a source key", False,
                 "No source yet: make one, and Segment, RudderStack or any HTTP client can send "
                 "to it.", reverse("sources"), "Make a source"),
            Step("send", "Send events and watch the debugger", False, "Needs a source first."),
            Step("map", "Map the events", False, "Needs events first."),
        ]  # fmt: skip
    status = {source.pk: source_status(source=source) for source in sources}
    received = [source for source in sources if status[source.pk]["received"]]
    first = (received or sources)[0]
    signals = sum(facts["signals"] for facts in status.values())
    mapped = sum(facts["mapped_events"] for facts in status.values())
    unmapped = sorted({event for facts in status.values() for event in facts["unmapped_events"]})
    detail = reverse("source_detail", args=[first.pk])
    return [
        Step("source", "Make a source key", True,
             f"{len(sources)} source{'s' if len(sources) > 1 else ''}: "
             f"{', '.join(source.name for source in sources)}.", reverse("sources"), "Sources"),
        Step("send", "Send events and watch the debugger", bool(received),
             f"{len(received)} of {len(sources)} sources have received messages; "
             f"{signals} signals stored." if received else
             "Nothing received yet: paste the set-up snippet for Segment, RudderStack or plain "
             "HTTP from the source's page, then watch the debugger.",
             detail, f"{first.name}: set-up and debugger"),
        Step("map", "Map the events", mapped > 0,
             (f"{mapped} event names mapped to a kind. " if mapped else "No event mapped yet. ")
             + (f"Not mapped (ignored until you map them; mapping later backfills): "
                f"{', '.join(unmapped[:10])}{' …' if len(unmapped) > 10 else ''}." if unmapped
                else ""),
             detail + "#map-h", "The event map", {"unmapped": unmapped}),
    ]  # fmt: skip


def import_step() -> Step:
    counts = crm_data_imported()
    if not counts["accounts"]:
        status = (
            "No accounts yet: import your CRM's account export (HubSpot, Salesforce or any CSV)."
        )
    elif not counts["with_outcome"]:
        status = (
            f"{counts['accounts']} accounts, but no outcome recorded: import past renewals and "
            "churns (outcome, outcome_on) so the backtest can check the score against them."
        )
    else:
        status = (
            f"{counts['accounts']} accounts; outcomes recorded for {counts['with_outcome']}: "
            f"{counts['churned']} churned, {counts['renewed']} renewed."
        )
    return Step(
        "import", "Import accounts and outcomes from your CRM",
        bool(counts["accounts"] and counts["with_outcome"]), status, reverse("import_upload"),
        "Import a CRM export", counts,
    )  # fmt: skip


def value_step() -> Step:
    """Which signal kinds prove value, and has any arrived."""
    kinds = list(default_scorecard().value_kinds)
    seen = Signal.objects.filter(kind__in=kinds).exists() if kinds else False
    if not kinds:
        status = "No kind is named as proving value: name one on the scorecard."
    elif not seen:
        status = (
            f"Value is proven by {', '.join(kinds)}, but none has arrived yet: map an event to one."
        )
    else:
        status = f"Value is proven by {', '.join(kinds)}, and such events have arrived."
    return Step("value", "Say which events prove value", seen, status, extra={"kinds": kinds})


def warnings_step(today) -> Step:
    warnings = churn_warnings_remembered(today=today, compute=False)
    if warnings is None:
        status = "Not run yet for the data loaded now."
    elif not warnings["churned"]:
        status = (
            f"No churn recorded since {warnings['since']}: nothing to check the score against yet."
        )
    else:
        status = (
            f"{warnings['warned_60']} of {warnings['churned']} churns since {warnings['since']} "
            "were red or amber 60 days before they churned."
        )
    for row in (warnings or {}).get("accounts", []):
        row["readings"] = [row["rag_90"], row["rag_60"], row["rag_30"]]
    done = bool(warnings and warnings["churned"])
    return Step(
        "backtest", "Would Candor have warned you?", done, status, extra={"warnings": warnings}
    )


def calibrate_step(warnings: dict | None) -> Step:
    churned = (warnings or {}).get("churned", 0)
    if churned < MIN_CHURNS:
        status = (
            f"Calibration fits the weights on your own churns and needs at least {MIN_CHURNS} in its "
            f"training dates; last year's history shows {churned}. Until then the default weights "
            "stand, and the backtest above says how well they do."
        )
    else:
        status = (
            f"{churned} churns last year: enough to try. Calibration learns from the earlier of "
            f"{CALIBRATION_DATES} past dates and tests on the later ones; a proposal changes "
            "nothing until you adopt it on the portfolio page."
        )
    return Step(
        "calibrate", "Calibrate the weights on your churns", False, status,
        reverse("portfolio") + "#validity-h", "Proposals on the portfolio page",
        {"enough": churned >= MIN_CHURNS},
    )  # fmt: skip


def connect_steps(today) -> list[Step]:
    """The walk-through's steps, in order, from what the database holds now."""
    warnings = warnings_step(today)
    return [
        *source_steps(),
        import_step(),
        value_step(),
        warnings,
        calibrate_step(warnings.extra["warnings"]),
    ]
