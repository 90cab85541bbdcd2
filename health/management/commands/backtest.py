"""python manage.py backtest: how the score would have foretold past churns. Writes nothing."""

import json
import time

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from health.backtest import BACKTEST_SECONDS, DEFAULT_DATES, backtest_key, backtest_run
from health.backtest_serializers import window_from
from health.forecast_backtest import NoChurnModel, forecast_backtest_run
from health.models import Scorecard


def scorecard_or_error(scorecard_id) -> Scorecard | None:
    if scorecard_id is None:
        return None
    try:
        return Scorecard.objects.get(pk=scorecard_id)
    except Scorecard.DoesNotExist:
        raise CommandError(f"No scorecard with id {scorecard_id}.") from None


def window_or_error(options, dates=DEFAULT_DATES):
    params = {
        key: options[key]
        for key in ("start", "end", "every", "horizon")
        if options[key] is not None
    }
    try:
        return window_from({key: str(value) for key, value in params.items()}, dates)
    except ValidationError as error:
        problems = "; ".join(
            f"--{field}: {' '.join(map(str, msgs))}" for field, msgs in error.detail.items()
        )
        raise CommandError(problems) from None


def add_window_arguments(parser):
    parser.add_argument("--scorecard", type=int, default=None, metavar="ID")
    parser.add_argument("--start", default=None, metavar="DATE")
    parser.add_argument("--end", default=None, metavar="DATE")
    parser.add_argument("--every", type=int, default=None, metavar="DAYS")
    parser.add_argument("--horizon", type=int, default=None, metavar="DAYS")
    parser.add_argument(
        "--workers", type=int, default=1, help="Score the as-of dates in this many processes."
    )


class Command(BaseCommand):
    help = (
        "Score every account active on each as-of date from what was known then (writing no "
        "history) and compare with the churns recorded later. Last line: one JSON object."
    )

    def add_arguments(self, parser):
        add_window_arguments(parser)
        parser.add_argument(
            "--forecast", action="store_true",
            help="Replay the renewal forecast of each of the last four quarters instead.",
        )  # fmt: skip

    def handle(self, *args, **options):
        if options["forecast"]:
            return self.forecast()
        scorecard = scorecard_or_error(options["scorecard"])
        window = window_or_error(options)
        started = time.perf_counter()
        figures = backtest_run(window=window, scorecard=scorecard, workers=options["workers"])
        cache.set(backtest_key(scorecard, window), figures, BACKTEST_SECONDS)  # for page and API
        figures["seconds"] = round(time.perf_counter() - started, 2)
        self.stdout.write(summary_lines(figures))
        self.stdout.write(json.dumps(figures))

    def forecast(self):
        """`--forecast`: each past quarter's expected renewed ARR against what renewed."""
        try:
            result = forecast_backtest_run(today=timezone.now().date())
        except NoChurnModel as error:
            raise CommandError(str(error)) from None
        for row in result["quarters"]:
            error = "n/a" if row["error"] is None else f"{row['error']:+.1%}"
            self.stdout.write(
                f"{row['quarter']}: {row['renewals']} renewals, {row['arr_up_for_renewal']:,.0f} up, "
                f"expected {row['expected_renewed_arr']:,.0f}, renewed {row['renewed_arr']:,.0f} "
                f"(error {error})"
            )
        self.stdout.write(json.dumps(result, default=str))


def summary_lines(figures: dict) -> str:
    def pct(value):
        return "n/a" if value is None else f"{value:.0%}"

    rates = ", ".join(f"{rag} {pct(rate)}" for rag, rate in figures["churn_rate_by_rag"].items())
    return (
        f"{len(figures['as_of_dates'])} as-of dates, {figures['account_dates']} account-dates, "
        f"{figures['churned']} churned within {figures['horizon']} days "
        f"({figures['seconds']}s)\n"
        f"AUC {figures['auc']}; red or amber before churning {pct(figures['recall_non_green'])}; "
        f"green account-dates that churned {pct(figures['green_churn_rate'])}; "
        f"churn rate by RAG: {rates}; median lead {figures['median_lead_days']} days"
    )
