from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control

from accounts.models import Segment
from accounts.selectors import accounts_visible_to, user_is_vp
from health.dashboard import (
    FLAG_LABELS,
    RENEWAL_WINDOWS,
    SORTS,
    BookFilters,
    book_counts,
    book_queryset,
)
from health.portfolio_page import portfolio_page_data

PAGE_SIZE = 50


def _filters(params) -> BookFilters:
    renewal = params.get("renewal", "")
    return BookFilters(
        rag=params.get("rag", "") if params.get("rag") in ("red", "amber", "green") else "",
        flag=params.get("flag", "") if params.get("flag") in FLAG_LABELS else "",
        segment=params.get("segment", "") if params.get("segment") in Segment.values else "",
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
    return render(
        request,
        "health/book.html",
        {
            "page": page,
            "filters": filters,
            "counts": book_counts(request.user, filters.csm),
            "flag_labels": FLAG_LABELS,
            "segments": Segment.choices,
            "renewal_windows": RENEWAL_WINDOWS,
            "querystring": query.urlencode(),
            "is_vp": user_is_vp(request.user),
        },
    )


@login_required
def portfolio(request):
    if not user_is_vp(request.user):
        raise PermissionDenied("The portfolio is for VPs of Customer Success.")
    return render(
        request, "health/portfolio.html", portfolio_page_data(accounts_visible_to(request.user))
    )


@login_required
@cache_control(max_age=86400, private=True)
def plotly_js(request):
    """plotly.js from the installed plotly package: no CDN, no network, one version."""
    from plotly.offline import get_plotlyjs

    return HttpResponse(get_plotlyjs(), content_type="application/javascript")
