"""Content negotiation that refuses an empty `?format=` as it refuses an unknown one."""

from django.http import Http404
from rest_framework.negotiation import DefaultContentNegotiation


class StrictFormatNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if request.query_params.get(self.settings.URL_FORMAT_OVERRIDE) == "":
            raise Http404("An empty format: leave `format` out, or name one (json, csv).")
        return super().select_renderer(request, renderers, format_suffix)
