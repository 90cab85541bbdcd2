from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.response import Response

from accounts.selectors import accounts_visible_to, user_is_vp
from candor.parsers import JSONParser, RequestTooLarge
from candor.renderers import CSVOnLists
from signals.models import Signal, SignalKindDef
from signals.selectors import signal_kinds
from signals.services import (
    LIMITS,
    MAX_ROWS,
    IngestError,
    signal_kind_delete,
    signal_kind_register,
    signal_kind_update,
    signals_ingest,
)


class SignalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Signal
        fields = [
            "id",
            "external_id",
            "account",
            "kind",
            "occurred_at",
            "actor",
            "value",
            "source",
            "received_at",
        ]


class SignalInSerializer(serializers.Serializer):
    """One pushed signal, as the docs show it; `signals.services` parses the batch with the
    same field names and LIMITS."""

    external_id = serializers.CharField(max_length=LIMITS["external_id"])
    account = serializers.IntegerField(required=False)
    account_external_id = serializers.CharField(required=False)
    kind = serializers.CharField(
        max_length=30, help_text="A registered kind: see GET /api/v1/signal-kinds/."
    )
    occurred_at = serializers.DateTimeField()
    actor = serializers.CharField(required=False, allow_blank=True, max_length=LIMITS["actor"])
    value = serializers.CharField(required=False, allow_blank=True, max_length=LIMITS["value"])
    source = serializers.CharField(required=False, allow_blank=True, max_length=LIMITS["source"])


INGEST_REPLY = inline_serializer(
    "IngestReply", {"created": serializers.IntegerField(), "duplicates": serializers.IntegerField()}
)
INGEST_ERRORS = inline_serializer(
    "IngestErrors",
    {"errors": serializers.ListField(required=False, child=inline_serializer("RowError", {
        "index": serializers.IntegerField(allow_null=True), "field": serializers.CharField(allow_null=True),
        "code": serializers.CharField(help_text="invalid, required, unknown_field, too_long, "
                                      "out_of_range, invalid_unicode, retired, not_found or "
                                      "conflict"),
        "message": serializers.CharField(),
    })), "detail": serializers.CharField(required=False)},
)  # fmt: skip


INGEST_DESCRIPTION = f"""All or nothing, at most {MAX_ROWS} rows.

Idempotent per account: a signal's key is (`account`, `external_id`). Re-sending a key with the
same `kind`, `occurred_at`, `actor` and `value` counts as a duplicate; with any of them different
the whole batch is refused with 409 and a row error of code `conflict`, and nothing is stored.

`occurred_at` is an ISO 8601 date-time **with an offset** (`Z` or `+02:00`): a naive time is
refused, never guessed. It must lie between 2000-01-01 and 5 minutes after the server's clock.
Text fields must be valid Unicode (no lone surrogates, no NUL): `external_id` at most 100
characters, `actor` 200, `value` 255, `source` 50; a number given for a text field must be
finite and within +-1e12. Row errors are `{{index, field, code, message}}`.
"""


class SignalListCreate(CSVOnLists, generics.ListAPIView):
    """List signals of the caller's accounts (`?account=`), or push up to 10,000 at once."""

    serializer_class = SignalSerializer
    parser_classes = [JSONParser]
    filterset_fields = ["account", "kind"]
    ordering_fields = ["occurred_at", "id"]
    ordering = ["-occurred_at", "-id"]

    def get_queryset(self):
        return Signal.objects.filter(account__in=accounts_visible_to(self.request.user))

    @extend_schema(
        request=SignalInSerializer(many=True),
        responses={201: INGEST_REPLY, 400: INGEST_ERRORS, 409: INGEST_ERRORS},
        description=INGEST_DESCRIPTION,
    )
    def post(self, request):
        try:
            rows = request.data
        except (ParseError, RequestTooLarge) as error:
            message = f"Malformed request body: {error.detail}"
            if isinstance(error, RequestTooLarge):
                message = str(error.detail)
            row_error = {"index": None, "field": None, "code": error.default_code}
            return Response({"errors": [{**row_error, "message": message}]}, error.status_code)
        try:
            result = signals_ingest(rows=rows, user=request.user)
        except IngestError as error:
            return Response({"errors": error.errors}, status=error.status)
        return Response(
            {"created": result.created, "duplicates": result.duplicates},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(parameters=[OpenApiParameter("account", int)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SignalKindSerializer(serializers.ModelSerializer):
    retired = serializers.BooleanField(
        required=False, help_text="Retired: refused at ingest; the signals it has stay."
    )

    class Meta:
        model = SignalKindDef
        fields = ["code", "label", "category", "builtin", "retired", "retired_at", "created_at"]
        read_only_fields = ["builtin", "retired_at", "created_at"]
        extra_kwargs = {
            "code": {"help_text": "Lower-case letters, digits and '_', e.g. 'invoice_paid'."},
            "category": {"help_text": "value, usage, people, support or survey."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            self.fields["code"].read_only = True  # the key signals carry: never renamed

    def validate_code(self, code):
        if SignalKindDef.objects.filter(code=code).exists():
            raise serializers.ValidationError(f"The kind '{code}' is already registered.")
        return code

    def create(self, validated_data):
        validated_data.pop("retired", None)
        return signal_kind_register(**validated_data)

    def update(self, instance, validated_data):
        try:
            return signal_kind_update(kind=instance, **validated_data)
        except DjangoValidationError as error:
            raise ValidationError(serializers.as_serializer_error(error)) from error


class WritesForVPs(permissions.BasePermission):
    message = "Only a VP registers, edits, retires or deletes signal kinds."

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or user_is_vp(request.user)


class SignalKindViewSet(
    CSVOnLists, mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet,
):  # fmt: skip
    """The signal kinds Candor accepts: the twelve built in and any a company registers.

    A signal of an unregistered or retired kind is refused, so register a kind before sending
    it. Its category says what it is; a kind of category `value` can then be named among a
    scorecard's value kinds (what proves the customer got what they bought). Everyone reads
    them; only a VP registers, relabels, retires (`PATCH {"retired": true}`) or deletes one.
    A used kind (signals carry it, a milestone or scorecard names it) keeps its category and
    cannot be deleted, only retired; the built-in kinds stay as they are.
    """

    serializer_class = SignalKindSerializer
    permission_classes = [permissions.IsAuthenticated, WritesForVPs]
    lookup_field = "code"
    pagination_class = None
    ordering = ["code"]
    ordering_fields = ["code"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return signal_kinds()

    def perform_destroy(self, instance):
        try:
            signal_kind_delete(kind=instance)
        except DjangoValidationError as error:
            raise ValidationError({"detail": error.messages}) from error
