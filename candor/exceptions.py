"""Every API error is JSON: DRF's own, database refusals, and unknown /api/ paths."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


def api_exception_handler(exc, context):
    _errors_as_json(context.get("request"))
    response = exception_handler(exc, context)
    if response is not None:
        if isinstance(response.data, list):
            response.data = {"detail": response.data}
        return response
    if isinstance(exc, DataError | DjangoValidationError):
        return Response({"detail": f"Invalid value: {exc}"}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        return Response(
            {"detail": "Conflicts with existing data."}, status=status.HTTP_409_CONFLICT
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


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    return JsonResponse({"detail": f"No API endpoint at {request.path}."}, status=404)


def api_server_error(request, *args, **kwargs):
    """Django's 500 handler: JSON under /api/, the plain page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error."}, status=500)
    from django.views.defaults import server_error

    return server_error(request)


ERROR_RESPONSES = {
    "400": 'Invalid input: field errors, or {"errors": [{index, field, message}]} for signals.',
    "401": "No or invalid credentials.",
    "403": "Authenticated but not allowed (e.g. a CSM asking for the portfolio).",
    "404": "Not found, or not in your book.",
    "405": "Method not allowed.",
    "406": "Not acceptable.",
    "409": "Conflicts with existing data.",
    "413": "Request body too large.",
    "415": "Unsupported media type.",
    "429": "Throttled.",
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
