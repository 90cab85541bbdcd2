"""What the audit trail costs and how fast it reads, inside one transaction that is rolled back
(the database is left as it was): a CSV import of N new accounts with the audit triggers, one of
N other accounts with them ignored, the first N accounts given another owner by a re-import,
then (best of 3) the VP's first page of GET /api/v1/audit/, one account's rows, and one
account's changes as its timeline reads them. Last line JSON."""

import json
import time
from datetime import timedelta

import pgtrigger
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test import Client
from django.utils import timezone

from accounts.models import Account
from accounts.services import csv_rows_import, user_create_with_role
from audit.selectors import audit_events_of_account, audit_rows

HEADER = "external_id,name,segment,arr,seats,contract_start,renewal_date,csm\n"
ACCOUNT_TRIGGERS = ("accounts.Account:create_insert", "accounts.Account:update_update")


def accounts_file(prefix: str, n: int, csm: str) -> str:
    rows = (f"{prefix}-{i},Bench {prefix} {i},smb,{1000 + i},10,2025-01-01,2027-01-01,{csm}\n"
            for i in range(n))  # fmt: skip
    return HEADER + "".join(rows)


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=20_000)

    def handle(self, *args, rows, **options):
        summary = {"rows": rows}
        with transaction.atomic():
            vp = user_create_with_role(username="bench-audit-vp", role="vp")
            for name in ("bench-audit-a", "bench-audit-b"):
                user_create_with_role(username=name, role="csm")
            self._imports(summary, rows)
            self._reads(summary, vp)
            transaction.set_rollback(True)
        self.stdout.write(json.dumps(summary))

    def _timed(self, summary, name, work, runs=1):
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)
        summary[f"{name}_s"] = round(min(times), 3)
        self.stdout.write(f"{name}: {summary[f'{name}_s']:.3f}s")

    def _imports(self, summary, rows):
        audited = accounts_file("audited", rows, "bench-audit-a")
        plain = accounts_file("plain", rows, "bench-audit-a")
        moved = accounts_file("audited", rows, "bench-audit-b")
        self._timed(summary, "import_audited",
                    lambda: csv_rows_import(kind="accounts", content=audited))  # fmt: skip

        def unaudited():
            with pgtrigger.ignore(*ACCOUNT_TRIGGERS):
                csv_rows_import(kind="accounts", content=plain)

        self._timed(summary, "import_triggers_ignored", unaudited)
        self._timed(summary, "reimport_owner_changed_audited",
                    lambda: csv_rows_import(kind="accounts", content=moved))  # fmt: skip

    def _reads(self, summary, vp):
        client = Client()
        client.force_login(vp)
        account = Account.objects.get(external_id="audited-0")

        def first_page():
            assert client.get("/api/v1/audit/").status_code == 200

        def one_account():
            url = f"/api/v1/audit/?object_type=accounts.account&object_id={account.pk}"
            assert len(client.get(url).json()["results"]) == 2

        def timeline():
            since = timezone.now() - timedelta(days=90)
            audit_rows(audit_events_of_account(account, since)[:50])

        self._timed(summary, "api_first_page", first_page, runs=3)
        self._timed(summary, "api_one_account", one_account, runs=3)
        self._timed(summary, "account_timeline", timeline, runs=3)
