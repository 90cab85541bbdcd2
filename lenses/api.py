"""The lenses over the API: the same figures as /sales/ and /terms/, for the same people."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import accounts_visible_to
from lenses.selectors import (
    deals_for,
    sales_lens,
    sales_lens_allowed,
    terms_lens,
    terms_lens_allowed,
)


class SalesLens(APIView):
    """Per account executive and close quarter (`by_seller`) and per close quarter
    (`by_quarter`): deals and ARR, handoffs complete, days to kickoff, commitments before
    signature, health at 90 days and today, churned ARR and GRR (docs/LENSES.md). An account
    executive reads their own deals; team leads, finance and VPs read those they see."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        if not sales_lens_allowed(request.user):
            raise PermissionDenied("The Sales lens is for account executives, team leads, "
                                   "finance and VPs.")  # fmt: skip
        return Response(sales_lens(deals_for(request.user)))


class TermsLens(APIView):
    """Distinct deal-term structures, the share on standard terms, the common deviations,
    the next two quarters' renewals on custom terms, churn and health by standard against
    custom terms (docs/LENSES.md). Finance and VPs only."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        if not terms_lens_allowed(request.user):
            raise PermissionDenied("Deal terms are for finance and VPs.")
        return Response(terms_lens(accounts_visible_to(request.user)))
