from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from accounts.selectors import accounts_visible_to
from candor.renderers import CSVOnLists
from signals.models import Signal
from signals.services import MAX_ROWS, IngestError, signals_ingest


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
    external_id = serializers.CharField(max_length=100)
    account = serializers.IntegerField(required=False)
    account_external_id = serializers.CharField(required=False)
    kind = serializers.ChoiceField(choices=Signal._meta.get_field("kind").choices)
    occurred_at = serializers.DateTimeField()
    actor = serializers.CharField(required=False, allow_blank=True, max_length=200)
    value = serializers.CharField(required=False, allow_blank=True, max_length=255)


INGEST_REPLY = inline_serializer(
    "IngestReply", {"created": serializers.IntegerField(), "duplicates": serializers.IntegerField()}
)
INGEST_ERRORS = inline_serializer(
    "IngestErrors",
    {"errors": serializers.ListField(required=False, child=inline_serializer("RowError", {
        "index": serializers.IntegerField(allow_null=True), "field": serializers.CharField(allow_null=True),
        "message": serializers.CharField(),
    })), "detail": serializers.CharField(required=False)},
)  # fmt: skip


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
        responses={201: INGEST_REPLY, 400: INGEST_ERRORS},
        description=f"All or nothing; idempotent on external_id; at most {MAX_ROWS} rows.",
    )
    def post(self, request):
        try:
            rows = request.data
        except ParseError as error:
            message = f"Malformed request body: {error.detail}"
            return Response(
                {"errors": [{"index": None, "field": None, "message": message}]}, status=400
            )
        try:
            result = signals_ingest(rows=rows, user=request.user)
        except IngestError as error:
            return Response({"errors": error.errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {"created": result.created, "duplicates": result.duplicates},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(parameters=[OpenApiParameter("account", int)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
