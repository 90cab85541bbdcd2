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


# The roles that change the accounts they see. The others read: an account executive writes
# only the handoff context of the accounts they sold (accounts.selectors.user_may_edit_handoff),
# a product manager only the roadmap; finance writes nothing.
WRITERS = frozenset({Role.VP, Role.TEAM_LEAD, Role.CSM})
READERS = frozenset({Role.SALES, Role.PRODUCT, Role.FINANCE})

# Who sees the whole company's numbers on the portfolio page.
PORTFOLIO_ROLES = frozenset({Role.VP, Role.FINANCE})

# Who sees the renewal forecast of the accounts they see: the roles that hold books, and finance.
# An account executive's or product manager's accounts are a slice (sold, promised), not a book.
FORECAST_ROLES = PORTFOLIO_ROLES | {Role.TEAM_LEAD, Role.CSM}

# Who looks at books by CSM: the team page, and the book page's CSM picker.
TEAM_ROLES = frozenset({Role.VP, Role.TEAM_LEAD})
CSM_PICKER_ROLES = TEAM_ROLES | {Role.FINANCE}


def user_writes(user: AbstractBaseUser) -> bool:
    """Whether the person changes the accounts they see (notes, decisions, actions...)."""
    return user_role(user) in WRITERS


def user_sees_portfolio(user: AbstractBaseUser) -> bool:
    """The portfolio: VPs and finance (a team lead has the team page)."""
    return user_role(user) in PORTFOLIO_ROLES


def user_sees_forecast(user: AbstractBaseUser) -> bool:
    """The renewal forecast of the accounts the person sees: everyone but sales and product."""
    return user_role(user) in FORECAST_ROLES


def user_sees_teams(user: AbstractBaseUser) -> bool:
    """The team page: a VP sees every team, a team lead theirs."""
    return user_role(user) in TEAM_ROLES


def user_picks_csm(user: AbstractBaseUser) -> bool:
    """Whether the book page offers one CSM's book out of the several the person sees."""
    return user_role(user) in CSM_PICKER_ROLES
