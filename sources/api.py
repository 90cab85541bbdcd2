"""The sources API (VPs only): make a source (its key in the reply, once), change its name,
default CSM and trait map, revoke or rotate its key, read and change its event map."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.selectors import user_is_vp
from sources import selectors, services
from sources.serializers import (
    EventMappingChangeSerializer,
    EventMappingSerializer,
    SourceSerializer,
    SourceWithKeySerializer,
    event_changes_serializer,
)


class IsVP(permissions.BasePermission):
    message = "Sources are for VPs of Customer Success."

    def has_permission(self, request, view):
        return user_is_vp(request.user)


class SourceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = SourceSerializer
    permission_classes = [permissions.IsAuthenticated, IsVP]
    filter_backends = []

    def get_queryset(self):
        return selectors.sources_list()

    @extend_schema(request=SourceSerializer, responses={201: SourceWithKeySerializer})
    def create(self, request):
        serializer = SourceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        source, key = services.source_create(created_by=request.user, **serializer.validated_data)
        return _with_key(source, key, status.HTTP_201_CREATED)

    @extend_schema(request=SourceSerializer, responses=SourceSerializer)
    def partial_update(self, request, pk=None):
        serializer = SourceSerializer(self.get_object(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        source = services.source_update(source=serializer.instance, **serializer.validated_data)
        return Response(SourceSerializer(source).data)

    @extend_schema(request=None, responses=SourceSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        source = services.source_revoke(source=self.get_object())
        return Response(SourceSerializer(source).data)

    @extend_schema(request=None, responses=SourceWithKeySerializer)
    @action(detail=True, methods=["post"], url_path="rotate-key")
    def rotate_key(self, request, pk=None):
        source, key = services.source_key_rotate(source=self.get_object())
        return _with_key(source, key, status.HTTP_200_OK)

    @extend_schema(methods=["GET"], responses=EventMappingSerializer(many=True))
    @extend_schema(
        methods=["PATCH"], request=EventMappingChangeSerializer(many=True),
        responses=EventMappingSerializer(many=True),
    )  # fmt: skip
    @action(detail=True, methods=["get", "patch"], serializer_class=EventMappingSerializer)
    def events(self, request, pk=None):
        source = self.get_object()
        if request.method == "PATCH":
            changes = event_changes_serializer(request.data)
            changes.is_valid(raise_exception=True)
            services.event_mappings_update(source=source, changes=changes.validated_data)
        mappings = selectors.source_event_map(source=source)
        return Response(EventMappingSerializer(mappings, many=True).data)


def _with_key(source, key, code) -> Response:
    data = SourceWithKeySerializer(source).data
    data["key"] = key
    return Response(data, status=code)
