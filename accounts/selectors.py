"""Reads about accounts, and the one place where 'who may see what' is decided.

Views, the API and commands all ask `accounts_visible_to(user)`; nobody filters by CSM by hand.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Account

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


def csm_usernames_with_books(user: AbstractBaseUser) -> list[str]:
    """The CSMs who own at least one account the user may see, by username: what a VP picks
    from to look at one CSM's book (a probe of the csm index per person, not a scan)."""
    owns = accounts_visible_to(user).filter(csm=OuterRef("pk"))
    people = get_user_model().objects.filter(Exists(owns)).order_by("username")
    return list(people.values_list("username", flat=True))
