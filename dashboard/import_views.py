"""The VP's CSV import: upload, preview of the mapping and first rows, a run on the worker
with a progress bar that polls, and the outcome (counts, or every problem by row and column)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import imports, services, tasks
from accounts.models import CsvImport
from accounts.selectors import csv_import_progress, user_is_vp
from dashboard.forms import ImportUploadForm, focus_first_error


def _vp_only(request) -> None:
    if not user_is_vp(request.user):
        raise PermissionDenied("Imports are for VPs of Customer Success.")


@login_required
def import_upload(request):
    _vp_only(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            csv_import = services.csv_import_create(
                kind=form.cleaned_data["kind"], filename=form.filename,
                content=form.cleaned_data["file"], user=request.user,
            )  # fmt: skip
        except imports.ImportRefused as refused:
            form.add_error("file", refused.errors[0]["message"])
        else:
            return redirect("import_detail", pk=csv_import.pk)
    focus_first_error(form)
    recent = CsvImport.objects.defer("content").select_related("created_by")[:10]
    status = 400 if form.is_bound else 200
    context = {"form": form, "recent": recent, "specs": imports.SPECS}
    return render(request, "dashboard/import_upload.html", context, status=status)


@login_required
def import_detail(request, pk):
    _vp_only(request)
    csv_import = get_object_or_404(CsvImport, pk=pk)
    context = {"csv_import": csv_import, "progress": csv_import_progress(csv_import)}
    if csv_import.status == "previewed":
        context["preview"] = imports.preview(csv_import.kind, csv_import.content)
    return render(request, "dashboard/import_detail.html", context)


@login_required
@require_POST
def import_start(request, pk):
    _vp_only(request)
    csv_import = get_object_or_404(CsvImport, pk=pk)
    if services.csv_import_queue(csv_import=csv_import):
        transaction.on_commit(lambda: tasks.csv_import_run.delay(csv_import.pk))
    return redirect("import_detail", pk=csv_import.pk)


@login_required
def import_progress(request, pk):
    _vp_only(request)
    csv_import = get_object_or_404(CsvImport.objects.defer("content"), pk=pk)
    return JsonResponse(csv_import_progress(csv_import))
