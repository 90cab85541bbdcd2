"""Segment's HTTP tracking API, as unmodified Segment and RudderStack libraries call it.

Replies as Segment's: 200 `{"success": true}` for a well-formed request, whatever became of each
message (a bad, oversized or unmapped one is skipped and shown in the debugger: a 4xx would make
the libraries drop the whole batch); `{"success": false, "code", "message"}` otherwise. CSRF does
not apply: these paths take a source key, never a session.
"""

import logging
import zlib

import orjson
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sources.auth import key_from_header, source_for_key
from sources.messages import MAX_MESSAGE_BYTES
from sources.services import segment_batch_receive

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 5 * 1024 * 1024  # compressed or not (RudderStack's batches reach 4 MiB + 1)
# Every accepted request's answer, byte for byte what JsonResponse({"success": True}) writes,
# without encoding it again each time.
SUCCESS = b'{"success": true}'


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _fail(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"success": False, "code": code, "message": message}, status=status)


@csrf_exempt
def ingest(request, path_type: str | None = None):
    """`/v1/batch` (path_type "batch"), `/v1/{type}` (one message of that type), `/v1/webhook`."""
    if request.method != "POST":
        response = _fail(405, "method_not_allowed", "Use POST.")
        response["Allow"] = "POST"
        return response
    try:
        payload = _payload(request)
        source = source_for_key(key_from_header(request.headers.get("Authorization", "")) or (
            payload.get("writeKey") if isinstance(payload, dict) else None
        ))  # fmt: skip
        if source is None:
            raise Refusal(401, "unauthorized", "Wrong or revoked source key.")
        items, single_type = _messages(payload, path_type)
    except Refusal as refusal:
        return _fail(refusal.status, refusal.code, refusal.message)
    try:
        _receive(source, items, single_type)
    except (OperationalError, InterfaceError):  # the libraries retry a 5xx later
        logger.warning("Segment batch not stored: database unavailable", exc_info=True)
        return _fail(503, "unavailable", "The database is briefly unavailable; retry shortly.")
    except Exception:  # still Segment's JSON shape, so the library retries it later
        logger.exception("Segment batch not stored")
        return _fail(500, "internal_error", "The batch was not stored; retry later.")
    return HttpResponse(SUCCESS, content_type="application/json")


def _receive(source, items, single_type) -> None:
    """The batch kept on the connection this process holds, without Django's health check
    first (a `SELECT 1`: half of a webhook post's round trips to the database). A connection
    the server dropped meanwhile fails the batch's statement instead, and the batch goes again
    once on a new connection: safe, as that statement is the request's only write and the drain
    settles a second copy of a message as a duplicate."""
    connection.health_check_done = True
    received_at = timezone.now()
    try:
        segment_batch_receive(source=source, items=items, received_at=received_at,
                              path_type=single_type)  # fmt: skip
        return
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block or connection.is_usable():
            raise
        connection.close()
    segment_batch_receive(source=source, items=items, received_at=received_at,
                          path_type=single_type)  # fmt: skip


def _payload(request):
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise Refusal(400, "body_too_large", "Request body over 5 MiB.")
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise Refusal(400, "body_too_large", "Request body over 5 MiB.")
    if "gzip" in request.headers.get("Content-Encoding", "").lower():
        body = _gunzip(body)
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise Refusal(400, "invalid_json", f"Not JSON: {error}.") from None


def _gunzip(body: bytes) -> bytes:
    """At most 5 MiB once decompressed, so a small bomb cannot fill the memory."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, MAX_BODY_BYTES + 1)
    except zlib.error:
        raise Refusal(
            400, "invalid_gzip", "Content-Encoding is gzip, but the body is not."
        ) from None
    if len(data) > MAX_BODY_BYTES:
        raise Refusal(400, "body_too_large", "Request body over 5 MiB once decompressed.")
    return data


def _messages(payload, path_type):
    if path_type == "webhook" and isinstance(payload, list):
        return payload, None
    if path_type == "batch" or (
        path_type == "webhook" and isinstance(payload, dict) and "batch" in payload
    ):
        batch = payload.get("batch") if isinstance(payload, dict) else None
        if not isinstance(batch, list):
            raise Refusal(400, "invalid_batch", 'Expected {"batch": [message, ...]}.')
        return batch, None
    if not isinstance(payload, dict):
        raise Refusal(400, "invalid_message", "Expected one message: a JSON object.")
    if len(orjson.dumps(payload)) > MAX_MESSAGE_BYTES:
        raise Refusal(400, "message_too_large", "A message is at most 32 KB.")
    return [payload], None if path_type == "webhook" else path_type
