"""The morning digest: each CSM gets the new actions and the biggest drops in their book, ranked
by ARR x drop; each VP gets the portfolio's changes, and so do webhooks subscribed to `digest`
(a Slack channel). Two set-based queries over the portfolio
(drops ranked per book by a window function, RAG moves grouped), never one per account."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import CSM_GROUP, VP_GROUP
from actions import webhooks
from actions.models import Action, WebhookEvent

TOP_DROPS = 10
TOP_ACTIONS = 20  # a longer list is summarised as "and N more"
MIN_DROP = 1.0

DROPS_SQL = """
WITH earlier AS (
    SELECT DISTINCT ON (account_id) account_id, overall, rag
    FROM health_healthscore WHERE as_of = %(day)s
    ORDER BY account_id, computed_at DESC
), moved AS (
    SELECT a.id, a.name, a.arr::float8 AS arr, a.csm_id, e.overall AS before, c.overall AS now,
           e.rag AS rag_before, c.rag AS rag_now, (e.overall - c.overall) AS drop
    FROM accounts_account a
    JOIN health_currenthealth c ON c.account_id = a.id
    JOIN earlier e ON e.account_id = a.id
    WHERE a.outcome <> 'churned'
), ranked AS (
    SELECT moved.*,
           row_number() OVER (PARTITION BY csm_id ORDER BY arr * drop DESC, id) AS in_book,
           row_number() OVER (ORDER BY arr * drop DESC, id) AS in_portfolio
    FROM moved WHERE drop >= %(min_drop)s
)
SELECT id, name, arr, csm_id, before, now, rag_before, rag_now, drop, in_book, in_portfolio
FROM ranked WHERE in_book <= %(top)s OR in_portfolio <= %(top)s
ORDER BY arr * drop DESC, id
"""

MOVES_SQL = """
WITH earlier AS (
    SELECT DISTINCT ON (account_id) account_id, rag
    FROM health_healthscore WHERE as_of = %(day)s
    ORDER BY account_id, computed_at DESC
)
SELECT e.rag, c.rag, count(*), coalesce(sum(a.arr), 0)::float8
FROM accounts_account a
JOIN health_currenthealth c ON c.account_id = a.id
JOIN earlier e ON e.account_id = a.id
WHERE a.outcome <> 'churned' AND e.rag <> c.rag
GROUP BY e.rag, c.rag ORDER BY 3 DESC
"""

UNKNOWN_SQL = """
SELECT count(*), coalesce(sum(a.arr), 0)::float8
FROM accounts_account a JOIN health_currenthealth c ON c.account_id = a.id
WHERE a.outcome <> 'churned' AND c.rag = 'unknown'
"""


@dataclass
class Drop:
    account_id: int
    name: str
    arr: float
    csm_id: int
    before: float
    now: float
    rag_before: str
    rag_now: str
    drop: float
    in_book: int
    in_portfolio: int

    @property
    def weight(self) -> float:
        return self.arr * self.drop


@dataclass
class Digest:
    to: str
    subject: str
    body: str
    username: str = ""
    lines: list = field(default_factory=list)

    def message(self) -> EmailMessage:
        return EmailMessage(self.subject, self.body, settings.DEFAULT_FROM_EMAIL, [self.to])


def _reference_day(days: int):
    """The last scoring day at least `days` ago (the day the digest compares with)."""
    day = timezone.now().date() - timedelta(days=days)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(as_of) FROM health_healthscore WHERE as_of <= %s AND as_of > %s",
            [day, day - timedelta(days=30)],
        )
        return cursor.fetchone()[0]


def drops_since(day) -> list[Drop]:
    if day is None:
        return []
    params = {"day": day, "min_drop": MIN_DROP, "top": TOP_DROPS}
    with connection.cursor() as cursor:
        cursor.execute(DROPS_SQL, params)
        return [Drop(*row) for row in cursor.fetchall()]


def rag_moves_since(day) -> list[tuple]:
    if day is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(MOVES_SQL, {"day": day})
        return cursor.fetchall()


def _money(value: float) -> str:
    if value >= 1_000_000:
        return f"${value / 1_000_000:.1f}M"
    return f"${value / 1_000:.0f}k" if value >= 1_000 else f"${value:.0f}"


def _link(account_id: int) -> str:
    return settings.SITE_URL + reverse("account_detail", args=[account_id])


def _drop_line(drop: Drop) -> str:
    return (
        f"- {drop.name}: {drop.before:.0f} → {drop.now:.0f} (−{drop.drop:.0f}, {drop.rag_now}), "
        f"{_money(drop.arr)} ARR  {_link(drop.account_id)}"
    )


def _action_line(action: Action) -> str:
    due = f", due {action.due_on:%-d %b}" if action.due_on else ""
    return f"- {action.account.name}: {action.title}{due}  {_link(action.account_id)}"


def csm_digest(user, actions: list[Action], drops: list[Drop], days: int) -> Digest | None:
    if not actions and not drops:
        return None
    lines = [f"Good morning {user.first_name or user.username},", ""]
    if actions:
        lines += [f"New actions in your book ({len(actions)}):",
                  *map(_action_line, actions[:TOP_ACTIONS])]  # fmt: skip
        more = len(actions) - TOP_ACTIONS
        lines += [f"- … and {more} more: {settings.SITE_URL}/", ""] if more > 0 else [""]
    if drops:
        lines += [f"Biggest drops in the last {days} day{'s' if days != 1 else ''}, "
                  "ranked by ARR × drop:", *map(_drop_line, drops), ""]  # fmt: skip
    lines.append("Ticking a step records the work; only outcomes move the score.")
    subject = f"Candor: {len(actions)} new action{'s' if len(actions) != 1 else ''}, " \
              f"{len(drops)} drop{'s' if len(drops) != 1 else ''} in your book"  # fmt: skip
    return Digest(user.email, subject, "\n".join(lines), user.username, drops)


def vp_digest(user, actions, drops, moves, days, unknown=(0, 0.0)) -> Digest | None:
    if not actions and not drops and not moves:
        return None
    lines = [f"Good morning {user.first_name or user.username},", "",
             f"The portfolio in the last {days} day{'s' if days != 1 else ''}:"]  # fmt: skip
    lines += [f"- {n} account{'s' if n != 1 else ''} went {before} → {now} ({_money(arr)} ARR)"
              for before, now, n, arr in moves] or ["- No account changed colour."]  # fmt: skip
    if unknown[0]:
        n, arr = unknown
        lines.append(f"- {n} account{'s' if n != 1 else ''} unknown: no data received yet "
                     f"({_money(arr)} ARR, not counted at risk)")  # fmt: skip
    by_rule = Counter(action.get_rule_display() for action in actions)
    if by_rule:
        lines += ["", f"New actions ({len(actions)}): "
                  + ", ".join(f"{rule} {n}" for rule, n in by_rule.most_common())]  # fmt: skip
    if drops:
        lines += ["", "Biggest drops, ranked by ARR × drop:", *map(_drop_line, drops)]
    subject = f"Candor portfolio: {sum(m[2] for m in moves)} colour changes, " \
              f"{len(actions)} new actions"  # fmt: skip
    return Digest(user.email, subject, "\n".join(lines), user.username, drops)


def unknown_now() -> tuple[int, float]:
    """Active accounts with no data received yet (rag unknown), and their ARR."""
    with connection.cursor() as cursor:
        cursor.execute(UNKNOWN_SQL)
        n, arr = cursor.fetchone()
    return n, arr


def portfolio_changes(days: int) -> tuple[list[Drop], list[tuple], list[Action]]:
    """What changed in the last `days` days: score drops, colour moves, new open actions."""
    since = timezone.now() - timedelta(days=days)
    day = _reference_day(days)
    new = list(
        Action.objects.filter(created_at__gte=since, status="open")
        .select_related("account")
        .order_by("account__name", "id")
    )
    return drops_since(day), rag_moves_since(day), new


def digests_build(days: int = 1, changes=None) -> tuple[list[Digest], list[Digest]]:
    """Every digest to send, and those of people with no email address (never sent; a dry run
    still shows them)."""
    drops, moves, new = changes or portfolio_changes(days)
    actions_by_csm, drops_by_csm = defaultdict(list), defaultdict(list)
    for action in new:
        actions_by_csm[action.account.csm_id].append(action)
    for drop in drops:
        if drop.in_book <= TOP_DROPS:
            drops_by_csm[drop.csm_id].append(drop)
    users = get_user_model().objects.filter(is_active=True)
    digests, skipped = [], []
    for user in users.filter(groups__name=CSM_GROUP).order_by("username"):
        digest = csm_digest(user, actions_by_csm[user.pk], drops_by_csm[user.pk], days)
        _keep(digest, digests, skipped)
    top = [drop for drop in drops if drop.in_portfolio <= TOP_DROPS]
    unknown = unknown_now()
    for user in users.filter(groups__name=VP_GROUP).order_by("username"):
        _keep(vp_digest(user, new, top, moves, days, unknown), digests, skipped)
    return digests, skipped


def _keep(digest, digests, skipped) -> None:
    if digest is None:
        return
    (digests if digest.to else skipped).append(digest)


def digest_payload(days: int, drops, moves, new) -> dict | None:
    """The portfolio's digest for webhooks (a Slack channel's morning message): the VP's."""
    if not drops and not moves and not new:
        return None
    return {
        "days": days,
        "new_actions": len(new),
        "actions_by_rule": dict(Counter(action.rule for action in new)),
        "moves": [{"from": before, "to": now, "accounts": n, "arr": arr}
                  for before, now, n, arr in moves],
        "drops": [{"account": {"id": d.account_id, "name": d.name}, "before": d.before,
                   "now": d.now, "rag": d.rag_now, "arr": d.arr}
                  for d in drops if d.in_portfolio <= TOP_DROPS],
    }  # fmt: skip


def digests_send(*, dry_run: bool, days: int = 1) -> dict:
    changes = portfolio_changes(days)
    digests, unaddressed = digests_build(days, changes)
    if not dry_run and digests:
        with get_connection() as mail:
            mail.send_messages([digest.message() for digest in digests])
    payload = digest_payload(days, *changes)
    if not dry_run and payload is not None:
        webhooks.deliveries_queue([(WebhookEvent.DIGEST, payload)])
    return {
        "sent": 0 if dry_run else len(digests), "digests": digests, "unaddressed": unaddressed,
        "skipped": [digest.username for digest in unaddressed],
    }  # fmt: skip
