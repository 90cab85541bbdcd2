"""The VP's source pages: the list and a new source (its key shown once), and one source with
its set-up snippets, event map and live debugger (a fragment the page polls)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.selectors import user_is_vp
from signals.selectors import signal_kinds
from sources import selectors, services
from sources.forms import SourceForm
from sources.models import Source
from sources.serializers import event_changes_serializer


def _vp_only(request) -> None:
    if not user_is_vp(request.user):
        raise PermissionDenied("Sources are for VPs of Customer Success.")


@login_required
def source_list(request):
    _vp_only(request)
    form = SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        source, key = services.source_create(created_by=request.user, **form.cleaned_data)
        return _detail(request, source, key=key, status=201)
    context = {"form": form, "sources": selectors.sources_list()}
    return render(
        request, "sources/source_list.html", context, status=400 if form.is_bound else 200
    )


@login_required
def source_detail(request, pk):
    _vp_only(request)
    return _detail(request, get_object_or_404(Source, pk=pk))


def _detail(request, source, *, key=None, errors=None, status=200):
    context = {
        "source": source,
        "key": key,
        "ingest_url": f"{settings.SITE_URL}/ingest/segment",
        "events": selectors.source_event_map(source=source),
        "kinds": signal_kinds(),
        "debug_messages": selectors.source_debugger(source=source),
        "counts": selectors.source_outcome_counts(source=source),
        "errors": errors,
    }
    return render(request, "sources/source_detail.html", context, status=status)


@login_required
def source_debugger(request, pk):
    """The debugger's table alone: the page fetches it every few seconds."""
    _vp_only(request)
    source = get_object_or_404(Source, pk=pk)
    context = {"debug_messages": selectors.source_debugger(source=source)}
    return render(request, "sources/_debugger.html", context)


@login_required
@require_POST
def source_events(request, pk):
    _vp_only(request)
    source = get_object_or_404(Source, pk=pk)
    rows = zip(
        request.POST.getlist("event"), request.POST.getlist("kind"),
        request.POST.getlist("value_property"), strict=False,
    )  # fmt: skip
    changes = event_changes_serializer(
        [{"event": e, "kind": k or None, "value_property": v or None} for e, k, v in rows]
    )
    if not changes.is_valid():
        return _detail(request, source, errors=_problems(changes.errors), status=400)
    services.event_mappings_update(source=source, changes=changes.validated_data)
    return redirect("source_detail", pk=source.pk)


def _problems(errors) -> list[str]:
    """A list serializer's errors ({row: {field: [messages]}} or [{field: [...]}]) as lines."""
    rows = errors.values() if isinstance(errors, dict) else errors
    return [f"{field}: {' '.join(map(str, messages))}"
            for row in rows for field, messages in row.items()]  # fmt: skip


@login_required
@require_POST
def source_revoke(request, pk):
    _vp_only(request)
    services.source_revoke(source=get_object_or_404(Source, pk=pk))
    return redirect("source_detail", pk=pk)


@login_required
@require_POST
def source_rotate(request, pk):
    _vp_only(request)
    source, key = services.source_key_rotate(source=get_object_or_404(Source, pk=pk))
    return _detail(request, source, key=key)
