"""The OpenAPI schema view, built once per process.

The schema only changes with the code, yet drf-spectacular walks every view and serializer on
each request (1.5 s), so the API docs showed "Loading" for seconds. It is public to every
signed-in caller (not filtered per user), so one copy per API version and language serves all.
"""

from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response


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
