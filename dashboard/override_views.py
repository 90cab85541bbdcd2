"""Overriding a component from the account page, and ending an override (issue 25). Each POST
changes one thing and returns to the page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from accounts.selectors import account_get_for_writing
from dashboard.acting_forms import OverrideForm
from health.services import component_override_create, component_override_end


def _back(account):
    return redirect(f"{account.get_absolute_url()}#overrides")


@login_required
@require_POST
def override_create(request, pk):
    account = account_get_for_writing(request.user, pk)
    form = OverrideForm(request.POST, prefix="override")
    if not form.is_valid():
        errors = "; ".join(f"{field}: {' '.join(e)}" for field, e in form.errors.items())
        messages.error(request, f"Override not set. {errors}")
        return _back(account)
    component_override_create(account=account, author=request.user, **form.cleaned_data)
    messages.success(request, f"{form.cleaned_data['component'].capitalize()} overridden.")
    return _back(account)


@login_required
@require_POST
def override_end(request, pk, override_id):
    account = account_get_for_writing(request.user, pk)
    override = get_object_or_404(account.component_overrides, pk=override_id)
    component_override_end(override=override)
    messages.success(request, f"Override of {override.component} ended.")
    return _back(account)
