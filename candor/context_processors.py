from accounts.selectors import user_is_vp


def roles(request) -> dict:
    """`is_vp` for the navigation, computed once per request, only when a template asks."""
    return {"is_vp": lambda: user_is_vp(request.user) if hasattr(request, "user") else False}
