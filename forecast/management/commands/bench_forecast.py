"""python manage.py bench_forecast: median server time of /forecast/ and /api/v1/forecast/ for
a VP, through Django's test client (no network). Last line: one JSON object.

States: `recompute` (nothing remembered: no cache, no kept figures, as on the first request
after the data changed and before the worker's refresh), `cold` (an empty cache, the page's
kept figures current, as after the worker's refresh), `warm` (remembered)."""

import json
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Account
from accounts.selectors import user_is_vp
from forecast.models import ForecastFigures

URLS = {"page": "/forecast/", "api": "/api/v1/forecast/?quarters=4"}


def timed(client, url, runs, state: str):
    """Median seconds and queries of `runs` GETs in `state` (module docstring)."""
    client.get(url)  # warm connections, and keep the page's figures
    times, queries = [], 0
    for _ in range(runs):
        if state == "recompute":
            ForecastFigures.objects.all().delete()
        if state in ("recompute", "cold"):
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    return statistics.median(times), queries


class Command(BaseCommand):
    help = "Measure the median server time of the renewal forecast page and API for a VP."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=7)
        parser.add_argument("--only", choices=sorted(URLS), help="Time the page or the API alone.")

    def handle(self, *args, runs, only, **options):
        vp = next(u for u in get_user_model().objects.filter(groups__name="vp") if user_is_vp(u))
        client = Client()
        client.force_login(vp)
        summary = {"accounts": Account.objects.count(), "runs": runs,
                   "database": connection.vendor}  # fmt: skip
        for name, url in URLS.items():
            if only and name != only:
                continue
            for state in ("recompute", "cold", "warm"):
                seconds, queries = timed(client, url, runs, state)
                summary[f"{name}_{state}_ms"] = round(seconds * 1000, 1)
                summary[f"{name}_{state}_queries"] = queries
                self.stdout.write(f"{url} {state}: {seconds * 1000:.0f} ms ({queries} queries)")
        self.stdout.write(json.dumps(summary))
