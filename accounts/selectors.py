"""Reads about accounts, and the one place where 'who may see what' is decided.

Views, the API and commands all ask `accounts_visible_to(user)`; nobody filters by CSM by hand.
"""

import hashlib

import pandas as pd
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts import retention
from accounts.models import Account, ArrChange, Commitment, Team
from accounts.roles import Role, user_role, user_writes

CSM_GROUP = Role.CSM.value
VP_GROUP = Role.VP.value


def user_is_vp(user: AbstractBaseUser) -> bool:
    """VPs, staff and superusers see the whole portfolio and may change anything.

    The role is kept on the user object: a request loads its user once, and a page asks
    many times. A role changed meanwhile counts from the user's next request."""
    return user_role(user) == Role.VP


def sees_every_account(prefix: str = "") -> Q:
    """user_is_vp as a filter on users (or, with `prefix` such as "owner__", on a relation):
    the people who see and may change every account. Finance sees every account too but
    changes none, so it is not here (it owns no action)."""
    return (
        Q(**{f"{prefix}is_superuser": True})
        | Q(**{f"{prefix}is_staff": True})
        | Q(**{f"{prefix}groups__name": VP_GROUP})
    )


def _team_books(user) -> Q:
    """The accounts of the CSMs on the teams `user` leads."""
    led = Team.members.through.objects.filter(team__lead=user).values("user_id")
    return Q(csm_id__in=led)


def _promised() -> Q:
    """The accounts that carry a commitment: what a product manager's roadmap rides on."""
    return Q(Exists(Commitment.objects.filter(account=OuterRef("pk"))))


def accounts_visible_to(user: AbstractBaseUser) -> QuerySet[Account]:
    """Who sees which account. Everyone sees the book they own as CSM; beyond it:
    VP and finance: every account (finance reads only); team lead: their team's books;
    account executive: the accounts they sold; product manager: the accounts that carry
    a commitment."""
    role = user_role(user)
    if role is None:
        return Account.objects.none()
    if role in (Role.VP, Role.FINANCE):
        return Account.objects.all()
    own = Q(csm=user)
    if role == Role.TEAM_LEAD:
        own |= _team_books(user)
    elif role == Role.SALES:
        own |= Q(sales_owner=user)
    elif role == Role.PRODUCT:
        own |= _promised()
    return Account.objects.filter(own)


def account_visible_to(user, account: Account) -> bool:
    """Whether `user` may see `account` (the same gate as accounts_visible_to, for one row)."""
    return user is not None and accounts_visible_to(user).filter(pk=account.pk).exists()


def account_get_for_user(user: AbstractBaseUser, pk: int) -> Account:
    """The account, or 404 — also when it exists but belongs to another CSM's book."""
    return get_object_or_404(accounts_visible_to(user).select_related("csm"), pk=pk)


HANDOFF_FIELDS = frozenset(
    {"handoff_why_bought", "handoff_real_needs", "handoff_signed_for", "handoff_urgency",
     "handoff_politics"}
)  # fmt: skip


def user_may_edit_account(user: AbstractBaseUser, account: Account) -> bool:
    """Whether `user` may change `account`: a role that writes (accounts.roles.WRITERS), on an
    account it sees."""
    return user_writes(user) and account_visible_to(user, account)


def user_may_edit_handoff(user: AbstractBaseUser, account: Account) -> bool:
    """Whether `user` may write the account's handoff context: whoever may change the account,
    and the account executive who sold it (the context is theirs to hand over)."""
    if user_role(user) == Role.SALES:
        return account.sales_owner_id == user.pk
    return user_may_edit_account(user, account)


def account_get_for_writing(user: AbstractBaseUser, pk: int) -> Account:
    """The account for a change: 404 when the user does not see it, 403 when they see it but
    their role only reads."""
    account = account_get_for_user(user, pk)
    if not user_writes(user):
        raise PermissionDenied("Your role reads accounts; it does not change them.")
    return account


def user_may_own_book(user: AbstractBaseUser, csm) -> bool:
    """Whether `user` may make `csm` an account's owner: a VP anyone, a team lead themselves or
    a CSM of a team they lead, anyone else only themselves."""
    if csm == user or user_is_vp(user):
        return True
    return (
        user_role(user) == Role.TEAM_LEAD and Team.objects.filter(lead=user, members=csm).exists()
    )


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


def import_mapping_remembered(*, kind: str, headers_key: str, user):
    """The mapping kept for files of `kind` with these headers: the user's own, else the one
    kept for everyone; None when there is neither."""
    from django.db.models import F, Q

    from accounts.models import ImportMapping

    found = ImportMapping.objects.filter(kind=kind, headers_key=headers_key)
    found = found.filter(Q(user=user) | Q(user__isnull=True))
    return found.order_by(F("user").asc(nulls_last=True)).first()


def crm_data_imported() -> dict:
    """What has come in from the CRM so far (the "Connect your data" page reads it): accounts,
    how many of them an import created, the accounts with a recorded outcome (renewed or
    churned, with its day) and of those the churns and renewals that label a backtest, and when
    each kind of file was last imported (None: never)."""
    from django.db.models import Count, Max, Q, Sum

    from accounts.models import CsvImport, ImportKind, ImportStatus

    ended = Q(outcome_on__isnull=False)
    counts = Account.objects.aggregate(
        accounts=Count("pk"),
        with_outcome=Count("pk", filter=ended & Q(outcome__in=["churned", "renewed"])),
        churned=Count("pk", filter=ended & Q(outcome="churned")),
        renewed=Count("pk", filter=ended & Q(outcome="renewed")),
    )
    done = CsvImport.objects.filter(status=ImportStatus.DONE)
    created = done.filter(kind=ImportKind.ACCOUNTS).aggregate(n=Sum("created"))["n"] or 0
    last = dict(
        done.values_list("kind").annotate(last=Max("finished_at")).values_list("kind", "last")
    )
    return {
        **counts,
        "accounts_imported": created,
        "last_imported": {kind: last.get(kind) for kind in ImportKind.values},
    }


def retention_frames(accounts: QuerySet[Account], extra: dict[str, str] | None = None):
    """(accounts: id, contract_start, churned_on; their ARR history: account_id, valid_from,
    arr), the two frames accounts.retention reads. `extra` {column: field or annotation} adds
    columns to the accounts' frame, read in the same query (a lens grouping them)."""
    extra = extra or {}
    rows = accounts.order_by().values_list(
        "id", "contract_start", "outcome", "outcome_on", *extra.values()
    )
    people = pd.DataFrame(
        list(rows), columns=["id", "contract_start", "outcome", "churned_on", *extra]
    )
    people["churned_on"] = people["churned_on"].where(people["outcome"] == "churned")
    people["contract_start"] = pd.to_datetime(people["contract_start"])
    people["churned_on"] = pd.to_datetime(people["churned_on"])
    history = ArrChange.objects.filter(account__in=accounts.order_by().values("pk"))
    history = history.order_by("valid_from").values_list("account_id", "valid_from", "arr")
    changes = pd.DataFrame(list(history), columns=["account_id", "valid_from", "arr"])
    changes["valid_from"] = pd.to_datetime(changes["valid_from"])
    changes["arr"] = changes["arr"].astype(float)
    return people, changes


def retention_summary(accounts: QuerySet[Account], today=None) -> dict:
    """{grr, nrr, retention}: GRR and NRR over the trailing twelve months, and in `retention`
    that window's movements, each of the last twelve months' and each start-quarter cohort's
    (accounts.retention holds the one definition). Remembered until an account or its ARR
    changes, or the day turns."""
    today = today or timezone.now().date()
    version = accounts.aggregate(n=Count("pk"), arr=Sum("arr"), edited=Max("updated_at"))
    version |= ArrChange.objects.aggregate(changes=Count("pk"), newest=Max("pk"))
    inputs = f"{accounts.query}|{today}|{sorted(version.items())}"
    key = f"candor:retention:{hashlib.sha256(inputs.encode()).hexdigest()}"
    return cache.get_or_set(key, lambda: _retention(accounts, today), 24 * 3600)


def _retention(accounts, today) -> dict:
    people, changes = retention_frames(accounts)
    year = retention.trailing_year(people, changes, today)
    return {
        "grr": year["grr"],
        "nrr": year["nrr"],
        "retention": {
            "trailing_twelve_months": year,
            "by_month": retention.by_month(people, changes, today),
            "by_cohort": retention.by_cohort(people, changes, today),
        },
    }
