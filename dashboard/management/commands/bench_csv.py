"""Time a CSV import of N accounts and N stakeholders, the rescore it asks for, and the VP's
book, every portfolio table and the API list as CSV — inside one transaction that is rolled
back, so the database is left exactly as it was. Portfolio tables are timed uncached."""

import csv
import io
import json
import time
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import Client

from accounts.models import Account
from accounts.selectors import user_is_vp
from accounts.services import csv_rows_import
from dashboard.exports import PORTFOLIO_TABLES
from health.services import score_accounts


def accounts_file(n: int, csms: list[str], raise_by: int = 0) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["external_id", "name", "segment", "arr", "seats", "contract_start",
                     "renewal_date", "csm", "crm_status", "lifecycle_stage"])  # fmt: skip
    start = date(2025, 1, 1)
    for i in range(n):
        begun = start + timedelta(days=i % 365)
        writer.writerow([f"bench-{i}", f"Bench Account {i}", ("smb", "mid_market", "enterprise")[i % 3],
                         1000 + i % 90_000 + raise_by, 5 + i % 200, begun.isoformat(),
                         (begun + timedelta(days=365 * 2)).isoformat(), csms[i % len(csms)],
                         "Onboarded", "adoption"])  # fmt: skip
    return out.getvalue()


def stakeholders_file(n: int) -> str:
    roles = ("exec_sponsor", "project_sponsor", "operating_owner", "champion", "user")
    rows = ["external_id,account_external_id,name,email,role,function,last_engaged_on,active"]
    rows += [f"bench-p-{i},bench-{i},Person {i},p{i}@example.com,{roles[i % 5]},Operations,"
             f"2026-0{1 + i % 9}-15,yes" for i in range(n)]  # fmt: skip
    return "\n".join(rows) + "\n"


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)

    def handle(self, *args, rows, **options):
        vp = next(
            (u for u in get_user_model().objects.filter(groups__name="vp") if user_is_vp(u)), None
        )
        csms = list(
            get_user_model().objects.filter(groups__name="csm").values_list("username", flat=True)
        )
        if vp is None or not csms:
            raise CommandError("Needs a VP and CSMs: run seed_demo first.")
        summary = {"rows": rows}
        with transaction.atomic():
            self._imports(summary, rows, csms)
            self._exports(summary, vp)
            transaction.set_rollback(True)
        self.stdout.write(json.dumps(summary))

    def _timed(self, summary, name, work):
        started = time.perf_counter()
        result = work()
        summary[f"{name}_s"] = round(time.perf_counter() - started, 2)
        self.stdout.write(f"{name}: {summary[f'{name}_s']:.2f}s")
        return result

    def _imports(self, summary, rows, csms):
        content = accounts_file(rows, csms)
        summary["file_mb"] = round(len(content.encode()) / 1e6, 1)
        created = self._timed(
            summary,
            "import_accounts_new",
            lambda: csv_rows_import(kind="accounts", content=content),
        )
        assert created["created"] == rows, created
        changed = accounts_file(rows, csms, raise_by=500)  # every ARR changes: its history grows
        again = self._timed(
            summary,
            "import_accounts_update",
            lambda: csv_rows_import(kind="accounts", content=changed),
        )
        assert again["updated"] == rows, again
        people = stakeholders_file(rows)
        self._timed(
            summary,
            "import_stakeholders_new",
            lambda: csv_rows_import(kind="stakeholders", content=people),
        )
        ids = list(
            Account.objects.filter(external_id__startswith="bench-").values_list("pk", flat=True)
        )
        self._timed(summary, "rescore_imported", lambda: score_accounts(account_ids=ids))

    def _exports(self, summary, vp):
        client = Client()
        client.force_login(vp)

        def book():
            response = client.get("/", {"format": "csv"})
            return sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1

        summary["book_csv_rows"] = self._timed(summary, "export_book_csv", book)
        for table in PORTFOLIO_TABLES:
            cache.clear()
            self._timed(summary, f"export_portfolio_{table}_csv",
                        lambda t=table: b"".join(client.get(
                            "/portfolio/", {"format": "csv", "table": t}).streaming_content))  # fmt: skip
        self._timed(summary, "export_api_accounts_page_csv",
                    lambda: client.get("/api/v1/accounts/", {"format": "csv"}).content)  # fmt: skip
