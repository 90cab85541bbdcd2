"""The Sales lens (/sales/) and the Finance lens (/terms/), their drill-downs and CSV files."""

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.selectors import accounts_visible_to
from lenses import exports
from lenses.selectors import (
    accounts_on_terms,
    deals_for,
    deals_in,
    quarter_bounds,
    sales_lens,
    sales_lens_allowed,
    terms_lens,
    terms_lens_allowed,
)

PAGE_SIZE = 50


def _sales_or_403(request):
    if not sales_lens_allowed(request.user):
        raise PermissionDenied(
            "The Sales lens is for account executives, team leads, finance and VPs."
        )


def _terms_or_403(request):
    if not terms_lens_allowed(request.user):
        raise PermissionDenied("Deal terms are for finance and VPs.")


def _bad(message: str):
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


@login_required
@require_GET
def sales(request):
    _sales_or_403(request)
    lens = sales_lens(deals_for(request.user))
    if request.GET.get("format") == "csv":
        return exports.lens_csv("sales", exports.SALES_TABLES, lens, request.GET.get("table", ""))
    return render(request, "lenses/sales.html", {"lens": lens})


@login_required
@require_GET
def sales_deals(request):
    """The deals behind a row of the Sales lens: ?ae=<username>&quarter=2026-Q2."""
    _sales_or_403(request)
    quarter = request.GET.get("quarter", "")[:7]
    try:
        if quarter:
            quarter_bounds(quarter)
    except ValueError as error:
        return _bad(str(error))
    deals = deals_in(deals_for(request.user), ae=request.GET.get("ae"), quarter=quarter)
    deals = exports.deal_rows(deals)
    if request.GET.get("format") == "csv":
        return exports.deals_csv(deals)
    page = Paginator(deals, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "ae": request.GET.get("ae"), "quarter": quarter,
               "querystring": _without_page(request.GET)}  # fmt: skip
    return render(request, "lenses/deals.html", context)


@login_required
@require_GET
def terms(request):
    _terms_or_403(request)
    lens = terms_lens(accounts_visible_to(request.user))
    if request.GET.get("format") == "csv":
        return exports.lens_csv("terms", exports.TERMS_TABLES, lens, request.GET.get("table", ""))
    return render(request, "lenses/terms.html", {"lens": lens})


@login_required
@require_GET
def terms_accounts(request):
    """The active accounts behind a row of the Finance lens: ?term=, ?standard=1|0 or
    ?structure=<its deviations as a JSON object>."""
    _terms_or_403(request)
    try:
        chosen = _terms_filter(request.GET)
    except ValueError as error:
        return _bad(str(error))
    accounts = exports.term_rows(accounts_on_terms(accounts_visible_to(request.user), **chosen))
    if request.GET.get("format") == "csv":
        return exports.term_accounts_csv(accounts)
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "chosen": chosen, "querystring": _without_page(request.GET)}
    return render(request, "lenses/term_accounts.html", context)


def _terms_filter(params) -> dict:
    chosen = {}
    if params.get("term"):
        chosen["term"] = params["term"][:100]
        if "value" in params:
            chosen["value"] = _json(
                params["value"], 'value must be a JSON value, such as "net_60".'
            )
    if params.get("standard") in ("0", "1"):
        chosen["standard"] = params["standard"] == "1"
    if params.get("structure"):
        structure = _json(params["structure"], STRUCTURE_WANTED)
        if not isinstance(structure, dict):
            raise ValueError(STRUCTURE_WANTED)
        chosen["structure"] = structure
    return chosen


STRUCTURE_WANTED = "structure must be a JSON object of term: value, such as {}."


def _json(text: str, wanted: str):
    try:
        return json.loads(text[:5000])
    except json.JSONDecodeError:
        raise ValueError(wanted) from None


def _without_page(params) -> str:
    query = params.copy()
    query.pop("page", None)
    query.pop("format", None)
    return query.urlencode()
