"""The renewal forecast over the API: the quarters ahead, and the CSM's call on a renewal."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import user_sees_forecast
from accounts.selectors import account_get_for_user, accounts_visible_to
from candor.renderers import CSVOnLists
from forecast.selectors import forecast_call_history, forecast_summary
from forecast.serializers import ForecastCallSerializer, ForecastQuerySerializer
from forecast.services import forecast_call_set

QUARTERS = OpenApiParameter(
    "quarters", {"type": "integer", "minimum": 1, "maximum": 8},
    description="Calendar quarters from the current one (1-8, 4).",
)  # fmt: skip


class Forecast(APIView):
    """Each quarter's ARR up for renewal, expected renewed ARR with a 90% interval and the
    renewals behind it (the model's probability and call beside the CSM's); where the two calls
    disagree, biggest ARR first; GRR and NRR over the trailing twelve months (not for
    account executives or product managers)."""

    @extend_schema(parameters=[QUARTERS], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        if not user_sees_forecast(request.user):
            raise PermissionDenied("The forecast is for the people who hold books, and finance.")
        query = ForecastQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(
            forecast_summary(accounts_visible_to(request.user), query.validated_data["quarters"])
        )


class AccountForecastCall(CSVOnLists, APIView):
    """The CSM's call on an account's next renewal: GET its history (newest first), PUT a new
    call (`call`: commit, best_case, at_risk or lost, and a `note`); earlier calls are kept."""

    lists_on_get = True

    @extend_schema(responses={200: ForecastCallSerializer(many=True)})
    def get(self, request, pk):
        account = account_get_for_user(request.user, pk)
        return Response(ForecastCallSerializer(forecast_call_history(account), many=True).data)

    @extend_schema(request=ForecastCallSerializer, responses={200: ForecastCallSerializer})
    def put(self, request, pk):
        account = account_get_for_user(request.user, pk)
        body = ForecastCallSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        call = forecast_call_set(account=account, user=request.user, **body.validated_data)
        return Response(ForecastCallSerializer(call).data, status=status.HTTP_200_OK)
