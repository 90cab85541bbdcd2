"""The VP's API keys page: every integration's key, who it acts as, when it was last used,
and a button to revoke it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.selectors import user_is_vp
from integrations import services
from integrations.selectors import api_key_get_for_user, api_keys_visible_to


def _vp_or_403(request):
    if not user_is_vp(request.user):
        raise PermissionDenied("API keys are managed by VPs of Customer Success.")


@login_required
def api_keys(request):
    _vp_or_403(request)
    return render(
        request, "integrations/api_keys.html", {"keys": api_keys_visible_to(request.user)}
    )


@login_required
@require_POST
def api_key_revoke(request, pk):
    _vp_or_403(request)
    api_key = services.api_key_revoke(api_key=api_key_get_for_user(request.user, pk))
    messages.success(request, f"API key “{api_key.name}” revoked: it is refused from now on.")
    return redirect("api_keys")
