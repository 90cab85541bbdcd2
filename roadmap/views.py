"""The Product lens: /roadmap/, its CSV, and a product manager's changes to an item."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from candor.spreadsheet import SpreadsheetWriter
from roadmap import services
from roadmap.forms import RoadmapItemForm, StatusForm
from roadmap.selectors import (
    CSV_HEADER,
    roadmap_csv_rows,
    roadmap_items_visible_to,
    roadmap_may_change,
    roadmap_page_data,
)


@login_required
def roadmap_page(request):
    if request.GET.get("format") == "csv":
        return _csv(request.user)
    return _page(request)


def _page(request, status=200, **forms):
    data = roadmap_page_data(request.user)
    data.update({"new_form": RoadmapItemForm(), **forms})
    return render(request, "roadmap/roadmap.html", data, status=status)


def _csv(user) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="candor-roadmap-{stamp}.csv"'
    writer = SpreadsheetWriter(response)
    writer.writerow(CSV_HEADER)
    writer.writerows(roadmap_csv_rows(user))
    return response


def _may_change(request) -> None:
    if not roadmap_may_change(request.user):
        raise PermissionDenied("Only product managers and VPs change the roadmap.")


@login_required
@require_POST
def roadmap_item_create(request):
    _may_change(request)
    form = RoadmapItemForm(request.POST)
    if not form.is_valid():
        return _page(request, status=400, new_form=form)
    item = services.roadmap_item_create(by=request.user, **form.cleaned_data)
    messages.success(request, f"Roadmap item added: {item.title}.")
    return redirect("roadmap")


@login_required
@require_POST
def roadmap_item_status(request, pk):
    _may_change(request)
    item = get_object_or_404(roadmap_items_visible_to(request.user), pk=pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _page(request, status=400, status_form=form, status_form_for=item.pk)
    item = services.roadmap_item_update(item=item, by=request.user, **form.cleaned_data)
    messages.success(
        request,
        f"{item.title} is now {item.get_product_status_display().lower()}; its commitments and "
        "the accounts that carry them follow.",
    )
    return redirect("roadmap")
