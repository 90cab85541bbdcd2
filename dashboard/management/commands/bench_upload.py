"""Time what a CSV upload costs the web worker, against what its run costs the Celery worker:

- the refusal of a 10 MB file of 1,000,000 columns through the import page (the upload limits,
  checked before anything parses it);
- the upload and preview of an N-row accounts export through the page (only its header, its
  row count and its first rows are read there);
- the run of that file (the whole parse and the write: what the Celery task does).

Medians of `--runs`, inside one transaction that is rolled back, so the database is left as it
was. Needs a VP and a CSM (run seed_demo first). The last line is JSON."""

import json
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from accounts.selectors import user_is_vp
from accounts.services import csv_rows_import
from dashboard.management.commands.bench_csv import accounts_file


def wide_file() -> bytes:
    header = ",".join(f"c{n:07d}" for n in range(1_000_000))
    return (header + "\n" + "1," * 1_000_000 + "\n").encode()


def multipart(data: bytes) -> bytes:
    file = SimpleUploadedFile("export.csv", data, content_type="text/csv")
    return encode_multipart(BOUNDARY, {"kind": "accounts", "file": file})


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--runs", type=int, default=3)

    def handle(self, *args, rows, runs, **options):
        users = get_user_model().objects
        vp = next((u for u in users.filter(groups__name="vp") if user_is_vp(u)), None)
        csms = list(users.filter(groups__name="csm").values_list("username", flat=True)[:50])
        if vp is None or not csms:
            raise CommandError("Needs a VP and CSMs: run seed_demo first.")
        client = Client()
        client.force_login(vp)
        wide, export = wide_file(), accounts_file(rows, csms).encode()
        summary = {"rows": rows, "wide_file_mb": round(len(wide) / 1e6, 1),
                   "export_mb": round(len(export) / 1e6, 1)}  # fmt: skip
        bodies = [multipart(data) for data in (wide, export)]  # encoded once, not timed
        with transaction.atomic():
            summary["refuse_wide_file_s"] = self._median(
                runs, lambda: self._refused(client, bodies[0])
            )
            summary["upload_and_preview_s"] = self._median(
                runs, lambda: self._previewed(client, bodies[1])
            )
            summary["run_s"] = self._median(runs, lambda: self._run(export))
            transaction.set_rollback(True)
        self.stdout.write(json.dumps(summary))

    def _median(self, runs: int, work) -> float:
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)
        return round(statistics.median(times), 3)

    def _post(self, client, body: bytes):
        return client.generic("POST", "/imports/", body, content_type=MULTIPART_CONTENT)

    def _refused(self, client, body: bytes) -> None:
        response = self._post(client, body)
        assert response.status_code == 400, response.status_code

    def _previewed(self, client, body: bytes) -> None:
        location = self._post(client, body)["Location"]
        assert client.get(location).status_code == 200

    def _run(self, data: bytes) -> None:
        with transaction.atomic():
            csv_rows_import(kind="accounts", content=data.decode())
            transaction.set_rollback(True)
