"""The VP's audit page: the company's changes, newest first, with the API's filters."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from accounts.selectors import user_is_vp
from audit.forms import AuditFilterForm
from audit.selectors import audit_events, audit_rows

PAGE_SIZE = 50


@login_required
def audit_page(request):
    if not user_is_vp(request.user):
        raise PermissionDenied("The audit trail is for VPs of Customer Success.")
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    filters = {key: value for key, value in filters.items() if value}
    page = Paginator(audit_events(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "rows": audit_rows(page.object_list)}
    return render(request, "audit/audit.html", context)
