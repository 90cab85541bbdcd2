"""`?format=csv` on every API list: the page's rows as CSV, pagination in the headers.

A list stays paginated exactly as in JSON (same `page`, same page size, same order); the
count and the next and previous pages move from the JSON envelope to `X-Total-Count` and a
`Link` header (RFC 8288), so a client walks the pages the same way. Nested objects become
dotted columns (`health.score`), lists of plain values are joined with "; ", anything deeper
is kept as JSON in its cell. Cells a spreadsheet would run are neutralised (candor.spreadsheet).
"""

import io

import orjson
from rest_framework.mixins import ListModelMixin
from rest_framework.renderers import BaseRenderer

from candor.spreadsheet import SpreadsheetWriter


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        rows = _rows(data, response)
        header = list(dict.fromkeys(key for row in rows for key in row))
        out = io.StringIO()
        writer = SpreadsheetWriter(out)
        writer.writerow(header)
        writer.writerows([row.get(key, "") for key in header] for row in rows)
        return out.getvalue().encode(self.charset)


class CSVOnLists:
    """A view mixin: a GET of a list may also be rendered as CSV (and the schema says so for
    those operations only). Errors stay JSON, as every API error is.

    A viewset lists in its `list` action and any named in `csv_actions`; a plain APIView whose
    GET answers a list says so with `lists_on_get = True`."""

    csv_actions: tuple[str, ...] = ()
    lists_on_get = False

    def get_renderers(self):
        renderers = super().get_renderers()
        if self._lists():
            renderers.append(CSVRenderer())
        return renderers

    def _lists(self) -> bool:
        action = getattr(self, "action", None)
        if action is not None:
            return action == "list" or action in self.csv_actions
        request = getattr(self, "request", None)
        lists = self.lists_on_get or isinstance(self, ListModelMixin)
        return lists and request is not None and request.method == "GET"


def _rows(data, response) -> list[dict]:
    if isinstance(data, dict) and "results" in data and isinstance(data["results"], list):
        if response is not None:
            _pagination_headers(data, response)
        data = data["results"]
    if isinstance(data, dict):
        data = [data]
    return [_flat(row) for row in data or [] if isinstance(row, dict)]


def _pagination_headers(page: dict, response) -> None:
    if "count" in page:
        response["X-Total-Count"] = str(page["count"])
    links = [f'<{page[rel]}>; rel="{rel}"' for rel in ("next", "previous") if page.get(rel)]
    if links:
        response["Link"] = ", ".join(links)


def _flat(row: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flat(value, f"{name}."))
        elif isinstance(value, list):
            plain = all(not isinstance(item, dict | list) for item in value)
            flat[name] = "; ".join(str(item) for item in value) if plain else _json(value)
        else:
            flat[name] = "" if value is None else value
    return flat


def _json(value) -> str:
    return orjson.dumps(value, default=str).decode()
