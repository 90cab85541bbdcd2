"""The roles Candor has, and which one a person holds.

A role is a Django group of the same name. A person in several holds the strongest, in the
order of `ROLES`. What each role may see is decided in one place, `accounts_visible_to`.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import models


class Role(models.TextChoices):
    VP = "vp", "VP of Customer Success"
    TEAM_LEAD = "team_lead", "Team lead"
    CSM = "csm", "CSM"
    SALES = "sales", "Account executive"
    PRODUCT = "product", "Product manager"
    FINANCE = "finance", "Finance analyst"


# Strongest first: a person in both `vp` and `csm` is a VP; a team lead who also carries a book
# is a team lead (their own book is part of what a lead sees).
ROLES = (Role.VP, Role.TEAM_LEAD, Role.CSM, Role.FINANCE, Role.PRODUCT, Role.SALES)

ROLE_MEMO = "_candor_role"


def user_role(user: AbstractBaseUser) -> str | None:
    """The person's role, or None (signed out, inactive, or in no role's group).

    Staff and superusers count as VPs. The answer is kept on the user object for the request."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser or user.is_staff:
        return Role.VP
    memo = getattr(user, ROLE_MEMO, False)
    if memo is False:
        names = set(user.groups.values_list("name", flat=True))
        memo = next((role for role in ROLES if role in names), None)
        setattr(user, ROLE_MEMO, memo)
    return memo


def forget_role(user) -> None:
    vars(user).pop(ROLE_MEMO, None)
