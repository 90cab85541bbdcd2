"""Reads about accounts, and the one place where 'who may see what' is decided.

Views, the API and commands all ask `accounts_visible_to(user)`; nobody filters by CSM by hand.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Account, ObjectiveSignature, SharedObjective

CSM_GROUP = "csm"
VP_GROUP = "vp"


def user_is_vp(user: AbstractBaseUser) -> bool:
    """VPs, staff and superusers see the whole portfolio."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return user.groups.filter(name=VP_GROUP).exists()


def accounts_visible_to(user: AbstractBaseUser) -> QuerySet[Account]:
    if not user.is_authenticated or not user.is_active:
        return Account.objects.none()
    if user_is_vp(user):
        return Account.objects.all()
    return Account.objects.filter(csm=user)


def account_get_for_user(user: AbstractBaseUser, pk: int) -> Account:
    """The account, or 404 — also when it exists but belongs to another CSM's book."""
    return get_object_or_404(accounts_visible_to(user).select_related("csm"), pk=pk)


KEY_ROLE_LABELS = {
    "exec_sponsor": "Exec sponsor",
    "project_sponsor": "Project sponsor",
    "operating_owner": "Operating owner",
}


def account_page_data(account: Account) -> dict:
    """Everything the account page shows, in a fixed number of queries."""
    from health.selectors import account_health_for_page

    stakeholders = list(account.stakeholders.all())
    present = {s.role for s in stakeholders if s.active}
    objective = SharedObjective.objects.filter(account=account).first()
    signatures = (
        list(ObjectiveSignature.objects.filter(objective=objective).select_related("stakeholder"))
        if objective
        else []
    )
    signed_roles = {sig.stakeholder.role for sig in signatures}
    milestones = list(account.milestones.all())
    return {
        "account": account,
        "stakeholders": stakeholders,
        "missing_roles": [label for role, label in KEY_ROLE_LABELS.items() if role not in present],
        "gone": [s for s in stakeholders if not s.active],
        "objective": objective,
        "signatures": signatures,
        "unsigned_roles": [
            label for role, label in KEY_ROLE_LABELS.items() if role not in signed_roles
        ],
        "decisions": list(account.decisions.select_related("owner")),
        "commitments": list(account.commitments.all()),
        "tasks": [m for m in milestones if m.kind == "task"],
        "outcomes": [m for m in milestones if m.kind == "outcome"],
        "notes": list(account.notes.select_related("author")[:20]),
        "recent_signals": list(account.signals.order_by("-occurred_at")[:15]),
        **account_health_for_page(account),
    }
