from rest_framework import mixins, viewsets
from rest_framework.exceptions import PermissionDenied

from accounts.filters import AccountFilter, ChildFilter
from accounts.models import Commitment, Decision, OnboardingMilestone, SharedObjective, Stakeholder
from accounts.roles import Role, user_writes
from accounts.selectors import HANDOFF_FIELDS, accounts_visible_to, user_may_edit_handoff
from accounts.serializers import (
    AccountSerializer,
    CommitmentSerializer,
    DecisionSerializer,
    MilestoneSerializer,
    ObjectiveSerializer,
    StakeholderSerializer,
)
from accounts.services import account_rescore_on_commit
from candor.renderers import CSVOnLists


class AccountViewSet(
    CSVOnLists, mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin, viewsets.GenericViewSet,
):  # fmt: skip
    """Accounts in the caller's book (a VP's book is the whole portfolio). An account
    executive PATCHes only the handoff context (`handoff_*`) of the accounts they sold."""

    serializer_class = AccountSerializer
    filterset_class = AccountFilter
    ordering_fields = [
        "name",
        "arr",
        "renewal_date",
        "contract_start",
        "current_health__overall",
        "id",
    ]
    ordering = ["id"]
    also_written_by = (Role.SALES,)

    def get_queryset(self):
        return accounts_visible_to(self.request.user).select_related(
            "csm", "sales_owner", "current_health"
        )

    def create(self, request, *args, **kwargs):
        if not user_writes(request.user):
            raise PermissionDenied("An account executive does not create accounts.")
        return super().create(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        if not user_writes(request.user):
            self._handoff_only(request)
        return super().update(request, *args, **kwargs)

    def _handoff_only(self, request):
        beyond = sorted(set(request.data) - HANDOFF_FIELDS)
        if beyond:
            raise PermissionDenied(
                f"An account executive writes only the handoff context, not {', '.join(beyond)}."
            )
        if not user_may_edit_handoff(request.user, self.get_object()):
            raise PermissionDenied("Only the account executive who sold it writes its handoff.")


def child_viewset(model, serializer, related=()):
    """A viewset over one of the account's children, scoped to the caller's accounts."""

    class ChildViewSet(CSVOnLists, viewsets.ModelViewSet):
        serializer_class = serializer
        filterset_class = ChildFilter
        ordering_fields = ["id"]
        ordering = ["id"]
        http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

        def get_queryset(self):
            visible = accounts_visible_to(self.request.user)
            return model.objects.filter(account__in=visible).select_related(*related)

        def perform_create(self, serializer):
            super().perform_create(serializer)
            account_rescore_on_commit(account_ids=[serializer.instance.account_id])

        def perform_update(self, serializer):
            before = serializer.instance.account_id
            super().perform_update(serializer)
            account_rescore_on_commit(account_ids=[before, serializer.instance.account_id])

        def perform_destroy(self, instance):
            account_rescore_on_commit(account_ids=[instance.account_id])
            super().perform_destroy(instance)

    ChildViewSet.__name__ = f"{model.__name__}ViewSet"
    ChildViewSet.__qualname__ = ChildViewSet.__name__
    return ChildViewSet


StakeholderViewSet = child_viewset(Stakeholder, StakeholderSerializer)
CommitmentViewSet = child_viewset(Commitment, CommitmentSerializer)
MilestoneViewSet = child_viewset(OnboardingMilestone, MilestoneSerializer)
DecisionViewSet = child_viewset(Decision, DecisionSerializer)


class ObjectiveViewSet(child_viewset(SharedObjective, ObjectiveSerializer)):
    def get_queryset(self):
        return super().get_queryset().prefetch_related("signed_by")
