"""Reads about accounts, and the one place where 'who may see what' is decided.

Views, the API and commands all ask `accounts_visible_to(user)`; nobody filters by CSM by hand.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Account

CSM_GROUP = "csm"
VP_GROUP = "vp"


VP_MEMO = "_candor_is_vp"


def user_is_vp(user: AbstractBaseUser) -> bool:
    """VPs, staff and superusers see the whole portfolio.

    The answer is kept on the user object: a request loads its user once, and a page asks
    many times. A role changed meanwhile counts from the user's next request."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.is_staff:
        return True
    memo = getattr(user, VP_MEMO, None)
    if memo is None:
        memo = user.groups.filter(name=VP_GROUP).exists()
        setattr(user, VP_MEMO, memo)
    return memo


def sees_every_account(prefix: str = "") -> Q:
    """user_is_vp as a filter on users (or, with `prefix` such as "owner__", on a relation)."""
    return (
        Q(**{f"{prefix}is_superuser": True})
        | Q(**{f"{prefix}is_staff": True})
        | Q(**{f"{prefix}groups__name": VP_GROUP})
    )


def accounts_visible_to(user: AbstractBaseUser) -> QuerySet[Account]:
    if not user.is_authenticated or not user.is_active:
        return Account.objects.none()
    if user_is_vp(user):
        return Account.objects.all()
    return Account.objects.filter(csm=user)


def account_visible_to(user, account: Account) -> bool:
    """Whether `user` may see `account` (the same gate as accounts_visible_to, for one row)."""
    return user is not None and accounts_visible_to(user).filter(pk=account.pk).exists()


def account_get_for_user(user: AbstractBaseUser, pk: int) -> Account:
    """The account, or 404 — also when it exists but belongs to another CSM's book."""
    return get_object_or_404(accounts_visible_to(user).select_related("csm"), pk=pk)


def csm_usernames_with_books(user: AbstractBaseUser) -> list[str]:
    """The CSMs who own at least one account the user may see, by username: what a VP picks
    from to look at one CSM's book (a probe of the csm index per person, not a scan)."""
    owns = accounts_visible_to(user).filter(csm=OuterRef("pk"))
    people = get_user_model().objects.filter(Exists(owns)).order_by("username")
    return list(people.values_list("username", flat=True))


def import_progress_key(import_id: int) -> str:
    return f"candor:csv-import:{import_id}:progress"


def csv_import_progress(csv_import) -> dict:
    """What the import page's progress bar polls: the row's status and outcome, and while
    it runs, the phase and rows written so far (left in the cache by the run)."""
    from django.core.cache import cache

    live = cache.get(import_progress_key(csv_import.pk)) or {}
    total = live.get("total") or csv_import.rows or 0
    done = total if csv_import.status == "done" else live.get("done", 0)
    return {
        "status": csv_import.status,
        "phase": live.get("phase", csv_import.status),
        "done": done,
        "total": total,
        "percent": round(done / total * 100)
        if total
        else (100 if csv_import.status == "done" else 0),
        "created": csv_import.created,
        "updated": csv_import.updated,
        "errors": csv_import.errors,
        "error_count": csv_import.error_count,
        "finished": csv_import.status in ("done", "failed"),
    }
