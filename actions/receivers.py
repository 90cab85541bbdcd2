"""Where a webhook may post: hosts on the public internet only.

A webhook URL is chosen by a user, and Candor's server sends the request, so a URL naming
127.0.0.1, the office network or a cloud's metadata address (169.254.169.254) would make Candor
reach what its user cannot (server-side request forgery). A URL is checked when a webhook is
saved and again at delivery, since DNS can change; and the connection itself goes only to the
addresses just checked, so a name that resolves differently a moment later (DNS rebinding) gains
nothing. `WEBHOOK_ALLOW_PRIVATE_HOSTS` lifts the rule (a receiver on the same network, tests).
"""

import http.client
import ipaddress
import socket
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings

# Named in the order a reader would call the address; anything else not global is "non-public".
KINDS = (
    ("is_loopback", "loopback"),
    ("is_unspecified", "unspecified"),
    ("is_link_local", "link-local"),
    ("is_multicast", "multicast"),
    ("is_reserved", "reserved"),
    ("is_private", "private"),
)


class HostRefused(OSError):
    """The receiver's host is not on the public internet: nothing is sent to it."""


def private_hosts_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_HOSTS", False))


def resolve(host: str, port: int) -> list[tuple]:
    """getaddrinfo's answers for a TCP connection to host:port."""
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


def address_kind(address: str) -> str | None:
    """What kind of non-public address this is ("loopback", "private", ...), or None if public."""
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for test, kind in KINDS:
        if getattr(ip, test):
            return kind
    return None if ip.is_global else "non-public"


def refusal(host: str, answers: list[tuple]) -> str | None:
    """Why these addresses of `host` may not be posted to (any one non-public refuses all)."""
    for *_, sockaddr in answers:
        kind = address_kind(sockaddr[0])
        if kind:
            named = host if host == sockaddr[0] else f"{host} resolves to {sockaddr[0]}, which"
            return f"{named} is a {kind} address; webhooks only post to public hosts."
    return None


def url_refusal(url: str) -> str | None:
    """Why a webhook may not post to `url`, or None. A name that does not resolve now is not
    refused here: it is checked again when a delivery connects."""
    if private_hosts_allowed():
        return None
    parts = urlsplit(url)
    if not parts.hostname:
        return "The URL has no host."
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "The URL's port is not a port number."
    try:
        answers = resolve(parts.hostname, port)
    except (OSError, UnicodeError):
        return None
    return refusal(parts.hostname, answers)


def connect_public(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None):
    """socket.create_connection, to addresses checked in the same breath."""
    if private_hosts_allowed():
        return socket.create_connection(address, timeout, source_address)
    host, port = address
    answers = resolve(host, port)
    reason = refusal(host, answers)
    if reason:
        raise HostRefused(reason)
    error = OSError(f"No address for {host}")
    for family, kind, proto, _, sockaddr in answers:
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as failed:
            sock.close()
            error = failed
    raise error


class _PublicHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = connect_public


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = connect_public


class PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_PublicHTTPConnection, req)


class PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)
