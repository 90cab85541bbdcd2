"""API keys: issue (`key` shown once), list with `last_used_at`, revoke. Managed by people
signed in or with their own token, never with an API key."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action as route
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from accounts.roles import READERS
from accounts.selectors import user_is_vp
from candor.renderers import CSVOnLists
from integrations import services
from integrations.models import ApiKey
from integrations.selectors import api_key_get_for_user, api_keys_visible_to
from integrations.serializers import (
    ApiKeyCreatedSerializer,
    ApiKeyCreateSerializer,
    ApiKeySerializer,
)


class NotWithAnApiKey(BasePermission):
    message = "API keys are managed by a person, not with an API key."

    def has_permission(self, request, view):
        return not isinstance(request.auth, ApiKey)


class ApiKeyViewSet(
    CSVOnLists, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Keys for integrations: a VP sees and revokes everyone's, anyone else their own."""

    serializer_class = ApiKeySerializer
    queryset = ApiKey.objects.none()  # the schema's model; requests read get_queryset
    lookup_value_regex = r"\d+"
    ordering = ["-created", "-id"]
    ordering_fields = ["created", "id"]
    filterset_fields = ["revoked"]
    also_written_by = READERS  # everyone manages their own keys; a key reads as its owner

    def get_permissions(self):
        return [*super().get_permissions(), NotWithAnApiKey()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiKey.objects.none()
        return api_keys_visible_to(self.request.user)

    def get_object(self):
        return api_key_get_for_user(self.request.user, self.kwargs["pk"])

    @extend_schema(request=ApiKeyCreateSerializer, responses={201: ApiKeyCreatedSerializer})
    def create(self, request):
        given = ApiKeyCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        owner = data.get("user") or request.user
        if owner != request.user and not user_is_vp(request.user):
            raise PermissionDenied("Only a VP may issue a key for someone else.")
        api_key, key = services.api_key_create(
            owner=owner, name=data["name"], scopes=data["scopes"],
            expires_at=data.get("expires_at"), created_by=request.user,
        )  # fmt: skip
        api_key.key = key
        return Response(ApiKeyCreatedSerializer(api_key).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ApiKeySerializer})
    @route(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke the key for good: it is refused (401) from the next request on."""
        api_key = services.api_key_revoke(api_key=self.get_object())
        return Response(ApiKeySerializer(api_key).data)
