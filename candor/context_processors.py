from accounts.roles import (
    user_picks_csm,
    user_sees_forecast,
    user_sees_portfolio,
    user_sees_teams,
    user_writes,
)
from accounts.selectors import user_is_vp
from lenses.selectors import sales_lens_allowed, terms_lens_allowed


def roles(request) -> dict:
    """What the navigation and pages ask of the person's role, computed once per request and
    only when a template asks."""
    user = getattr(request, "user", None)

    def ask(predicate):
        return lambda: predicate(user) if user is not None else False

    return {
        "is_vp": ask(user_is_vp),
        "sees_portfolio": ask(user_sees_portfolio),
        "sees_forecast": ask(user_sees_forecast),
        "sees_teams": ask(user_sees_teams),
        "sees_sales_lens": ask(sales_lens_allowed),
        "sees_terms_lens": ask(terms_lens_allowed),
        "picks_csm": ask(user_picks_csm),
        "writes": ask(user_writes),
    }
