"""Reads of /my-work/: whose open actions a person works through, in due buckets.

A CSM (or anyone carrying actions) sees their own; a team lead their team's CSMs' and their
own; a VP everyone's, counted by CSM. Always on accounts `accounts_visible_to` lets them see.
A fixed number of queries whatever the portfolio's size: the counts per bucket (per bucket
and CSM for leads and VPs, summed for the buckets) in one statement, and one slice of rows
per bucket, read in the order of the `action_open_due_idx` index.
"""

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts.models import Team
from accounts.roles import Role, user_role
from actions.models import Action, ActionStatus
from actions.selectors import Due, actions_visible_to, due_q

ROWS_PER_BUCKET = 100


def work_scope(user) -> QuerySet[Action]:
    """The open actions /my-work/ is about."""
    rows = actions_visible_to(user).filter(status=ActionStatus.OPEN)
    role = user_role(user)
    if role == Role.VP:
        return rows
    if role == Role.TEAM_LEAD:
        return rows.filter(Q(owner=user) | Q(owner_id__in=_team_member_ids(user)))
    return rows.filter(owner=user)


def _team_member_ids(lead) -> QuerySet:
    return Team.members.through.objects.filter(team__lead=lead).values("user_id")


def sees_others_work(user) -> bool:
    """Leads and VPs see other people's actions: they filter and count by CSM."""
    return user_role(user) in (Role.VP, Role.TEAM_LEAD)


def work_owners(user) -> list[str]:
    """Whom a lead or VP may filter by: the people whose actions they see."""
    people = get_user_model().objects.filter(is_active=True)
    if user_role(user) == Role.TEAM_LEAD:
        people = people.filter(Q(pk=user.pk) | Q(pk__in=_team_member_ids(user)))
    else:
        # A probe of action_status_owner_idx per person, not a scan of the open actions.
        carries = Action.objects.filter(owner=OuterRef("pk"), status=ActionStatus.OPEN)
        people = people.filter(Exists(carries))
    return list(people.order_by("username").values_list("username", flat=True))


def work_filtered(rows: QuerySet[Action], filters: dict) -> QuerySet[Action]:
    """Narrowed by rule, the account's colour and the owner (a username)."""
    if filters.get("rule"):
        rows = rows.filter(rule=filters["rule"])
    if filters.get("colour"):
        rows = rows.filter(account__current_health__rag=filters["colour"])
    if filters.get("csm"):
        rows = rows.filter(owner__username=filters["csm"])
    return rows


def _bucket_counts(rows, today, by_owner=None) -> dict[str, int]:
    """Each bucket's count: summed from the counts per owner when they were read."""
    if by_owner is not None:
        return {due.value: sum(row[due.value] for row in by_owner) for due in Due}
    return rows.aggregate(**{due.value: Count("pk", filter=due_q(due, today)) for due in Due})


def _by_owner(rows, today) -> list[dict]:
    counts = {due.value: Count("pk", filter=due_q(due, today)) for due in Due}
    per_owner = rows.values("owner__username").annotate(total=Count("pk"), **counts)
    return list(per_owner.order_by("owner__username"))


BUCKET_ORDER = ("due_on", "owner_id", "id")


def _bucket_rows(rows, due, today) -> list[Action]:
    """The bucket's first rows: their ids picked from the open-action index in order (narrow
    rows: a VP's "later" bucket sorts ~57,000 of them at 100,000 accounts), then only those rows
    read with their accounts, in one statement."""
    first = rows.filter(due_q(due, today)).order_by(*BUCKET_ORDER).values("pk")[:ROWS_PER_BUCKET]
    chosen = rows.filter(pk__in=first).order_by(*BUCKET_ORDER)
    return list(chosen.select_related("account__current_health"))


def my_work_data(user, filters: dict, today) -> dict:
    """The page's buckets (overdue, due today, this week, later), each with its count and its
    first rows; for leads and VPs, the counts per CSM."""
    rows = work_filtered(work_scope(user), filters)
    others = sees_others_work(user)
    by_owner = _by_owner(rows, today) if others else None
    counts = _bucket_counts(rows, today, by_owner)
    wanted = [due for due in Due if not filters.get("due") or filters["due"] == due]
    buckets = [
        {"due": due.value, "label": due.label, "count": counts[due.value],
         "rows": _bucket_rows(rows, due, today) if counts[due.value] else []}
        for due in wanted
    ]  # fmt: skip
    return {
        "buckets": buckets,
        "total": sum(bucket["count"] for bucket in buckets),
        "by_owner": by_owner or [],
        "sees_others": others,
        "rows_per_bucket": ROWS_PER_BUCKET,
    }
