from rest_framework import permissions, viewsets

from accounts.selectors import user_is_vp
from candor.renderers import CSVOnLists
from teams import services
from teams.selectors import teams_with_people
from teams.serializers import TeamSerializer


class IsVP(permissions.BasePermission):
    message = "Teams are for VPs."

    def has_permission(self, request, view):
        return user_is_vp(request.user)


class TeamViewSet(CSVOnLists, viewsets.ModelViewSet):
    """Teams (VPs only): `name`, `lead` and `members` as usernames. A team lead sees their own
    book and each member's; members are CSMs, the lead a team lead or a VP."""

    serializer_class = TeamSerializer
    ordering = ["name"]
    ordering_fields = ["name", "id"]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_permissions(self):
        return [*super().get_permissions(), IsVP()]

    def get_queryset(self):
        return teams_with_people()

    def perform_create(self, serializer):
        serializer.instance = services.team_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.team_update(
            team=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.team_delete(team=instance)
