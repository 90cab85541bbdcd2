from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from accounts import services
from accounts.selectors import account_get_for_user, accounts_visible_to, user_is_vp
from dashboard.acting import acting_page_data, book_sentiments
from dashboard.book import (
    FLAG_LABELS,
    RENEWAL_WINDOWS,
    SORTS,
    BookFilters,
    book_counts,
    book_queryset,
    book_segments,
)
from dashboard.forms import ConflictForm, DecisionForm, NoteForm
from dashboard.portfolio_page import portfolio_page_data
from dashboard.selectors import account_page_data
from health.backtest import BacktestWindow, backtest_remembered
from health.backtest_serializers import AdoptSerializer
from health.models import Scorecard
from health.services import scorecard_version_adopt

PAGE_SIZE = 50


def _filters(params) -> BookFilters:
    renewal = params.get("renewal", "")
    return BookFilters(
        rag=params.get("rag", "") if params.get("rag") in ("red", "amber", "green") else "",
        flag=params.get("flag", "") if params.get("flag") in FLAG_LABELS else "",
        segment=params.get("segment", "")[:20],
        renewal_within=int(renewal)
        if renewal.isdigit() and int(renewal) in RENEWAL_WINDOWS
        else None,
        q=params.get("q", "")[:100],
        sort=params.get("sort", "risk") if params.get("sort") in SORTS else "risk",
        descending=params.get("dir") == "desc",
        csm=params.get("csm", "")[:150],
    )


@login_required
def book(request):
    filters = _filters(request.GET)
    page = Paginator(book_queryset(request.user, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    sentiment_disagreements = book_sentiments(list(page))
    return render(
        request,
        "dashboard/book.html",
        {
            "page": page,
            "filters": filters,
            "counts": book_counts(request.user, filters.csm),
            "flag_labels": FLAG_LABELS,
            "segments": book_segments(request.user),
            "renewal_windows": RENEWAL_WINDOWS,
            "querystring": query.urlencode(),
            "is_vp": user_is_vp(request.user),
            "sentiment_disagreements": sentiment_disagreements,
        },
    )


@login_required
def portfolio(request):
    if not user_is_vp(request.user):
        raise PermissionDenied("The portfolio is for VPs of Customer Success.")
    return render(
        request, "dashboard/portfolio.html", portfolio_page_data(accounts_visible_to(request.user))
    )


@login_required
@cache_control(max_age=86400, private=True)
def plotly_js(request):
    """plotly.js from the installed plotly package: no CDN, no network, one version."""
    from plotly.offline import get_plotlyjs

    return HttpResponse(get_plotlyjs(), content_type="application/javascript")


def _page(request, account, **forms):
    context = account_page_data(account)
    context["decision_form"] = forms.get("decision_form") or DecisionForm(account=account)
    context["note_form"] = forms.get("note_form") or NoteForm()
    context["conflict_form"] = forms.get("conflict_form") or ConflictForm(account=account)
    context.update(
        acting_page_data(
            account, context["score"], request.GET.getlist("type"), forms, context["decisions"]
        )
    )
    status = 400 if forms else 200
    return render(request, "dashboard/account_detail.html", context, status=status)


@login_required
def account_detail(request, pk):
    return _page(request, account_get_for_user(request.user, pk))


@login_required
@require_POST
def decision_create(request, pk):
    account = account_get_for_user(request.user, pk)
    form = DecisionForm(request.POST, account=account)
    if not form.is_valid():
        return _page(request, account, decision_form=form)
    services.decision_log(form=form)
    messages.success(request, "Decision logged.")
    return redirect(f"{account.get_absolute_url()}#decisions")


@login_required
@require_POST
def note_create(request, pk):
    account = account_get_for_user(request.user, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _page(request, account, note_form=form)
    services.note_add(account=account, author=request.user, body=form.cleaned_data["body"])
    messages.success(request, "Note added.")
    return redirect(f"{account.get_absolute_url()}#notes")


@login_required
@require_POST
def conflicts_update(request, pk):
    account = account_get_for_user(request.user, pk)
    form = ConflictForm(request.POST, account=account)
    if not form.is_valid():
        return _page(request, account, conflict_form=form)
    services.stakeholders_mark_conflicting(
        account=account, conflicting=form.cleaned_data["conflicting"]
    )
    messages.success(request, "Success definitions updated.")
    return redirect(f"{account.get_absolute_url()}#stakeholders")


def _vp_or_403(request):
    if not user_is_vp(request.user):
        raise PermissionDenied("Backtests and scorecard changes are for VPs of Customer Success.")


@login_required
@require_POST
def backtest_compute(request):
    """Run the portfolio's backtest now (it is remembered until the data changes)."""
    _vp_or_403(request)
    backtest_remembered(window=BacktestWindow.default(timezone.now().date()))
    messages.success(request, "Backtest computed from the data as known on each date.")
    return redirect(f"{reverse('portfolio')}#validity-h")


@login_required
@require_POST
def scorecard_adopt(request, pk):
    """Adopt a calibrated proposal: it becomes the live version of its scorecard."""
    _vp_or_403(request)
    scorecard = get_object_or_404(Scorecard, pk=pk)
    body = AdoptSerializer(data=request.POST, context={"scorecard": scorecard})
    if not body.is_valid():
        messages.error(request, " ".join(body.errors.get("version", ["Invalid version."])))
        return redirect(f"{reverse('portfolio')}#validity-h")
    scorecard = scorecard_version_adopt(version=body.validated_data["version"], user=request.user)
    messages.success(request, f"{scorecard} is live: scores from now on use version "
                     f"{scorecard.version}.")  # fmt: skip
    return redirect(f"{reverse('portfolio')}#validity-h")
