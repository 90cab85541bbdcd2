"""The OpenAPI schema view, built once per process.

The schema only changes with the code, yet drf-spectacular walks every view and serializer on
each request (1.5 s), so the API docs showed "Loading" for seconds. It is public to every
signed-in caller (not filtered per user), so one copy per API version and language serves all.
"""

from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

from signals.services import MAX_ROWS


class CachedSchemaView(SpectacularAPIView):
    built: dict = {}

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (version, translation.get_language())
        if key not in self.built:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            self.built[key] = generator.get_schema(request=request, public=self.serve_public)
        filename = self._get_filename(request, version)
        return Response(
            data=self.built[key], headers={"Content-Disposition": f'inline; filename="{filename}"'}
        )


NO_NUL = "^[^\\u0000]*$"
# Not blank once trimmed, as DRF trims a CharField before refusing a blank one.
NOT_BLANK = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"


def text_without_nul(result, generator, request, public):
    """drf-spectacular postprocessing hook: PostgreSQL text holds no NUL character, and a field
    that may not be blank may not be only spaces either (DRF trims them), so every free string
    a request may send says so (a pattern), as the 400 that refuses one does. A signal batch's
    row limits are said too (drf-spectacular drops a list serializer's bounds)."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            _no_nul(component)
    batch = result["paths"]["/api/v1/signals/"]["post"]["requestBody"]["content"]
    batch["application/json"]["schema"].update(minItems=1, maxItems=MAX_ROWS)
    return result


def _no_nul(schema: dict) -> None:
    if schema.get("type") == "string" and not {"format", "enum", "pattern"} & set(schema):
        schema["pattern"] = NOT_BLANK if schema.get("minLength", 0) >= 1 else NO_NUL
    for child in (schema.get("properties") or {}).values():
        _no_nul(child)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            _no_nul(schema[key])
