"""Reads for teams and the team page: each CSM's book in a few grouped queries, never one
query per CSM (the figures come from health.portfolio, the portfolio's own definitions)."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import Account, Team
from accounts.roles import Role, user_role
from actions.models import Action, ActionStatus
from health.portfolio import csm_trend, portfolio_rollup, summarise


def teams_with_people() -> QuerySet[Team]:
    return Team.objects.select_related("lead").prefetch_related("members").order_by("name")


def teams_visible_to(user) -> QuerySet[Team]:
    """A VP sees every team; a team lead the teams they lead; anyone else none."""
    role = user_role(user)
    if role == Role.VP:
        return Team.objects.all()
    if role == Role.TEAM_LEAD:
        return Team.objects.filter(lead=user)
    return Team.objects.none()


@dataclass
class BookRow:
    """One CSM's book as their team lead sees it."""

    team: str
    csm: str
    accounts: int = 0
    arr: float = 0.0
    arr_at_risk: float = 0.0
    red: int = 0
    amber: int = 0
    green: int = 0
    unknown: int = 0
    score_now: float | None = None
    score_change: float | None = None
    open_actions: int = 0
    overdue_actions: int = 0


def team_books(user) -> list[BookRow]:
    """Every CSM on the teams `user` sees, by team then CSM, with their book's active ARR,
    colours (unknown: no colour yet, or not scored), average score and its change over 30 days, and the
    open and overdue actions on the book's accounts."""
    members = Team.members.through.objects.filter(team__in=teams_visible_to(user))
    pairs = list(members.order_by("team__name", "user__username").values_list(
        "team__name", "user_id", "user__username"
    ))  # fmt: skip
    ids = {user_id for _, user_id, _ in pairs}
    books = Account.objects.filter(csm_id__in=ids)
    rollup = portfolio_rollup(books)
    by_csm = summarise(rollup)["by_csm"]
    trend = csm_trend(books, rollup)
    actions = _actions_by_csm(ids)
    return [
        _row(team, csm, by_csm.get(csm), trend.get(csm), actions.get(csm, {}))
        for team, _, csm in pairs
    ]


def _row(team: str, csm: str, book: dict | None, trend: dict | None, actions: dict) -> BookRow:
    row = BookRow(team=team, csm=csm, **actions)
    if book:
        row.accounts, row.arr, row.arr_at_risk = book["accounts"], book["arr"], book["arr_at_risk"]
        row.red, row.amber, row.green = book["red"], book["amber"], book["green"]
        row.unknown = row.accounts - row.red - row.amber - row.green  # unknown or unscored
    if trend:
        row.score_now, row.score_change = trend["now"], trend["change"]
    return row


def _actions_by_csm(csm_ids) -> dict:
    today = timezone.now().date()
    rows = (
        Action.objects.filter(status=ActionStatus.OPEN, account__csm_id__in=csm_ids)
        .values("account__csm__username")
        .annotate(open_actions=Count("pk"), overdue_actions=Count("pk", filter=Q(due_on__lt=today)))
        .order_by()
    )
    return {row.pop("account__csm__username"): row for row in rows}
