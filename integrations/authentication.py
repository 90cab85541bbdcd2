"""`Authorization: Bearer <key>`: an integration's API key, acting as the key's owner within the
key's scopes. A revoked or expired key is refused (401); a request outside its scopes is
forbidden (403), whatever the view would have allowed its owner."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from integrations.models import ApiKey
from integrations.services import api_key_touch

KEYWORD = b"bearer"


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid Bearer header: one key, no spaces."))
        key = _usable_key(parts[1].decode("latin-1"))
        url_name = getattr(request._request.resolver_match, "url_name", None)
        if not key.allows(request.method, url_name):
            raise exceptions.PermissionDenied(
                f"This API key's scopes ({', '.join(key.scopes)}) do not allow this request."
            )
        api_key_touch(api_key=key)
        return key.user, key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


def _usable_key(raw: str) -> ApiKey:
    try:
        key = ApiKey.objects.get_from_key(raw)
    except ApiKey.DoesNotExist:
        raise exceptions.AuthenticationFailed(_("Invalid or revoked API key.")) from None
    if key.has_expired:
        raise exceptions.AuthenticationFailed(_("This API key has expired."))
    if not key.user.is_active:
        raise exceptions.AuthenticationFailed(_("This API key's owner is inactive."))
    return key
