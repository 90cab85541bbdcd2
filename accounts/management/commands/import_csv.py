import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts import imports
from accounts.models import DateOrder
from accounts.services import csv_rows_import


class Command(BaseCommand):
    help = (
        "Import accounts, stakeholders or outcomes from a CSV file: upsert on external_id, all or "
        "nothing (any wrong cell: nothing is written and every problem is listed by row and "
        "column), then rescore the accounts it touched."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(imports.SPECS))
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--date-order", choices=DateOrder.values, default=DateOrder.AUTOMATIC,
            help="How to read dates such as 3/4/2026: auto (month first unless a day is over "
            "12), mdy or dmy.",
        )  # fmt: skip

    def handle(self, *args, kind, file, date_order, **options):
        try:
            content = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file} as UTF-8 text: {error}") from error
        self._mapping(kind, content)
        started = time.perf_counter()
        try:
            result = csv_rows_import(
                kind=kind, content=content, progress=self._progress, date_order=date_order
            )
        except imports.ImportRefused as refused:
            self._refused(refused)
            raise CommandError(f"Nothing was imported: {refused}.") from refused
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"\nImported {result['rows']} {kind} in {elapsed:.1f}s: "
            f"{result['created']} created, {result['updated']} updated."
        )

    def _mapping(self, kind: str, content: str) -> None:
        shown = imports.preview(kind, content)
        self.stdout.write(f"{shown['rows']} rows. Columns:")
        for column in shown["mapping"]:
            self.stdout.write(f"  {column['header']:<28} -> {column['field'] or '(ignored)'}")
        if shown["missing"]:
            self.stdout.write(f"  new rows need, and the file lacks: {', '.join(shown['missing'])}")

    def _progress(self, phase: str, done: int, total: int) -> None:
        """One line, rewritten in place on a terminal: the phase and rows written so far."""
        line = f"{phase}: {done:,} of {total:,} rows" if total else f"{phase}…"
        if total:
            line += f" ({done / total:.0%})"
        end = "\r" if self.stdout.isatty() else "\n"
        self.stdout.write(line.ljust(60), ending=end)
        sys.stdout.flush()

    def _refused(self, refused: imports.ImportRefused) -> None:
        self.stderr.write(f"\n{refused.total} problem(s); the first {len(refused.errors)}:")
        for error in refused.errors:
            where = f"row {error['row']}" if error["row"] else "file"
            column = f", {error['column']}" if error["column"] else ""
            self.stderr.write(f"  {where}{column}: {error['message']}")
