"""Load a simulated B2B CRM product's accounts, dated usage and churn into Candor through its
public REST API, and nothing else: the second outside data set, the one with dates.

The data: ChurnSim's `crm6` model (bench/churnsim_export.py says what it is), run in its own
virtualenv under --cache from the `fightchurn` package on PyPI. Unlike pysurvival's churn.csv
it has days: every search, contact added, meeting held and opportunity won, by which of the
account's people, and the day each churned account's subscription ended. So lead time can be
tested, and a time-split backtest measures the score, not a loader's random placement.

How a simulated customer becomes an account (decided before any result was seen):
- contract start = its first day; churned if its last subscription ended before the snapshot
  (outcome_on that day), else active; renewal date and last renewal from its subscriptions;
- segment from the plan (starter, basic: smb; standard, advanced: mid_market; premier:
  enterprise), ARR = 12 x MRR, seats = the plan's user limit; no CRM status, handoff, people,
  objectives, decisions or surveys (the simulation has none);
- the vocabulary, registered through /api/v1/signal-kinds/: a won opportunity is the customer's
  value event (`opportunity_won`, category value; a CRM is bought to win deals), named as the
  default scorecard's value kind through /api/v1/scorecards/; every other behaviour is a
  `feature_used` signal with the behaviour as its value;
- one signal per account, behaviour and day (the day's first person as actor, the count as
  value), since the simulator's hundreds of events a day per account would be millions of rows.

Usage (a Candor on a database of its own, a VP's API token, an existing CSM who owns the
accounts; a re-run resumes, and signals are idempotent on their external id):
    python -m bench.load_churnsim --url http://127.0.0.1:8000 --token TOKEN --csm maya
then `python manage.py backtest` and `python manage.py calibrate`.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.load_public_churn import (
    Api,
    existing_account,
    register_kind,
    results_of,
    signals_load,
)

PACKAGES = [
    "fightchurn==1.2.0", "pandas~=2.0", "numpy~=2.0", "python-dateutil~=2.8", "omegaconf~=2.3",
    "hydra-core~=1.3", "joblib~=1.3", "filelock~=3.12", "psycopg2-binary", "postgres",
]  # fmt: skip
MONTHS = 14
VALUE_KIND = {"code": "opportunity_won", "label": "Opportunity won", "category": "value"}
SEGMENTS = {
    "starter": "smb", "basic": "smb", "standard": "mid_market", "advanced": "mid_market",
    "premier": "enterprise",
}  # fmt: skip


@dataclass
class Mapped:
    account: dict
    signals: list[dict] = field(default_factory=list)


def simulate(cache: Path, *, today: date, customers: int, seed: int) -> Path:
    """customers.csv and activity.csv from ChurnSim, made once per (snapshot, size, seed)."""
    out = cache / f"crm6-{today.isoformat()}-{customers}-{seed}"
    if (out / "activity.csv").exists():
        return out
    venv = cache / "venv"
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run(
            [*pip, "--no-deps", PACKAGES[0]], check=True
        )  # it pins what it never imports
        subprocess.run([*pip, *PACKAGES[1:]], check=True)
    start = (today.replace(day=1) - timedelta(days=MONTHS * 30)).replace(day=1)
    script = Path(__file__).with_name("churnsim_export.py")
    subprocess.run(
        [str(venv / "bin" / "python"), str(script), "--start", start.isoformat(),
         "--end", today.isoformat(), "--customers", str(customers), "--seed", str(seed),
         "--out", str(out)],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return out


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def map_accounts(customers: list[dict], activity: list[dict], *, csm: str) -> list[Mapped]:
    by_account: dict[str, list[dict]] = {}
    for row in activity:
        by_account.setdefault(row["account"], []).append(row)
    return [map_customer(row, by_account.get(row["id"], []), csm=csm) for row in customers]


def map_customer(row: dict, activity: list[dict], *, csm: str) -> Mapped:
    """The account and its signals for one simulated customer (deterministic)."""
    external_id = f"churnsim-crm6-{int(row['id']):05d}"
    churned_on = row["churned_on"] or None
    account = {
        "external_id": external_id,
        "name": f"CRM customer {int(row['id']):05d} ({row['channel']})",
        "segment": SEGMENTS[row["plan"].split("_")[0]],
        "arr": str(round(12 * float(row["mrr"]), 2)),
        "seats": int(float(row["seats"] or 1)),
        "contract_start": row["start"],
        "renewal_date": row["renewal_date"],
        "last_renewed_on": row["last_renewed_on"] or None,
        "csm": csm,
        "lifecycle_stage": "offboarded" if churned_on else "adoption",
        "outcome": "churned" if churned_on else "active",
        "outcome_on": churned_on,
    }
    end = date.fromisoformat(churned_on) if churned_on else None
    signals = [_signal(external_id, day) for day in activity if not end or _day(day) < end]
    return Mapped(account, signals)


def _day(row: dict) -> date:
    return date.fromisoformat(row["day"])


def _signal(external_id: str, row: dict) -> dict:
    day = _day(row)
    won = row["behaviour"] == "win_opportunity"
    return {
        "external_id": f"{external_id}-{row['behaviour']}-{row['day']}",
        "account_external_id": external_id,
        "kind": VALUE_KIND["code"] if won else "feature_used",
        "occurred_at": datetime(day.year, day.month, day.day, 12, tzinfo=UTC).isoformat(),
        "actor": f"user{row['first_user']}",
        "value": row["count"] if won else row["behaviour"],
    }


def prepare_vocabulary(api) -> None:
    """Register the value kind and name it as the default scorecard's (both idempotent)."""
    register_kind(api, VALUE_KIND)
    default = next(card for card in results_of(api.get("scorecards/")) if card["segment"] == "")
    if default["value_kinds"] != [VALUE_KIND["code"]]:
        api.patch(f"scorecards/{default['id']}/", {"value_kinds": [VALUE_KIND["code"]]})


def load(api, mapped: list[Mapped], out=sys.stdout) -> dict:
    started = time.perf_counter()
    prepare_vocabulary(api)
    for n, row in enumerate(mapped, 1):
        if existing_account(api, row.account["external_id"]) is None:
            api.post("accounts/", row.account)
        if n % 250 == 0:
            out.write(f"  {n} accounts\n")
    return signals_load(api, mapped, started)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", default=os.environ.get("CANDOR_TOKEN"))
    parser.add_argument("--csm", required=True, help="Username of the CSM who owns the accounts.")
    parser.add_argument("--customers", type=int, default=600, help="ChurnSim's initial customers.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cache", type=Path, default=Path(".cache/churnsim"))
    parser.add_argument("--today", type=date.fromisoformat, default=datetime.now(UTC).date())
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("--token (or CANDOR_TOKEN) is required: a VP's API token.")
    folder = simulate(args.cache, today=args.today, customers=args.customers, seed=args.seed)
    mapped = map_accounts(read_csv(folder / "customers.csv"), read_csv(folder / "activity.csv"),
                          csm=args.csm)  # fmt: skip
    print(json.dumps(load(Api(args.url, args.token), mapped)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
