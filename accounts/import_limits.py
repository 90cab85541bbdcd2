"""What an uploaded CSV file may be, checked before anything parses it.

A file is refused for its size while it is still arriving (`BoundedUploadHandler` stops
storing it past the limit), then for its longest line, its header's column count and its row
count, each with a cheap scan of the bytes: a 10 MB file of one million columns is refused in
milliseconds instead of holding a web worker while pandas builds the columns. The limits are
settings (`IMPORT_MAX_BYTES`, `IMPORT_MAX_ROWS`, `IMPORT_MAX_COLUMNS`, `IMPORT_MAX_LINE_BYTES`).
"""

import csv
import io
import itertools
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.template.defaultfilters import filesizeformat

from accounts.imports import ImportRefused, row_error


@dataclass(frozen=True)
class UploadLimits:
    bytes: int
    rows: int
    columns: int
    line_bytes: int

    @classmethod
    def from_settings(cls) -> "UploadLimits":
        return cls(
            bytes=settings.IMPORT_MAX_BYTES,
            rows=settings.IMPORT_MAX_ROWS,
            columns=settings.IMPORT_MAX_COLUMNS,
            line_bytes=settings.IMPORT_MAX_LINE_BYTES,
        )


def refuse(message: str):
    raise ImportRefused([row_error(None, None, message)])


def too_large_message(limits: UploadLimits) -> str:
    return f"The file is larger than {filesizeformat(limits.bytes)}: split it and import each part."


class BoundedUploadHandler(FileUploadHandler):
    """First of a request's upload handlers: past `limit` bytes of one file it stops the upload
    (the handlers after it never store the rest) and marks the request `upload_too_large`."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


def read_bounded(stream, limits: UploadLimits) -> bytes:
    """The stream's bytes, read no further than one byte past the size limit."""
    data = stream.read(limits.bytes + 1)
    if len(data) > limits.bytes:
        refuse(too_large_message(limits))
    return data


def check_shape(data: bytes, limits: UploadLimits) -> None:
    """Refuse a file whose lines, header or rows are over the limits, before it is parsed."""
    longest, start = 0, 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end == -1 else end
        longest = max(longest, end - start)
        start = end + 1
    if longest > limits.line_bytes:
        refuse(
            f"A line of the file is {filesizeformat(longest)} long; lines may be at most "
            f"{filesizeformat(limits.line_bytes)}."
        )
    header = data[: data.find(b"\n") if b"\n" in data else len(data)]
    columns = max(len(next(csv.reader([header.decode("utf-8", "replace")], delimiter=d), []))
                  for d in ",;\t")  # fmt: skip
    if columns > limits.columns:
        refuse(f"The file has {columns:,} columns; an import takes at most {limits.columns:,}.")
    if data.count(b"\n") > limits.rows:
        _check_records(data, limits)


def _check_records(data: bytes, limits: UploadLimits) -> None:
    """More lines than rows allowed: count records (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(data.decode("utf-8", "replace")))
    records = sum(1 for _ in itertools.islice(reader, limits.rows + 2)) - 1
    if records > limits.rows:
        refuse(f"The file has more than {limits.rows:,} rows: split it and import each part.")
