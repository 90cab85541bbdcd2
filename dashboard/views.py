from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from accounts import services
from accounts.models import Segment
from accounts.selectors import account_get_for_user, accounts_visible_to, user_is_vp
from dashboard.acting import acting_page_data, book_sentiments
from dashboard.book import (
    FLAG_LABELS,
    RENEWAL_WINDOWS,
    SORTS,
    BookFilters,
    book_counts,
    book_queryset,
)
from dashboard.forms import ConflictForm, DecisionForm, NoteForm
from dashboard.portfolio_page import portfolio_page_data
from dashboard.selectors import account_page_data

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
    sentiment_disagreements = book_sentiments(list(page))
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
