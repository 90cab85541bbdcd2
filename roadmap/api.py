"""/api/v1/roadmap-items/: the roadmap, each item with the commitments riding on it that the
caller may see. Product managers and VPs create and change items; everyone else reads."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated

from accounts.permissions import RoleWrites
from accounts.roles import Role
from candor.renderers import CSVOnLists
from roadmap import services
from roadmap.selectors import (
    roadmap_commitments_visible_to,
    roadmap_items_visible_to,
    roadmap_may_change,
)
from roadmap.serializers import RoadmapItemSerializer


class ChangesRoadmap(BasePermission):
    message = "Only product managers and VPs change the roadmap."

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or roadmap_may_change(request.user)


def _drf(error: DjangoValidationError) -> ValidationError:
    return ValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages)


class RoadmapItemViewSet(
    CSVOnLists, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    mixins.UpdateModelMixin, viewsets.GenericViewSet,
):  # fmt: skip
    """Roadmap items. Changing `product_status` applies it to the item's commitments,
    rescores their accounts, puts the change on each account's timeline and, where a
    commitment gap opens, gives the account's CSM an action; all or nothing."""

    serializer_class = RoadmapItemSerializer
    permission_classes = [IsAuthenticated, RoleWrites, ChangesRoadmap]
    also_written_by = (Role.PRODUCT,)
    ordering_fields = ["title", "id", "updated_at"]
    ordering = ["title"]

    def get_queryset(self):
        user = self.request.user
        promises = roadmap_commitments_visible_to(user).select_related("account__current_health")
        return roadmap_items_visible_to(user).prefetch_related(
            Prefetch("commitments", queryset=promises, to_attr="visible_commitments")
        )

    def perform_create(self, serializer):
        try:
            item = services.roadmap_item_create(by=self.request.user, **serializer.validated_data)
        except DjangoValidationError as error:
            raise _drf(error) from error
        item.visible_commitments = []
        serializer.instance = item

    def perform_update(self, serializer):
        try:
            services.roadmap_item_update(
                item=serializer.instance, by=self.request.user, **serializer.validated_data
            )
        except DjangoValidationError as error:
            raise _drf(error) from error
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)
