"""Who is asking, for login throttling behind a TLS-terminating proxy."""


def client_address(request) -> str:
    """The address the (trusted) proxy appended last to X-Forwarded-For, else the peer's."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-1] if hops else request.META.get("REMOTE_ADDR", "")
