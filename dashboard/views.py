import gzip
from functools import lru_cache

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.vary import vary_on_headers

from accounts.models import Segment
from accounts.selectors import accounts_visible_to, csm_usernames_with_books, user_is_vp
from dashboard import exports
from dashboard.book import (
    FLAG_LABELS,
    RENEWAL_WINDOWS,
    SORTS,
    BookFilters,
    book_counts,
    book_queryset,
)
from dashboard.portfolio_page import portfolio_page_data

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
    is_vp = user_is_vp(request.user)
    csms = csm_usernames_with_books(request.user) if is_vp else []
    unknown_csm = filters.csm if filters.csm and filters.csm not in csms else ""
    if unknown_csm or not is_vp:
        filters.csm = ""
    if request.GET.get("format") == "csv":
        return exports.book_csv(request.user, filters)
    page = Paginator(book_queryset(request.user, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dashboard/book.html",
        {
            "page": page,
            "filters": filters,
            "counts": book_counts(request.user, filters.csm),
            "flag_labels": FLAG_LABELS,
            "segments": Segment.choices,
            "renewal_windows": RENEWAL_WINDOWS,
            "querystring": query.urlencode(),
            "csv_query": _csv_query(query),
            "is_vp": is_vp,
            "csms": csms,
            "unknown_csm": unknown_csm,
        },
    )


def _csv_query(query) -> str:
    """The same filters and sort, asking for the whole list as CSV."""
    query = query.copy()
    query["format"] = "csv"
    return query.urlencode()


@login_required
def portfolio(request):
    if not user_is_vp(request.user):
        raise PermissionDenied("The portfolio is for VPs of Customer Success.")
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
