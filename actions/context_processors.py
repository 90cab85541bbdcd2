from actions.selectors import open_actions_count


def open_actions(request) -> dict:
    """The navigation's count of the person's own open actions: one indexed count, made only
    when a template reads it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"open_actions_count": lambda: open_actions_count(user)}
