"""Run ChurnSim's B2B CRM model (`crm6`) and write what Candor's loader sends, as CSV.

ChurnSim is the simulator from Carl Gold's "Fighting Churn with Data" (the `fightchurn`
package on PyPI, MIT; the model is described in https://papers.ssrn.com/sol3/papers.cfm?abstract_id=4540160).
Its `crm6` model is a subscription CRM product: multi-user accounts on monthly plans whose
people search, add contacts and leads, hold meetings, quote and win opportunities, and whose
churn follows from the utility of what they did against what they pay. Nobody at Candor wrote
it or tuned it. This script runs in its own virtualenv (bench/load_churnsim.py makes it): the
package pins libraries Candor does not use. Only the package's public classes are called;
the month loop is the simulator's own (`simulate_customer`), driven month by month as its
`run_simulation` does, minus its database.

Out: customers.csv (one row per account) and activity.csv (one row per account, behaviour,
day: the day's count and the first person who did it), the events' own days and people.
"""

import argparse
import csv
import math
import os
import random
import sys
from collections import defaultdict
from datetime import date
from importlib.resources import files
from pathlib import Path

import numpy as np
from dateutil.relativedelta import relativedelta
from omegaconf import OmegaConf


def simulation(model: str, start: date, end: date, customers: int, seed: int):
    os.environ.setdefault("CHURN_OUT_DIR", str(Path(os.environ.get("TMPDIR", "/tmp")) / "churnsim"))
    from fightchurn.churnsim.churnsim import ChurnSimulation

    conf = files("fightchurn.churnsim") / "conf"
    cfg = OmegaConf.merge(
        OmegaConf.load(conf / "default.yaml"), OmegaConf.load(conf / f"{model}.yaml")
    )
    cfg.pop("defaults", None)
    cfg.update(start_date=start.isoformat(), end_date=end.isoformat(), init_customers=customers,
               random_seed=seed)  # fmt: skip
    random.seed(seed)
    np.random.seed(seed)
    sim = ChurnSimulation(cfg)
    sim.remove_tmp_files()
    return sim, cfg


def customers_by_month(sim, cfg):
    """The simulator's own growth: the initial customers, then ceil(n x growth) more a month."""
    month, to_add = sim.start_date, cfg.init_customers
    while month < sim.end_date:
        for _ in range(to_add):
            yield sim.simulate_customer(month)
        to_add = to_add if month == sim.start_date else math.ceil(to_add * (1 + cfg.growth_rate))
        if month == sim.start_date:
            to_add = math.ceil(cfg.init_customers * cfg.growth_rate)
        month += relativedelta(months=1)


def rows_of(customer, behaviours: list[str], end: date):
    subscriptions = sorted(customer.subscriptions, key=lambda s: s[1])
    last_end = max(s[2] for s in subscriptions)
    churned_on = last_end if last_end <= end else None
    renewals = sorted({s[1] for s in subscriptions if s[1] > customer.start_date})
    plan = subscriptions[-1]
    account = {
        "id": customer.id, "channel": customer.channel, "start": customer.start_date,
        "plan": customer.plan, "mrr": sum(s[3] for s in subscriptions if s[1] == plan[1]),
        "seats": customer.limits.get("users", ""), "users": customer.users,
        "churned_on": churned_on or "", "renewal_date": last_end,
        "last_renewed_on": renewals[-1] if renewals else "",
    }  # fmt: skip
    days = defaultdict(lambda: [0, None])
    for moment, index, user, _value in customer.events:
        if moment.date() >= end:  # the simulator runs each customer's last month to its end
            continue
        cell = days[(behaviours[index], moment.date())]
        cell[0] += 1
        cell[1] = user if cell[1] is None else cell[1]
    activity = [
        (customer.id, kind, day, count, user) for (kind, day), (count, user) in days.items()
    ]
    return account, activity


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="crm6")
    parser.add_argument("--start", type=date.fromisoformat, required=True)
    parser.add_argument("--end", type=date.fromisoformat, required=True)
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    sim, cfg = simulation(args.model, args.start, args.end, args.customers, args.seed)
    behaviours = list(next(iter(sim.behavior_models.values())).behave_names)
    args.out.mkdir(parents=True, exist_ok=True)
    with (
        open(args.out / "customers.csv", "w", newline="") as c,
        open(args.out / "activity.csv", "w", newline="") as a,
    ):
        accounts, activity = None, csv.writer(a)
        activity.writerow(["account", "behaviour", "day", "count", "first_user"])
        for customer in customers_by_month(sim, cfg):
            account, rows = rows_of(customer, behaviours, args.end)
            if accounts is None:
                accounts = csv.DictWriter(c, fieldnames=list(account))
                accounts.writeheader()
            accounts.writerow(account)
            activity.writerows(rows)
    sim.remove_tmp_files()
    return 0


if __name__ == "__main__":
    sys.exit(main())
