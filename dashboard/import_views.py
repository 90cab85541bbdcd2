"""The VP's CSV import: upload, preview of the column mapping (which the person may change,
and have remembered) and first rows, a run on the worker with a progress bar that polls, and
the outcome (counts, or every problem by row and column).

The web worker only checks the upload against its limits, counts its rows and reads its first
rows; the whole file is parsed and written by the Celery task."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from accounts import imports, services, tasks
from accounts.import_limits import BoundedUploadHandler
from accounts.models import CsvImport, ImportStatus
from accounts.selectors import csv_import_progress, user_is_vp
from dashboard.forms import focus_first_error
from dashboard.import_forms import ImportMappingForm, ImportUploadForm

MULTIPART_ALLOWANCE = 64 * 1024  # the form's other fields and the multipart boundaries


def _vp_only(request) -> None:
    if not user_is_vp(request.user):
        raise PermissionDenied("Imports are for VPs of Customer Success.")


@csrf_exempt
@login_required
def import_upload(request):
    """Bounds the upload before the body is read (CSRF is checked after, by `_upload`): a
    declared length over the limit is refused unread, and a file that runs past it stops
    being stored."""
    _vp_only(request)
    too_large = request.method == "POST" and _declared_length(request) > (
        settings.IMPORT_MAX_BYTES + MULTIPART_ALLOWANCE
    )
    if too_large:
        return _upload_page(request, ImportUploadForm(too_large=True, data={}))
    request.upload_handlers.insert(0, BoundedUploadHandler(request, settings.IMPORT_MAX_BYTES))
    return _upload(request)


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@csrf_protect
def _upload(request):
    form = ImportUploadForm(
        request.POST or None, request.FILES or None,
        too_large=getattr(request, "upload_too_large", False),
    )  # fmt: skip
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
    return _upload_page(request, form)


def _upload_page(request, form):
    focus_first_error(form)
    recent = CsvImport.objects.defer("content").select_related("created_by")[:10]
    status = 400 if form.is_bound else 200
    context = {"form": form, "recent": recent, "specs": imports.SPECS, "limits": form.limits}
    return render(request, "dashboard/import_upload.html", context, status=status)


def _detail_page(request, csv_import, form=None, status=200):
    context = {"csv_import": csv_import, "progress": csv_import_progress(csv_import)}
    if csv_import.status == ImportStatus.PREVIEWED:
        shown = imports.preview(
            csv_import.kind, csv_import.content, csv_import.mapping, rows=csv_import.rows
        )
        mapping = {column["header"]: column["field"] for column in shown["mapping"]}
        context["preview"] = shown
        context["mapping_form"] = form or ImportMappingForm(
            kind=csv_import.kind, mapping=mapping,
            initial={"date_order": csv_import.date_order, "remember": "me"},
        )  # fmt: skip
    return render(request, "dashboard/import_detail.html", context, status=status)


@login_required
def import_detail(request, pk):
    _vp_only(request)
    return _detail_page(request, get_object_or_404(CsvImport, pk=pk))


def _choose_mapping(request, csv_import):
    """The mapping posted with the preview, kept on the import; a page to answer with when it
    cannot be used (None when it was kept, or when nothing was posted)."""
    if "date_order" not in request.POST or csv_import.status != ImportStatus.PREVIEWED:
        return None
    shown = imports.preview(csv_import.kind, csv_import.content, csv_import.mapping, rows=0)
    mapping = {column["header"]: column["field"] for column in shown["mapping"]}
    form = ImportMappingForm(request.POST, kind=csv_import.kind, mapping=mapping)
    if form.is_valid():
        services.csv_import_map(
            csv_import=csv_import, user=request.user, mapping=form.mapping,
            date_order=form.cleaned_data["date_order"], remember=form.cleaned_data["remember"],
        )  # fmt: skip
        return None
    return _detail_page(request, csv_import, form, status=400)


@login_required
@require_POST
def import_map(request, pk):
    """Apply a changed mapping and show the preview again."""
    _vp_only(request)
    csv_import = get_object_or_404(CsvImport, pk=pk)
    return _choose_mapping(request, csv_import) or redirect("import_detail", pk=csv_import.pk)


@login_required
@require_POST
def import_start(request, pk):
    _vp_only(request)
    csv_import = get_object_or_404(CsvImport, pk=pk)
    refused = _choose_mapping(request, csv_import)
    if refused is not None:
        return refused
    if services.csv_import_queue(csv_import=csv_import):
        # Robust: where the task runs in-process, a run that fails is recorded on the import and
        # shown on its page, not turned into an error page here.
        transaction.on_commit(lambda: tasks.csv_import_run.delay(csv_import.pk), robust=True)
    return redirect("import_detail", pk=csv_import.pk)


@login_required
def import_progress(request, pk):
    _vp_only(request)
    csv_import = get_object_or_404(CsvImport.objects.defer("content"), pk=pk)
    return JsonResponse(csv_import_progress(csv_import))
