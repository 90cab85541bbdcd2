import gzip
from functools import lru_cache

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
from django.views.decorators.vary import vary_on_headers

from accounts.roles import user_picks_csm, user_sees_portfolio
from accounts.selectors import accounts_visible_to, csm_usernames_with_books, user_is_vp
from dashboard import exports
from dashboard.acting import book_sentiments
from dashboard.book import (
    FLAG_LABELS,
    RENEWAL_WINDOWS,
    SORTS,
    BookFilters,
    book_counts,
    book_queryset,
    book_segments,
)
from dashboard.portfolio_page import portfolio_page_data
from health.backtest import BacktestWindow, backtest_remembered
from health.backtest_serializers import AdoptSerializer
from health.models import RAGS, Scorecard
from health.services import scorecard_version_adopt

PAGE_SIZE = 50


def _filters(params) -> BookFilters:
    renewal = params.get("renewal", "")
    return BookFilters(
        rag=params.get("rag", "") if params.get("rag") in RAGS else "",
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
    picks_csm = user_picks_csm(request.user)
    csms = csm_usernames_with_books(request.user) if picks_csm else []
    unknown_csm = filters.csm if filters.csm and filters.csm not in csms else ""
    if unknown_csm or not picks_csm:
        filters.csm = ""
    if request.GET.get("format") == "csv":
        return exports.book_csv(request.user, filters)
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
            "csv_query": _csv_query(query),
            "picks_csm": picks_csm,
            "csms": csms,
            "unknown_csm": unknown_csm,
            "sentiment_disagreements": sentiment_disagreements,
        },
    )


def _csv_query(query) -> str:
    """The same filters and sort, asking for the whole list as CSV."""
    query = query.copy()
    query["format"] = "csv"
    return query.urlencode()


@login_required
def portfolio(request):
    if not user_sees_portfolio(request.user):
        raise PermissionDenied("The portfolio is for VPs of Customer Success and finance.")
    if request.GET.get("format") == "csv":
        return exports.portfolio_csv(
            accounts_visible_to(request.user), request.GET.get("table", "")
        )
    return render(
        request, "dashboard/portfolio.html", portfolio_page_data(accounts_visible_to(request.user))
    )


@lru_cache(maxsize=1)
def _plotly_script() -> tuple[bytes, bytes]:
    """plotly.js as text and gzipped (4.8 MB -> ~1.4 MB), compressed once per process."""
    from plotly.offline import get_plotlyjs

    script = get_plotlyjs().encode()
    return script, gzip.compress(script, compresslevel=6, mtime=0)


@login_required
@cache_control(max_age=365 * 86400, private=True, immutable=True)
@vary_on_headers("Accept-Encoding")
def plotly_js(request):
    """plotly.js from the installed plotly package: no CDN, no network, one version. Sent
    gzipped to browsers that accept it and cached for a year: its URL names the version."""
    script, gzipped = _plotly_script()
    if "gzip" not in request.headers.get("Accept-Encoding", ""):
        return HttpResponse(script, content_type="application/javascript")
    response = HttpResponse(gzipped, content_type="application/javascript")
    response["Content-Encoding"] = "gzip"
    return response


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
