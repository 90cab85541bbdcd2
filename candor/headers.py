"""Response headers every dynamic page and API answer carries.

Pages, exports and API answers hold customer data: no shared cache (a proxy, a CDN) may keep
them, and the browser keeps no copy on disk. Static files (served by WhiteNoise, before this
middleware) and a view that chose its own caching (plotly.js, a year) keep theirs.
"""

from django.utils.cache import patch_cache_control


class PrivateNoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
