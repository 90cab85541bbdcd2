"""Who is asking, for login throttling behind a TLS-terminating proxy; methods no page takes."""

from django.http import HttpResponseNotAllowed

# What a page may be asked with; TRACE and CONNECT are none of them.
PAGE_METHODS = ["GET", "HEAD", "OPTIONS", "POST"]


def client_address(request) -> str:
    """The address the (trusted) proxy appended last to X-Forwarded-For, else the peer's."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-1] if hops else request.META.get("REMOTE_ADDR", "")


def refuse_trace(get_response):
    """TRACE and CONNECT answer 405 on every page (a function view would answer them as a GET).
    The API's views already answer 405 with their own `Allow`, so /api/ is left to them."""

    def middleware(request):
        if request.method in ("TRACE", "CONNECT") and not request.path.startswith("/api/"):
            return HttpResponseNotAllowed(PAGE_METHODS)
        return get_response(request)

    return middleware
