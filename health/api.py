import logging
import uuid

import redis
from celery.result import AsyncResult
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from kombu.exceptions import OperationalError as BrokerError
from rest_framework import generics, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import api as accounts_api
from accounts.roles import user_sees_portfolio
from accounts.selectors import (
    account_get_for_user,
    accounts_visible_to,
    retention_summary,
    user_is_vp,
)
from candor.renderers import CSVOnLists
from health import tasks
from health.backtest import backtest_remembered
from health.backtest_serializers import MAX_HORIZON, AdoptSerializer, window_from
from health.filters import AccountHealthFilter, HealthFilter
from health.models import CurrentHealth, HealthScore, QueuedTask
from health.portfolio import portfolio_summary
from health.selectors import (
    health_churn_probability,
    health_latest,
    health_trend,
    overrides_in_force_for,
    overrides_of,
    scorecards_with_versions,
)
from health.serializers import (
    ComponentOverrideSerializer,
    HealthSerializer,
    LatestHealthSerializer,
    RecomputeSerializer,
    ScorecardSerializer,
)
from health.services import (
    component_override_create,
    component_override_end,
    default_scorecard,
    scorecard_update,
    scorecard_version_adopt,
)

logger = logging.getLogger(__name__)

QUEUE_DOWN = (BrokerError, redis.RedisError, OSError)
QUEUE_RETRY_AFTER_SECONDS = 30


class QueueUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The task queue is unavailable; nothing was queued. Retry later."
    default_code = "queue_unavailable"
    wait = QUEUE_RETRY_AFTER_SECONDS  # DRF's handler answers it as Retry-After


def queue_unavailable(error) -> QueueUnavailable:
    logger.warning("Task queue unavailable: %s", error)
    return QueueUnavailable()


SINCE = OpenApiParameter(
    "since", OpenApiTypes.DATE, description="Say what changed since the score as of this day "
    "(default: 7 days before the latest score's as_of)."
)  # fmt: skip


@extend_schema(parameters=[SINCE])
class AccountHealth(generics.RetrieveAPIView):
    """The latest score of one account, with every component's reasons, its change over 7 and
    30 days from history, and what changed since an earlier score."""

    serializer_class = LatestHealthSerializer

    def get_object(self):
        account = account_get_for_user(self.request.user, self.kwargs["pk"])
        score = health_latest(account)
        if score is None:
            raise NotFound("This account has not been scored yet.")
        score.trend = health_trend(score, self._since(score))
        score.churn = health_churn_probability(score, renewal_date=account.renewal_date)
        score.overrides_in_force = overrides_in_force_for(account)
        return score

    def _since(self, score):
        raw = self.request.query_params.get("since")
        if raw is None:
            return None
        try:
            since = serializers.DateField().to_internal_value(raw)
        except ValidationError as error:
            raise ValidationError({"since": error.detail}) from error
        if since >= score.as_of:
            raise ValidationError(
                {"since": [f"Must be before the latest score's as_of, {score.as_of}."]}
            )
        return since


class AccountHealthHistory(CSVOnLists, generics.ListAPIView):
    """Every score of one account, newest first (history is never overwritten)."""

    serializer_class = HealthSerializer
    queryset = HealthScore.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return HealthScore.objects.none()
        account = account_get_for_user(self.request.user, self.kwargs["pk"])
        return HealthScore.objects.filter(account=account).order_by("-as_of", "-computed_at")


class HealthList(CSVOnLists, generics.ListAPIView):
    """Current health across the caller's accounts; filter by rag and flag.

    Filtered, ordered and paged over CurrentHealth (one row per account); only the page's
    scores are read from history, so a page costs the same however long history grows.
    """

    serializer_class = HealthSerializer
    filterset_class = HealthFilter
    ordering_fields = ["overall", "computed_at"]
    ordering = ["overall"]
    queryset = CurrentHealth.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CurrentHealth.objects.none()
        return CurrentHealth.objects.filter(account__in=accounts_visible_to(self.request.user))

    def list(self, request, *args, **kwargs):
        current = self.filter_queryset(self.get_queryset())
        current = current.order_by(*current.query.order_by, "account_id")  # stable pages
        page = self.paginate_queryset(current)
        scores = HealthScore.objects.in_bulk([row.score_id for row in page])
        rows = [scores[row.score_id] for row in page if row.score_id in scores]
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


TASK_REPLY = inline_serializer("TaskAccepted", {"task_id": serializers.CharField()})


class Recompute(APIView):
    """Rescore some accounts (or the caller's whole book), now or as of a past date.

    Answers 503 with `Retry-After` when the task queue cannot be reached (nothing is queued);
    the task id it returns is readable at /api/v1/tasks/<id>/ by the caller (and VPs) only.
    """

    @extend_schema(request=RecomputeSerializer, responses={202: TASK_REPLY})
    def post(self, request):
        body = RecomputeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        as_of = body.validated_data.get("as_of")
        as_of = as_of.isoformat() if as_of else None
        visible = accounts_visible_to(request.user)
        wanted = body.validated_data.get("accounts")
        if wanted is not None:
            ids = list(visible.filter(pk__in=wanted).values_list("pk", flat=True))
            if len(ids) != len(set(wanted)):
                raise NotFound("Some accounts are not in your book.")
            task, args = tasks.score_accounts, (ids, as_of)
        elif user_is_vp(request.user):
            task, args = tasks.score_portfolio, (as_of,)
        else:
            task, args = tasks.score_accounts, (list(visible.values_list("pk", flat=True)), as_of)
        task_id = _queue(task, args, request.user)
        return Response({"task_id": task_id}, status=status.HTTP_202_ACCEPTED)


def _queue(task, args, user) -> str:
    """Record who queues the task, then queue it; if the queue is down, neither happens."""
    task_id = str(uuid.uuid4())
    try:
        with transaction.atomic():
            QueuedTask.objects.create(task_id=task_id, user=user, name=task.name)
            task.apply_async(args, task_id=task_id)
    except (*QUEUE_DOWN, RuntimeError) as error:  # Celery's "result store unreachable"
        raise queue_unavailable(error) from error
    return task_id


TASK_STATE = inline_serializer(
    "TaskState",
    {"task_id": serializers.CharField(), "state": serializers.CharField(),
     "ready": serializers.BooleanField(), "result": serializers.JSONField(allow_null=True)},
)  # fmt: skip


class TaskState(APIView):
    """A task's state and result: only for the user who queued it, or a VP; any other id,
    known or not, is 404."""

    @extend_schema(responses={200: TASK_STATE})
    def get(self, request, task_id):
        queued = QueuedTask.objects.filter(task_id=task_id).first()
        if queued is None or (queued.user_id != request.user.pk and not user_is_vp(request.user)):
            raise NotFound("No such task.")
        try:
            return Response(_task_state(task_id))
        except QUEUE_DOWN as error:
            raise queue_unavailable(error) from error


def _task_state(task_id) -> dict:
    result = AsyncResult(task_id)
    payload = result.result if result.successful() else None
    if result.failed():
        payload = {"error": str(result.result)}
    return {"task_id": task_id, "state": result.state, "ready": result.ready(), "result": payload}


PORTFOLIO = inline_serializer(
    "Portfolio",
    {"arr_at_risk": serializers.FloatField(help_text="Red plus amber ARR."),
     "by_rag": serializers.DictField(),
     "by_flag": serializers.DictField(help_text="An account can carry several flags, so these "
                                      "ARR figures overlap and do not add up to ARR at risk."),
     "by_csm": serializers.DictField(),
     "grr": serializers.FloatField(allow_null=True, help_text="Gross revenue retention, trailing twelve months, a fraction."),
     "nrr": serializers.FloatField(allow_null=True, help_text="Net revenue retention, trailing twelve months, a fraction."),
     "retention": serializers.DictField(help_text="The twelve months' movements, by month and by start-quarter cohort.")},
)  # fmt: skip


class Portfolio(APIView):
    """ARR and account counts by RAG, flag and CSM (VPs and finance only)."""

    @extend_schema(responses={200: PORTFOLIO})
    def get(self, request):
        if not user_sees_portfolio(request.user):
            raise PermissionDenied("The portfolio is for VPs and finance.")
        visible = accounts_visible_to(request.user)
        return Response(portfolio_summary(visible) | retention_summary(visible))


class AccountViewSet(accounts_api.AccountViewSet):
    """Accounts in the caller's book, filterable by their current health."""

    filterset_class = AccountHealthFilter


BACKTEST_PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First as-of date."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last as-of date (default: a horizon ago)."),
    OpenApiParameter("every", {"type": "integer", "minimum": 1, "maximum": 365},
                     description="Days between as-of dates (30)."),
    OpenApiParameter("horizon", {"type": "integer", "minimum": 1, "maximum": MAX_HORIZON},
                     description="Days after a date a churn counts (90)."),
]  # fmt: skip
ADOPTED = inline_serializer(
    "Adopted", {"scorecard": serializers.IntegerField(), "version": serializers.IntegerField()}
)


class ScorecardValidityActions:
    """A scorecard's backtest and the adoption of a proposed version (VPs only, as every
    scorecard endpoint is)."""

    @extend_schema(parameters=BACKTEST_PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def backtest(self, request, pk=None):
        """How this scorecard would have foretold past churns: every account active on each
        as-of date scored from what was known then (nothing written), against later churns."""
        window = window_from(request.query_params)
        return Response(backtest_remembered(window=window, scorecard=self.get_object()))

    @extend_schema(request=AdoptSerializer, responses={200: ADOPTED})
    @action(detail=True, methods=["post"])
    def adopt(self, request, pk=None):
        """Make a proposed version (say, from `calibrate`) the live one."""
        scorecard = self.get_object()
        body = AdoptSerializer(data=request.data, context={"scorecard": scorecard})
        body.is_valid(raise_exception=True)
        scorecard = scorecard_version_adopt(
            version=body.validated_data["version"], user=request.user
        )
        return Response({"scorecard": scorecard.pk, "version": scorecard.version})


class IsVP(permissions.BasePermission):
    message = "Scorecards are for VPs."

    def has_permission(self, request, view):
        return user_is_vp(request.user)


class ScorecardViewSet(
    CSVOnLists, ScorecardValidityActions, mixins.ListModelMixin, mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin, viewsets.GenericViewSet,
):  # fmt: skip
    """The scorecards with every version each has had (VPs only). A PATCH that changes what a
    scorecard scores with writes a new version and makes it live."""

    serializer_class = ScorecardSerializer
    permission_classes = [permissions.IsAuthenticated, IsVP]
    pagination_class = None
    ordering = ["segment", "id"]
    ordering_fields = ["id"]
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_queryset(self):
        return scorecards_with_versions()

    def list(self, request, *args, **kwargs):
        default_scorecard()  # an API client finds the default one to edit before any scoring
        return super().list(request, *args, **kwargs)

    def perform_update(self, serializer):
        serializer.instance = scorecard_update(
            scorecard=serializer.instance, user=self.request.user, **serializer.validated_data
        )


class AccountOverrides(CSVOnLists, APIView):
    """People's component overrides of one account, newest first: GET lists them (ended and
    expired ones too), POST sets one (`component`, `value`, `reason`, `until`; the author is
    the caller). The account is rescored with it; its flags still come from the data."""

    lists_on_get = True

    @extend_schema(responses={200: ComponentOverrideSerializer(many=True)})
    def get(self, request, pk):
        account = account_get_for_user(request.user, pk)
        return Response(ComponentOverrideSerializer(overrides_of(account), many=True).data)

    @extend_schema(
        request=ComponentOverrideSerializer, responses={201: ComponentOverrideSerializer}
    )
    def post(self, request, pk):
        account = account_get_for_user(request.user, pk)
        body = ComponentOverrideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        override = component_override_create(
            account=account, author=request.user, **body.validated_data
        )
        return Response(ComponentOverrideSerializer(override).data, status=201)


class AccountOverride(APIView):
    """DELETE ends an override now (it stays in the account's list, ended)."""

    @extend_schema(responses={204: None})
    def delete(self, request, pk, override_id):
        account = account_get_for_user(request.user, pk)
        override = get_object_or_404(account.component_overrides, pk=override_id)
        component_override_end(override=override)
        return Response(status=204)
