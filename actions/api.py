from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action as route
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import account_get_for_user, user_is_vp
from actions import services, webhooks
from actions.models import Action, ActionStatus, Rule, Webhook
from actions.selectors import (
    Due,
    actions_visible_to,
    due_q,
    flags_with_snoozes,
    sentiment_disagrees,
    sentiment_history,
    sentiment_latest,
    sentiment_payload,
    snoozes_active_for,
    snoozes_of,
)
from actions.serializers import (
    ActionSerializer,
    BulkResultSerializer,
    BulkSerializer,
    DeliverySerializer,
    HealthWithSentimentSerializer,
    SentimentRecordSerializer,
    SentimentSerializer,
    SnoozeSerializer,
    TimelineEventSerializer,
    TimelineQuerySerializer,
    WebhookCreatedSerializer,
    WebhookSerializer,
)
from actions.timeline import TYPES, account_timeline
from candor.filters import MAX_ID, GivenBooleanFilter, IdFilter
from candor.renderers import CSVOnLists
from health import api as health_api


def _drf(error: DjangoValidationError) -> ValidationError:
    return ValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages)


def _plain_steps(data: dict) -> dict:
    if "steps" in data:
        # A partial update leaves out a step's default: a step sent without "done" is not done.
        data["steps"] = [{"text": s["text"], "done": bool(s.get("done"))} for s in data["steps"]]
    return data


class ActionFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ActionStatus.choices)
    owner = filters.CharFilter(method="filter_owner", help_text="A username, or `me`.")
    rule = filters.ChoiceFilter(choices=Rule.choices)
    account = IdFilter(field_name="account_id", min_value=1, max_value=MAX_ID)
    due = filters.ChoiceFilter(
        choices=[(d.value, d.label) for d in (Due.OVERDUE, Due.TODAY, Due.WEEK)],
        method="filter_due",
        help_text="Open actions due before today, today, or after today and within the next "
        "7 days (`week`).",
    )  # fmt: skip

    class Meta:
        model = Action
        fields = ["status", "owner", "account", "rule", "due"]

    def filter_owner(self, queryset, name, value):
        if value == "me":
            return queryset.filter(owner=self.request.user)
        return queryset.filter(owner__username=value)

    def filter_due(self, queryset, name, value):
        today = timezone.now().date()
        return queryset.filter(due_q(value, today), status=ActionStatus.OPEN)


class WebhookFilter(filters.FilterSet):
    active = GivenBooleanFilter()


class ActionViewSet(
    CSVOnLists, mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin, viewsets.GenericViewSet,
):  # fmt: skip
    """Actions on the caller's accounts (a CSM's book, a VP's portfolio); filter by status,
    owner (username), account and rule. Ticking steps never moves the score."""

    serializer_class = ActionSerializer
    filterset_class = ActionFilter
    ordering_fields = ["due_on", "created_at", "id"]
    ordering = ["due_on", "id"]

    def get_queryset(self):
        return actions_visible_to(self.request.user)

    def perform_create(self, serializer):
        data = _plain_steps(dict(serializer.validated_data))
        if data.pop("status", ActionStatus.OPEN) != ActionStatus.OPEN:
            raise ValidationError({"status": "A new action is open; close it by updating it."})
        data.pop("outcome_note", None)
        data.setdefault("owner", data["account"].csm)
        try:
            serializer.instance = services.action_create(**data)
        except DjangoValidationError as error:
            raise _drf(error) from error

    @extend_schema(request=BulkSerializer, responses={200: BulkResultSerializer})
    @route(detail=False, methods=["post"])
    def bulk(self, request):
        """Snooze, reassign or close many open actions at once: all or nothing (an id that is
        not an open action you can see, or an owner who cannot see one of the accounts, is a
        400 and nothing changes)."""
        body = BulkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            ids = services.actions_bulk(by=request.user, **body.validated_data)
        except DjangoValidationError as error:
            raise _drf(error) from error
        result = {"op": body.validated_data["op"], "count": len(ids), "ids": ids}
        return Response(BulkResultSerializer(result).data)

    def perform_update(self, serializer):
        try:
            serializer.instance = services.action_update(
                action=serializer.instance, by=self.request.user,
                **_plain_steps(dict(serializer.validated_data)),
            )  # fmt: skip
        except DjangoValidationError as error:
            raise _drf(error) from error


class AccountSentiment(CSVOnLists, APIView):
    """The CSM's sentiment on one account: GET its history (newest first), POST a new one."""

    lists_on_get = True

    @extend_schema(responses={200: SentimentRecordSerializer(many=True)})
    def get(self, request, pk):
        account = account_get_for_user(request.user, pk)
        rows = sentiment_history(account)[:100]
        return Response(SentimentRecordSerializer(rows, many=True).data)

    @extend_schema(request=SentimentSerializer, responses={201: SentimentSerializer})
    def post(self, request, pk):
        account = account_get_for_user(request.user, pk)
        body = SentimentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            sentiment = services.sentiment_record(account=account, by=request.user,
                                                  **body.validated_data)  # fmt: skip
        except DjangoValidationError as error:
            raise _drf(error) from error
        payload = SentimentSerializer(sentiment_payload(sentiment)).data
        return Response(payload, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[health_api.SINCE])
class AccountHealth(health_api.AccountHealth):
    """The latest score of one account, with every component's reasons, its change over 7 and
    30 days, what changed since an earlier score, and the CSM's sentiment beside it (its own
    field: sentiment never moves the score)."""

    serializer_class = HealthWithSentimentSerializer

    def get_object(self):
        score = super().get_object()
        sentiment = sentiment_payload(sentiment_latest(score.account))
        score.sentiment = sentiment
        score.flags_with_snoozes = flags_with_snoozes(
            score.flags, snoozes_active_for(score.account)
        )
        score.sentiment_disagrees = bool(sentiment) and sentiment_disagrees(
            sentiment["rating"], score.rag, sentiment["stale"]
        )
        return score


class AccountSnoozes(CSVOnLists, APIView):
    """Snoozes of one account's flags, newest first: GET lists them (ended ones too), POST
    snoozes a flag on its current score. Only alerts pause; the flag still counts."""

    lists_on_get = True

    @extend_schema(responses={200: SnoozeSerializer(many=True)})
    def get(self, request, pk):
        account = account_get_for_user(request.user, pk)
        return Response(SnoozeSerializer(snoozes_of(account)[:100], many=True).data)

    @extend_schema(request=SnoozeSerializer, responses={201: SnoozeSerializer})
    def post(self, request, pk):
        account = account_get_for_user(request.user, pk)
        body = SnoozeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            snooze = services.flag_snooze(account=account, by=request.user, **body.validated_data)
        except DjangoValidationError as error:
            raise _drf(error) from error
        return Response(SnoozeSerializer(snooze).data, status=status.HTTP_201_CREATED)


class AccountSnooze(APIView):
    """DELETE ends a running snooze early: the flag's alerts resume."""

    @extend_schema(responses={204: None})
    def delete(self, request, pk, snooze_id):
        account = account_get_for_user(request.user, pk)
        snooze = get_object_or_404(account.snoozes.select_related("snoozed_by"), pk=snooze_id)
        try:
            services.flag_snooze_end(snooze=snooze)
        except DjangoValidationError as error:
            raise _drf(error) from error
        return Response(status=status.HTTP_204_NO_CONTENT)


TYPE_PARAM = OpenApiParameter(
    "type", str, many=True, explode=False, enum=TYPES,
    description="Only these kinds of event (comma-separated or repeated).",
)  # fmt: skip
DAYS_PARAM = OpenApiParameter(
    "days", {"type": "integer", "minimum": 1, "maximum": 366},
    description="How far back, in days (1-366, 90).",
)  # fmt: skip


class AccountTimeline(CSVOnLists, APIView):
    """One account's events, newest first: score changes with the reason, flags raised and
    cleared, actions, sentiment, snoozes, notes, decisions, scorecard versions, and a daily
    summary of signals."""

    lists_on_get = True

    @extend_schema(parameters=[TYPE_PARAM, DAYS_PARAM],
                   responses={200: TimelineEventSerializer(many=True)})  # fmt: skip
    def get(self, request, pk):
        account = account_get_for_user(request.user, pk)
        # An empty type (`?type=`) is refused as an unknown one is, not read as every type.
        types = [t for raw in request.query_params.getlist("type") for t in raw.split(",")]
        query = TimelineQuerySerializer(
            data={"type": types, "days": request.query_params.get("days", 90)}
        )
        query.is_valid(raise_exception=True)
        events = account_timeline(
            account, query.validated_data.get("type") or None, query.validated_data["days"]
        )
        rows = TimelineEventSerializer([event.as_dict() for event in events], many=True).data
        return Response(rows)


class IsVP(BasePermission):
    message = "Webhooks are for VPs."

    def has_permission(self, request, view):
        return user_is_vp(request.user)


class WebhookViewSet(CSVOnLists, viewsets.ModelViewSet):
    """Where Candor tells other systems what changed (VPs only). Each delivery is signed as
    Standard Webhooks defines (`webhook-id`, `webhook-timestamp`, `webhook-signature` with the
    `whsec_` secret), and with `X-Candor-Signature: sha256=<hex HMAC-SHA256 of the body with the
    secret>`. `kind`: `generic` (Candor's JSON) or `slack` (Block Kit messages to a Slack
    incoming webhook: flag raised, entered red, renewal at risk, the daily digest)."""

    serializer_class = WebhookSerializer
    queryset = Webhook.objects.all()
    csv_actions = ("deliveries",)
    ordering = ["id"]
    ordering_fields = ["id"]
    filterset_class = WebhookFilter

    def get_permissions(self):
        return [*super().get_permissions(), IsVP()]

    @extend_schema(responses={201: WebhookCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        secret = serializer.validated_data.get("secret") or webhooks.secret_issue()
        hook = serializer.save(secret=secret, created_by=request.user)
        return Response(WebhookCreatedSerializer(hook).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={202: DeliverySerializer})
    @route(detail=True, methods=["post"])
    def ping(self, request, pk=None):
        """Send a test delivery (event `ping`) now; its result shows in the deliveries."""
        delivery = webhooks.ping_queue(self.get_object())
        webhooks.delivery_send_now(delivery.pk)
        delivery.refresh_from_db()
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: DeliverySerializer(many=True)})
    @route(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """The webhook's deliveries, newest first: status code, attempts, last error."""
        hook = self.get_object()
        page = self.paginate_queryset(hook.deliveries.order_by("-created_at", "-id"))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)
