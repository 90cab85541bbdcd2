"""Builds the whole demo portfolio in memory, then writes each table in one bulk pass."""

import multiprocessing
import os
import random
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime
from itertools import accumulate

import numpy as np
from django.db import connection, connections, transaction

from accounts.models import (
    Account,
    Commitment,
    Decision,
    ObjectiveSignature,
    OnboardingMilestone,
    SharedObjective,
    Stakeholder,
    deviating_terms,
)
from accounts.services import user_create_with_role
from candor.bulk import bulk_load, next_id, reset_sequences, write_rows
from demo import activity, lenses, people
from demo.portfolio import (
    account_fields,
    assign_stories,
    company_name,
    plan_account,
    regional_names,
)
from signals.models import Signal, SignalDay, SignalFirst, SignalKindDay, SignalLastSeen
from signals.rollups import ROLLUP_TABLES, rollups_insert_batch

DEMO_PASSWORD = "candor-demo"
CSMS = ["maya", "tom", "priya", "diego", "sara", "ken", "lena", "omar"]
VPS = ["rachel", "james"]
# Opens the Django admin (/admin/) with the demo password; sees the whole portfolio like a VP.
ADMIN = "admin"
# Omar's book drifts: he is handed more of the accounts whose stories go wrong.
CSM_WEIGHTS_HEALTHY = [14, 14, 14, 14, 14, 12, 12, 6]
CSM_WEIGHTS_AT_RISK = [8, 8, 8, 8, 8, 10, 10, 40]
# The eight named CSMs carry the story; a large portfolio also gets numbered CSMs so that books
# stay the size a real CSM carries, instead of 12,500 accounts each at 100k.
ACCOUNTS_PER_CSM = 300
# Accounts built between two writes: what the seed holds in memory at once.
CHUNK_ACCOUNTS = 5_000
# From this many accounts a seed is a bulk load (see `seed_portfolio`), and
# `--signals-per-account` counts every signal of an account, the story's own included.
BULK_ACCOUNTS = 20_000
# A bulk seed builds its chunks in this many forked processes (the build in Python is what
# bounds it); the parent writes them in order.
BUILD_PROCESSES = os.cpu_count() or 1
ROLLUPS = [SignalDay, SignalFirst, SignalKindDay, SignalLastSeen]

COLUMNS = {
    Account: [
        "id", "external_id", "name", "segment", "arr", "seats", "contract_start", "renewal_date",
        "last_renewed_on", "csm_id", "lifecycle_stage", "crm_status", "outcome", "outcome_on",
        "handoff_why_bought", "handoff_real_needs", "handoff_signed_for", "handoff_urgency",
        "handoff_politics", "deal_terms", "deviating_terms", "created_at", "updated_at",
        "sales_owner_id", "closed_on",
    ],
    Stakeholder: [
        "id", "account_id", "name", "email", "role", "function", "success_definition",
        "success_definition_conflicts", "last_engaged_on", "active", "left_on",
    ],
    SharedObjective: [
        "id", "account_id", "outcome", "scope", "non_scope", "success_criteria",
        "review_cadence_days", "last_reviewed_on", "created_on",
    ],
    ObjectiveSignature: ["id", "objective_id", "stakeholder_id", "signed_on"],
    Decision: [
        "id", "account_id", "summary", "owner_id", "decided_on", "circulated_on", "reopened_on",
        "created_at",
    ],
    Commitment: [
        "id", "account_id", "title", "told_customer", "product_status", "scoped", "due_on", "made_on",
        "roadmap_item_id",
    ],
    OnboardingMilestone: [
        "id", "account_id", "name", "kind", "proof_signal", "target_on", "completed_on", "evidence",
    ],
    Signal: [
        "id", "account_id", "external_id", "kind", "occurred_at", "actor", "value", "source",
        "received_at",
    ],
}  # fmt: skip
# The columns of each table's rows that hold ids a chunk built in a process numbers from 0 (its
# accounts' ids aside, which are known up front), and the table each id is of.
LOCAL_IDS = {
    Account: (),
    Stakeholder: ((0, Stakeholder),),
    SharedObjective: ((0, SharedObjective),),
    ObjectiveSignature: ((0, ObjectiveSignature), (1, SharedObjective), (2, Stakeholder)),
    Decision: ((0, Decision), (3, Stakeholder)),
    Commitment: ((0, Commitment),),
    OnboardingMilestone: ((0, OnboardingMilestone),),
    Signal: ((0, Signal),),
}


def csm_usernames(accounts: int, per_csm: int = ACCOUNTS_PER_CSM) -> list[str]:
    """The named CSMs, then csm009, csm010… until books average about `per_csm` accounts."""
    extra = max(0, -(-accounts // per_csm) - len(CSMS))
    return CSMS + [f"csm{n:03d}" for n in range(len(CSMS) + 1, len(CSMS) + extra + 1)]


def demo_users(usernames=CSMS):
    """Named demo users log in with the demo password; numbered CSMs exist for scale only."""
    csms = [
        user_create_with_role(
            username=name,
            role="csm",
            password=DEMO_PASSWORD if name in CSMS else None,
            first_name=name.title(),
            email=f"{name}@example.com",
        )
        for name in usernames
    ]
    for name in VPS:
        user_create_with_role(
            username=name,
            role="vp",
            password=DEMO_PASSWORD,
            first_name=name.title(),
            email=f"{name}@example.com",
        )
    demo_admin_ensure()
    lenses.demo_people(DEMO_PASSWORD)
    return csms


def demo_admin_ensure():
    """The demo's admin: staff and superuser, in the VP role, with the demo password."""
    admin = user_create_with_role(username=ADMIN, role="vp", password=DEMO_PASSWORD)
    if not (admin.is_staff and admin.is_superuser):
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
    return admin


class DemoTeam:
    """Who is handed each account. Every eighth book drifts as Omar's does: more of the
    accounts whose stories go wrong. With the eight named CSMs alone this draws exactly what
    the demo always drew."""

    def __init__(self, csms):
        self.csms = csms
        self.cum_weights = {
            healthy: list(accumulate(pattern[i % len(pattern)] for i in range(len(csms))))
            for healthy, pattern in ((True, CSM_WEIGHTS_HEALTHY), (False, CSM_WEIGHTS_AT_RISK))
        }

    def pick(self, story: str, rng: random.Random):
        return rng.choices(self.csms, cum_weights=self.cum_weights["healthy" in story])[0]


class PortfolioBuilder:
    """Accumulates rows for every table, with ids assigned up front."""

    def __init__(self, *, today: date, seed: int, per_account: int | None, bulk: bool = False):
        self.today = today
        self.seed = seed
        self.budgeted = bool(bulk and per_account)
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        self.per_account = per_account
        self.now = datetime.now(UTC)
        self.rows = {model: [] for model in COLUMNS}
        self.writer = ChunkWriter(bulk=bulk)
        self.written, self.timings = self.writer.written, self.writer.timings
        self.blocked = 0.0  # seconds the build waited for writes
        self.ids = {model: next_id(model) for model in COLUMNS}
        self.names: set[str] = set(Account.objects.values_list("name", flat=True))
        self.numbered_names = False  # a chunk built in a process numbers names by account
        self.stories = Counter()
        # The lenses' data (who sold what, the roadmap) draws from its own stream.
        self.sales_rng = random.Random(seed + 1)
        self.aes = list(lenses.people_named(lenses.ACCOUNT_EXECUTIVES).order_by("username"))
        self.roadmap = lenses.roadmap_items(today)

    def take_id(self, model) -> int:
        self.ids[model] += 1
        return self.ids[model] - 1

    def add(self, model, row: tuple) -> None:
        self.rows[model].append(row)

    def build(self, count: int, team: DemoTeam, offset: int) -> None:
        """Build `count` accounts, writing every CHUNK_ACCOUNTS of them as they are built: the
        seed holds one chunk's rows, not the portfolio's (100,000 accounts held at once took
        21 GB). The random streams run as they would in one piece, so a seed is the same
        portfolio however it is chunked."""
        try:
            for i, story in enumerate(assign_stories(count, self.rng)):
                self.build_account(offset + i + 1, story, team.pick(story, self.rng))
                if (i + 1) % CHUNK_ACCOUNTS == 0:
                    self.write()
            self.write()
        finally:
            self.writer.close()
        reset_sequences(list(COLUMNS))

    def build_account(self, n: int, story: str, csm) -> None:
        rng, today = self.rng, self.today
        plan = plan_account(n, story, today, rng)
        fields = account_fields(plan, rng)
        account_id = self.take_id(Account)
        self.stories[story] += 1
        sale = lenses.sale(plan, story, today, self.aes, self.sales_rng)
        self.add(Account, (
            account_id, f"demo-{story}-{n:05d}", self.company_name(n), plan.segment,
            plan.arr, plan.seats, plan.contract_start, plan.renewal_date, plan.last_renewed_on,
            csm.pk, fields["lifecycle_stage"], fields["crm_status"], plan.outcome, plan.outcome_on,
            fields["handoff_why_bought"], fields["handoff_real_needs"], fields["handoff_signed_for"],
            fields["handoff_urgency"], fields["handoff_politics"], fields["deal_terms"],
            deviating_terms(fields["deal_terms"]), self.now, self.now, *sale,
        ))  # fmt: skip
        generate = activity.generate_budgeted if self.budgeted else activity.generate
        events, first_roi = generate(plan, today, self.np_rng, self.per_account)
        self.add_people(account_id, plan)
        for row in people.milestones(plan, first_roi, rng):
            self.add(
                OnboardingMilestone, (self.take_id(OnboardingMilestone), account_id, *row.values())
            )
        self.add_signals(account_id, n, events)

    def company_name(self, n: int) -> str:
        return company_name(self.rng, self.names, n if self.numbered_names else None)

    def add_people(self, account_id: int, plan) -> dict:
        rng, today = self.rng, self.today
        by_role = {}
        for person in people.stakeholders(plan, today, rng):
            stakeholder_id = self.take_id(Stakeholder)
            by_role.setdefault(person["role"], stakeholder_id)
            self.add(Stakeholder, (stakeholder_id, account_id, *person.values()))
        objective = people.objective(plan, today, rng)
        if objective:
            objective_id = self.take_id(SharedObjective)
            signers, signed_on = objective.pop("signers"), objective.pop("signed_on")
            self.add(
                SharedObjective,
                (objective_id, account_id, *objective.values(), plan.contract_start),
            )
            for role in signers:
                self.add(
                    ObjectiveSignature,
                    (self.take_id(ObjectiveSignature), objective_id, by_role[role], signed_on),
                )
        for row in people.decisions(plan, rng):
            owner = by_role.get("operating_owner")
            self.add(Decision, (
                self.take_id(Decision), account_id, row["summary"], owner, row["decided_on"],
                row["circulated_on"], row["reopened_on"], self.now,
            ))  # fmt: skip
        for row in people.commitments(plan, today, rng):
            item = lenses.roadmap_item_for(self.roadmap, row["title"], row["product_status"])
            self.add(Commitment, (self.take_id(Commitment), account_id, *row.values(), item))
        return by_role

    def add_signals(self, account_id: int, n: int, events) -> None:
        place = activity.moments_text if self.budgeted else activity.moments
        moments = place([event[0] for event in events], self.np_rng, self.now)
        for i, ((_day, kind, actor, value), occurred) in enumerate(
            zip(events, moments, strict=True)
        ):
            self.add(Signal, (
                self.take_id(Signal), account_id, f"demo-sig-{n}-{i}", kind, occurred, actor,
                value, "demo", self.now,
            ))  # fmt: skip

    def write(self) -> None:
        """Hand the rows built so far to the writer, and start afresh."""
        started = time.perf_counter()
        rows, self.rows = self.rows, {model: [] for model in COLUMNS}
        self.writer.write(rows)
        self.blocked += time.perf_counter() - started

    def build_in_processes(self, count: int, offset: int, pool) -> None:
        """`build` for a bulk seed, each chunk built by one of `pool`'s processes (see
        `chunk_rows`) and written here in order as it comes back; a few chunks are in hand at
        most. The portfolio depends on the seed and CHUNK_ACCOUNTS, not on how many processes
        build it."""
        stories = assign_stories(count, self.rng)
        chunks = range(0, count, CHUNK_ACCOUNTS)
        first_id = self.ids[Account]
        pending = deque()
        try:
            for number, start in enumerate(chunks):
                piece = (number, stories[start : start + CHUNK_ACCOUNTS], offset + start + 1)
                pending.append(pool.apply_async(chunk_rows, (*piece, first_id + start)))
                if len(pending) > self.processes:
                    self.write_chunk(*self.built(pending.popleft()))
            while pending:
                self.write_chunk(*self.built(pending.popleft()))
        finally:
            self.writer.close()
        reset_sequences(list(COLUMNS))

    def built(self, result) -> tuple[dict, Counter]:
        started = time.perf_counter()
        chunk = result.get()
        self.timings["waiting for builders"] += time.perf_counter() - started
        return chunk

    def write_chunk(self, rows: dict, stories: Counter) -> None:
        """Number a chunk's rows after those written before it, and hand them to the writer."""
        started = time.perf_counter()
        self.stories += stories
        bases = dict(self.ids)
        for model, model_rows in rows.items():
            self.ids[model] += len(model_rows)
        self.writer.write(rows, bases)
        self.blocked += time.perf_counter() - started

    def chunk_rows(self, number: int, stories: list[str], first_n: int, first_id: int):
        """Build one chunk of a bulk seed in a process: its own random streams, drawn from the
        seed and the chunk's number; its accounts' ids; every other table numbered from 0.
        Names stay unique across chunks: the first chunk has the regional names, the others
        number theirs by account."""
        self.rng = random.Random(f"{self.seed}:{number}")
        self.np_rng = np.random.default_rng([self.seed % 2**63, number])
        self.sales_rng = random.Random(f"{self.seed}:{number}:sales")
        self.ids = {model: 0 for model in COLUMNS} | {Account: first_id}
        self.names = self.names | (regional_names() if number else set())
        self.numbered_names = True
        self.rows, self.stories = {model: [] for model in COLUMNS}, Counter()
        for i, story in enumerate(stories):
            self.build_account(first_n + i, story, self.team.pick(story, self.rng))
        return self.rows, self.stories


# The builder a bulk seed's processes inherit when they are forked.
_forked_builder: PortfolioBuilder | None = None


def chunk_rows(*piece):
    return _forked_builder.chunk_rows(*piece)


@contextmanager
def chunk_builders(builder: PortfolioBuilder, team: DemoTeam, processes: int):
    """A pool of `processes` forked builders. They build rows and never query: the database
    connections are closed before the fork, so none is shared (a test's, inside its
    transaction, stays open: the children leave by os._exit and never touch it)."""
    global _forked_builder
    builder.team, builder.processes, _forked_builder = team, processes, builder
    if not connection.in_atomic_block:
        connections.close_all()
    try:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            yield pool
    finally:
        _forked_builder = None


class ChunkWriter:
    """COPYs each chunk's rows. In a bulk seed it does so on a second thread, which mostly waits
    for PostgreSQL (the GIL released) while the next chunk is built, and adds the chunk's
    signal rollups itself (the triggers are off); one chunk is in flight at a time (the
    builders hold a few more: one per process and one waiting)."""

    def __init__(self, *, bulk: bool):
        self.raw = None  # the transaction's, taken at the first write
        self.bulk = bulk
        self.pool = ThreadPoolExecutor(max_workers=1) if bulk else None
        self.pending = None
        self.written = Counter()
        self.timings = Counter()

    def write(self, rows: dict, bases: dict | None = None) -> None:
        """Write `rows`; with `bases`, their LOCAL_IDS are numbered from 0 and start there."""
        self.wait()
        if self.raw is None:
            connection.ensure_connection()
            self.raw = connection.connection  # the builder does not query meanwhile
        if self.pool:
            self.pending = self.pool.submit(self.copy, rows, bases)
        else:
            self.copy(rows, bases)

    def wait(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            if self.pool:
                self.pool.shutdown()

    def copy(self, rows: dict, bases: dict | None = None) -> None:
        for model, columns in COLUMNS.items():
            started = time.perf_counter()
            model_rows = rows[model]
            if bases and model_rows:
                model_rows = list(numbered(model_rows, LOCAL_IDS[model], bases))
            write_rows(model, columns, model_rows, self.raw)
            self.timings[model._meta.model_name] += time.perf_counter() - started
            self.written[model] += len(rows[model])
        if rows[Account]:
            account_ids = [row[0] for row in rows[Account]]
            annual_renewals_record(min(account_ids), max(account_ids), self.raw)
        if self.bulk and rows[Signal]:
            started = time.perf_counter()
            first = rows[Signal][0][0] + (bases[Signal] if bases else 0)
            with self.raw.cursor() as cursor:
                rollups_insert_batch(cursor, first, first + len(rows[Signal]) - 1)
            self.timings["rollups"] += time.perf_counter() - started


def numbered(rows: list[tuple], columns: tuple, bases: dict):
    """`rows` with the ids in `columns` (column, table), numbered from 0, moved to start at
    that table's base."""
    if not columns:
        yield from rows
        return
    for row in rows:
        row = list(row)
        for column, model in columns:
            if row[column] is not None:
                row[column] += bases[model]
        yield row


# The demo's terms are annual: before its last renewal, each account renewed on every
# anniversary of its start. The account table's triggers open a history with one inference
# (before the last renewal it was due that day), which would tell a replay of a quarter a year
# back that an account renewing then was not due until this year; the demo knows better and
# writes each earlier renewal. Half a year of slack absorbs the day a leap year shifts.
ANNUAL_RENEWALS_SQL = """
    INSERT INTO accounts_termschange
            (account_id, valid_from, renewal_date, last_renewed_on, crm_status, seats)
    SELECT a.id, (a.contract_start + k * interval '1 year')::date,
           CASE WHEN a.contract_start + (k + 1) * interval '1 year'
                     > a.last_renewed_on - interval '180 days'
                THEN a.last_renewed_on
                ELSE (a.contract_start + (k + 1) * interval '1 year')::date END,
           CASE WHEN k > 0 THEN (a.contract_start + k * interval '1 year')::date END,
           CASE WHEN a.outcome = 'churned' THEN '' ELSE a.crm_status END, a.seats
    FROM accounts_account a CROSS JOIN LATERAL generate_series(0, 50) AS k
    WHERE a.id BETWEEN %s AND %s AND a.last_renewed_on > a.contract_start
      AND a.contract_start + k * interval '1 year' < a.last_renewed_on - interval '180 days'
    ON CONFLICT (account_id, valid_from) DO UPDATE SET
        renewal_date = EXCLUDED.renewal_date, last_renewed_on = EXCLUDED.last_renewed_on
"""


def annual_renewals_record(first_id: int, last_id: int, raw=None) -> None:
    with (raw or connection).cursor() as cursor:
        cursor.execute(ANNUAL_RENEWALS_SQL, [first_id, last_id])


def seed_portfolio(
    *,
    accounts: int,
    seed: int,
    today: date,
    signals_per_account=None,
    per_csm=ACCOUNTS_PER_CSM,
    bulk: bool | None = None,
    processes: int = BUILD_PROCESSES,
) -> dict:
    """Seed `accounts` more demo accounts in one transaction. A large seed (`bulk`: from
    BULK_ACCOUNTS accounts unless told) is a bulk load: every table's foreign keys and indexes
    are made after its rows, and each chunk's signal rollups are added by the rebuild's
    aggregates rather than folded in by the triggers at each COPY (the rows written are the
    same)."""
    started = time.perf_counter()
    offset = Account.objects.count()
    team = DemoTeam(demo_users(csm_usernames(offset + accounts, per_csm)))
    bulk = accounts >= BULK_ACCOUNTS if bulk is None else bulk
    builder = PortfolioBuilder(today=today, seed=seed, per_account=signals_per_account, bulk=bulk)
    if bulk:
        with chunk_builders(builder, team, processes) as pool, transaction.atomic():
            _bulk_build(builder, accounts, offset, pool)
    else:
        with transaction.atomic():
            builder.build(accounts, team, offset)
    total = time.perf_counter() - started
    return {
        "accounts": accounts,
        "csms": len(team.csms),
        "signals": builder.written[Signal],
        "stories": dict(builder.stories),
        "build_s": total - builder.blocked,
        "write_s": dict(builder.timings),
        "total_s": total,
    }


def _bulk_build(builder: PortfolioBuilder, accounts: int, offset: int, pool) -> None:
    """Build inside `bulk_load`: the accounts' triggers (their history, the audit trail) still
    fire; the signals' and rollups' do not: each chunk's writer adds its rollups (new accounts
    have no summaries for the rollups' triggers to keep)."""
    tables = [model._meta.db_table for model in [*COLUMNS, *ROLLUPS]]
    quiet = [model._meta.db_table for model in [Signal, *ROLLUPS]]
    with bulk_load(tables, quiet=quiet):
        builder.build_in_processes(accounts, offset, pool)
        finishing = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {ROLLUP_TABLES}")
    builder.timings["constraints and indexes"] += time.perf_counter() - finishing
    builder.blocked += time.perf_counter() - finishing
