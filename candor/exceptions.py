"""Every API error is JSON: DRF's own, database refusals, too-large bodies, unknown /api/ paths,
and whatever Django itself would have answered with an HTML page (even with DEBUG on)."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
KEPT_HEADERS = ("Retry-After", "Allow", "WWW-Authenticate")


def api_exception_handler(exc, context):
    _errors_as_json(context.get("request"))
    response = exception_handler(exc, context)
    if response is not None:
        if isinstance(response.data, list):
            response.data = {"detail": response.data}
        return response
    if isinstance(exc, DataError | DjangoValidationError | UnicodeError):
        return Response({"detail": f"Invalid value: {exc}"}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        return Response(
            {"detail": "Conflicts with existing data."}, status=status.HTTP_409_CONFLICT
        )
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": too_large_message()}, status=413)
    if isinstance(exc, OperationalError | InterfaceError):
        # A dropped connection, a failover, a deadlock that outlived its retries: transient.
        logger.warning("Database unavailable for %s", context["request"].path, exc_info=True)
        return Response(
            {"detail": "The database is briefly unavailable; retry shortly."},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return None


def _errors_as_json(request) -> None:
    """An error is JSON even on a list asked for as CSV (?format=csv)."""
    if request is not None and getattr(request, "accepted_renderer", None) is not None:
        if request.accepted_renderer.format == "csv":
            request.accepted_renderer, request.accepted_media_type = (
                JSONRenderer(),
                "application/json",
            )


def too_large_message() -> str:
    return f"Request body too large: at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."


def is_api(request) -> bool:
    return request.path.startswith("/api/")


class ApiErrorsAsJsonMiddleware:
    """First in MIDDLEWARE: under /api/, a body declared too large is refused with 413 before it
    is read, an exception no view handled becomes a JSON error, and any error page Django or a
    middleware rendered as HTML (DEBUG's technical pages included) is replaced by JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api(request):
            return self.get_response(request)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and _declared_length(request) > limit:
            return JsonResponse({"detail": too_large_message()}, status=413)
        response = self.get_response(request)
        if response.status_code >= 400 and not _is_json(response):
            response = _json_copy(response)
        return response

    def process_exception(self, request, exception):
        if not is_api(request):
            return None
        if isinstance(exception, RequestDataTooBig):
            return JsonResponse({"detail": too_large_message()}, status=413)
        if isinstance(exception, SuspiciousOperation):
            return JsonResponse({"detail": "Bad request."}, status=400)
        if isinstance(exception, Http404):
            return JsonResponse({"detail": "Not found."}, status=404)
        if isinstance(exception, DjangoPermissionDenied):
            return JsonResponse({"detail": "Permission denied."}, status=403)
        logger.error("Unhandled error on %s", request.path, exc_info=exception)
        return JsonResponse({"detail": "Server error."}, status=500)


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _is_json(response) -> bool:
    kind = response.get("Content-Type", "")
    return "json" in kind.split(";")[0]


def _json_copy(response):
    reason = getattr(response, "reason_phrase", "") or "Error"
    replacement = JsonResponse({"detail": f"{reason}."}, status=response.status_code)
    for header in KEPT_HEADERS:
        if header in response:
            replacement[header] = response[header]
    return replacement


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    return JsonResponse({"detail": f"No API endpoint at {request.path}."}, status=404)


def api_server_error(request, *args, **kwargs):
    """Django's 500 handler: JSON under /api/, the plain page elsewhere."""
    if is_api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    from django.views.defaults import server_error

    return server_error(request)


ERROR_RESPONSES = {
    "400": 'Invalid input: field errors, or {"errors": [{index, field, code, message}]} for signals.',
    "401": "No or invalid credentials.",
    "403": "Authenticated but not allowed (e.g. a CSM asking for the portfolio).",
    "404": "Not found, or not in your book.",
    "405": "Method not allowed.",
    "406": "Not acceptable.",
    "409": "Conflicts with existing data.",
    "413": "Request body too large.",
    "415": "Unsupported media type.",
    "429": "Throttled.",
    "503": "Briefly unavailable (database or task queue); retry after `Retry-After` seconds.",
}


def document_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation may answer with a JSON error."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = {
        "type": "object",
        "description": "A JSON error: `detail`, per-field messages, or signal row `errors`.",
        "additionalProperties": True,
    }
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_RESPONSES.items():
                responses.setdefault(code, {"description": description, "content": error})
    return result
