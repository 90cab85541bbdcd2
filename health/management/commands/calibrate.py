"""python manage.py calibrate: propose weights fitted on the company's own churns, in the open."""

import json

from django.core.management.base import BaseCommand, CommandError

from health.calibration import CALIBRATION_DATES, calibration_propose_run
from health.management.commands.backtest import (
    add_window_arguments,
    scorecard_or_error,
    window_or_error,
)
from health.scoring.calibration import FitError
from health.services import default_scorecard

ROWS = (  # label, key, format
    ("AUC (risk against churn within the horizon)", "auc", "{:.3f}"),
    ("Churning account-dates red or amber", "recall_non_green", "{:.0%}"),
    ("Churners red or amber 60 days before", "recall_60", "{:.0%}"),
    ("Green account-dates that churned", "green_churn_rate", "{:.1%}"),
    ("Median lead (days)", "median_lead_days", "{:.0f}"),
)


class Command(BaseCommand):
    help = (
        "Fit non-negative component weights on earlier as-of dates, compare the live and the "
        "proposed scorecard on later ones, and record the proposal for a VP to adopt. Changes "
        "nothing live. Last line: one JSON object."
    )

    def add_arguments(self, parser):
        add_window_arguments(parser)

    def handle(self, *args, **options):
        scorecard = scorecard_or_error(options["scorecard"]) or default_scorecard()
        window = window_or_error(options, CALIBRATION_DATES)
        try:
            report = calibration_propose_run(
                scorecard=scorecard, window=window, workers=options["workers"]
            )
        except FitError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(describe(scorecard, report))
        self.stdout.write(json.dumps(report))


def describe(scorecard, report: dict) -> str:
    lines = [
        f"Calibrating {scorecard}: trained on {report['train_account_dates']} account-dates as of "
        f"{', '.join(report['train_dates'])} ({report['train_churned']} churned within "
        f"{report['current']['horizon']} days); tested on {', '.join(report['test_dates'])}.",
        "",
        f"{'Weight':<14}{'current':>10}{'proposed':>10}",
    ]
    for name, weight in report["current_weights"].items():
        lines.append(f"{name:<14}{weight:>10g}{report['proposed_weights'][name]:>10g}")
    for name, cut in report["current_thresholds"].items():
        lines.append(f"{name + ' from':<14}{cut:>10g}{report['proposed_thresholds'][name]:>10g}")
    predictive = [flag for flag in report["flags"] if flag["predicted_churn"]]
    lines += ["", "Flags that predicted churn in training:" if predictive else
              "No flag predicted churn in training."]  # fmt: skip
    for flag in predictive:
        lines.append(
            f"  {flag['label']}: {flag['churn_rate']:.0%} of {flag['account_dates']} "
            f"account-dates churned (x{flag['lift']}, p={flag['p_value']})"
        )
    lines += ["", f"{'Held-out backtest':<46}{'current':>10}{'proposed':>10}"]
    for label, key, fmt in ROWS:
        cells = [_cell(report[side], key, fmt) for side in ("current", "proposed")]
        lines.append(f"{label:<46}{cells[0]:>10}{cells[1]:>10}")
    lines += ["", *describe_probability(report["probability"])]
    proposal = report["proposal"]
    if proposal is None:
        lines += ["", "The fit agrees with the live scorecard: nothing to propose."]
        return "\n".join(lines)
    lines += [
        "",
        f"Proposed as version {proposal['number']} (id {proposal['id']}). Nothing changes until "
        f"a VP adopts it: POST /api/v1/scorecards/{scorecard.pk}/adopt/ "
        f'{{"version": {proposal["id"]}}}, or the button on the portfolio page.',
    ]
    return "\n".join(lines)


def _cell(figures: dict, key: str, fmt: str) -> str:
    value = figures["recall_at_lead"]["60"]["share"] if key == "recall_60" else figures[key]
    return "n/a" if value is None else fmt.format(value)


def describe_probability(held_out: dict) -> list[str]:
    """The churn probability on the held-out dates: Brier beside the base rate's, ECE, deciles."""
    if not held_out["account_dates"]:
        return ["Churn probability: no held-out account-date to judge it on."]
    lines = [
        f"Churn probability on {held_out['account_dates']} held-out account-dates: Brier "
        f"{held_out['brier']} (base rate {held_out['base_rate']}: {held_out['base_rate_brier']}), "
        f"expected calibration error {held_out['ece']} (target <= {held_out['ece_target']}).",
        f"{'Decile':<8}{'predicted':>10}{'observed':>10}",
    ]
    for row in held_out["deciles"]:
        lines.append(f"{row['decile']:<8}{row['predicted']:>10.1%}{row['observed']:>10.1%}")
    return lines
