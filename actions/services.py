"""Writes of the actions app: the rules after a scoring run, actions and their steps, snoozes,
CSM sentiment, and the webhook deliveries that tell other systems what changed."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from accounts.models import Account
from accounts.roles import user_writes
from accounts.selectors import account_visible_to, accounts_visible_to, sees_every_account
from actions import webhooks
from actions.firings import DEFAULT_SETTINGS
from actions.models import (
    Action,
    ActionStatus,
    FlagSnooze,
    Playbook,
    Rule,
    RuleSetting,
    Sentiment,
)
from actions.rules import rules_run
from actions.selectors import actions_visible_to, flags_on
from health.selectors import scorecard_specs
from health.services import rescore_request

logger = logging.getLogger(__name__)


def rules_enabled() -> bool:
    """The switch for every rule at once (CANDOR["ACTION_RULES"], env ACTION_RULES)."""
    return bool(settings.CANDOR.get("ACTION_RULES", True))


def rules_after_scoring(sender, *, as_of, account_ids, current, **kwargs) -> None:
    """health's `scores_written` receiver: the rules over the run's accounts, in the same task.

    Only runs that moved CurrentHealth (scoring today) raise actions; a backfill of past days
    does not. The scores are already committed, so a failure here is logged, not raised: the
    next run compares with what the rules last saw and catches up.
    """
    if not current or not account_ids or not rules_enabled():
        return
    try:
        actions_raise(account_ids=account_ids, as_of=as_of)
    except Exception:
        logger.exception("Rules after the scoring run of %d accounts failed", len(account_ids))


@transaction.atomic
def actions_raise(*, account_ids, as_of) -> list[int]:
    """Run the rules, then queue the webhook events they found (sent after the commit)."""
    result = rules_run(account_ids=account_ids, as_of=as_of)
    webhooks.events_from_run(result)
    return result.created


def _steps(texts) -> list[dict]:
    return [{"text": text, "done": False} for text in texts]


@transaction.atomic
def action_create(*, account, title, owner, reason="", playbook=None, steps=None, due_on=None,
                  rule=Rule.MANUAL, flag="") -> Action:  # fmt: skip
    """An action added by hand (or by a client). A playbook given without steps lends its own."""
    if steps is None:
        steps = _steps(playbook.steps) if playbook else []
    action = Action(
        account=account, title=title, reason=reason, rule=rule, flag=flag, playbook=playbook,
        steps=steps, owner=owner, due_on=due_on,
    )  # fmt: skip
    _guard_one_open(action)
    _guard_owner_sees(action)
    action.save()
    webhooks.action_created([action.pk])
    return action


def _guard_one_open(action: Action) -> None:
    if action.status != ActionStatus.OPEN or action.rule == Rule.MANUAL:
        return
    others = Action.objects.filter(
        account=action.account, rule=action.rule, flag=action.flag, status=ActionStatus.OPEN
    ).exclude(pk=action.pk)
    if others.exists():
        raise ValidationError(
            {"rule": "This account already has an open action for this rule and flag."}
        )


@transaction.atomic
def action_update(*, action: Action, by, **changes) -> Action:
    """Change an action. Moving it out of `open` closes it (closed_at, closed_by); moving it
    back reopens it. Ticking steps is bookkeeping: it never rescores the account."""
    status = changes.pop("status", action.status)
    for name, value in changes.items():
        setattr(action, name, value)
    if status != action.status:
        _guard_closing(action, status)
        _set_status(action, status, by)
    _guard_one_open(action)
    if "owner" in changes or "account" in changes:
        _guard_owner_sees(action)
    action.save()
    return action


def action_owner_refusal(owner, account) -> str | None:
    """Why `owner` cannot own an action on `account` (they cannot see it, or their role only
    reads), or None."""
    if owner is None or (user_writes(owner) and account_visible_to(owner, account)):
        return None
    if account_visible_to(owner, account):
        return f"{owner.username} reads accounts and does not act on them: choose its CSM or a VP."
    return (
        f"{owner.username} cannot see {account.name}, so cannot own its action: choose its "
        "CSM or a VP."
    )


def actions_follow_account_csm(*, account_ids, **kwargs) -> int:
    """Open actions whose owner can no longer see their account (it moved to another CSM's
    book, through the API, the admin or an import) go to the account's CSM, so an action's
    owner always sees its account. Connected to Account saves and `account_changed`."""
    stranded = (
        Action.objects.filter(account_id__in=account_ids, status=ActionStatus.OPEN)
        .exclude(owner__isnull=True)
        .exclude(owner=F("account__csm"))
        .exclude(sees_every_account("owner__"))
    )
    csm = Account.objects.filter(pk=OuterRef("account_id")).values("csm")[:1]
    return stranded.update(owner=Subquery(csm))


def _guard_owner_sees(action: Action) -> None:
    refusal = action_owner_refusal(action.owner, action.account)
    if refusal:
        raise ValidationError({"owner": refusal})


NOTE_WHEN_NO_STEP = "No step is ticked: say what happened (the outcome) to close it as done."


def _guard_closing(action: Action, status: str) -> None:
    """`resolved` is the rules' word (the condition cleared), never a person's; done with no
    step ticked must say what the outcome was, or "done" records nothing."""
    if status == ActionStatus.RESOLVED:
        raise ValidationError(
            {"status": "Resolved is set by Candor when the condition clears; close it as done "
             "or dismissed."}
        )  # fmt: skip
    if status == ActionStatus.DONE and not action.steps_done and not action.outcome_note.strip():
        raise ValidationError({"outcome_note": NOTE_WHEN_NO_STEP})


def _set_status(action: Action, status: str, by) -> None:
    action.status = status
    if status == ActionStatus.OPEN:
        action.closed_at, action.closed_by = None, None
    else:
        action.closed_at, action.closed_by = timezone.now(), by


@transaction.atomic
def action_step_set(*, action: Action, index: int, done: bool) -> Action:
    if not 0 <= index < len(action.steps):
        raise ValidationError({"steps": f"No step {index + 1}."})
    steps = [dict(step) for step in action.steps]
    steps[index]["done"] = bool(done)
    action.steps = steps
    action.save(update_fields=["steps", "updated_at"])
    return action


@transaction.atomic
def action_close(*, action: Action, status: str, note: str, by) -> Action:
    """Done or dismissed, with what happened (a dismissal must say why)."""
    if status not in (ActionStatus.DONE, ActionStatus.DISMISSED):
        raise ValidationError({"status": "Close an action as done or dismissed."})
    if status == ActionStatus.DISMISSED and not note.strip():
        raise ValidationError({"outcome_note": "Say why you dismiss it."})
    return action_update(action=action, by=by, status=status, outcome_note=note.strip())


SNOOZE_DAYS_DEFAULT = 30
SNOOZE_DAYS_MAX = 180


@transaction.atomic
def flag_snooze(*, account, flag: str, reason: str, days: int, by) -> FlagSnooze:
    """Silence a flag's alerts on an account for `days`; the flag itself stays on the score."""
    raised = flags_on(account)
    if flag not in raised:
        on = ", ".join(raised) if raised else "none"
        raise ValidationError(
            {"flag": f"'{flag}' is not a flag on this account's current score (on it: {on})."}
        )
    if not reason.strip():
        raise ValidationError({"reason": "Say why you snooze it."})
    if not 1 <= days <= SNOOZE_DAYS_MAX:
        raise ValidationError({"days": f"Snooze for 1 to {SNOOZE_DAYS_MAX} days."})
    today = timezone.now().date()
    FlagSnooze.objects.filter(account=account, flag=flag, until__gt=today).update(
        until=today, reraised_at=timezone.now()
    )
    return FlagSnooze.objects.create(
        account=account, flag=flag, reason=reason.strip(), snoozed_by=by,
        until=today + timedelta(days=days),
    )  # fmt: skip


@transaction.atomic
def flag_snooze_end(*, snooze: FlagSnooze) -> FlagSnooze:
    """End a snooze early: its flag's alerts resume, and the next rules run raises the flag
    again if it is still on the account."""
    today = timezone.now().date()
    if not snooze.is_active(today):
        raise ValidationError({"snooze": "This snooze has already ended."})
    snooze.until, snooze.reraised_at = today, None
    snooze.save(update_fields=["until", "reraised_at"])
    return snooze


@transaction.atomic
def sentiment_record(*, account, rating: str, reason: str, valid_days: int, by) -> Sentiment:
    """A new reading of the CSM's sentiment; earlier ones stay as history."""
    sentiment = Sentiment(
        account=account, rating=rating, reason=reason.strip(), valid_days=valid_days,
        created_by=by,
    )  # fmt: skip
    sentiment.full_clean(exclude=["expires_on"])
    sentiment.save()
    if _weighs_sentiment(account):
        transaction.on_commit(lambda: rescore_request(account_ids=[account.pk]))
    return sentiment


def _weighs_sentiment(account) -> bool:
    """Whether the account's scorecard mixes the CSM's sentiment into the score (default: no),
    so a new reading must rescore it."""
    cards = scorecard_specs()
    return cards.get(account.segment, cards[""]).weights.get("sentiment", 0) > 0


def playbook_for(code: str) -> Playbook | None:
    return Playbook.objects.filter(code=code, active=True).first()


class BulkOp(models.TextChoices):
    SNOOZE = "snooze", "Snooze"
    REASSIGN = "reassign", "Reassign"
    CLOSE = "close", "Close with a note"


BULK_IDS_MAX = 500
ACTION_SNOOZE_DAYS_MAX = 90


@transaction.atomic
def actions_bulk(*, by, ids, op: str, days=None, owner=None, note: str = "") -> list[int]:
    """Snooze, reassign or close (done, with a note) many open actions at once, from the API
    or /my-work/. All or nothing: an id that is not an open action `by` can see, or an owner
    who cannot see one of the accounts, refuses the whole request and changes nothing."""
    ids = sorted(set(ids))
    if not 1 <= len(ids) <= BULK_IDS_MAX:
        raise ValidationError({"ids": f"Choose 1 to {BULK_IDS_MAX} actions."})
    found = dict(
        actions_visible_to(by).filter(pk__in=ids, status=ActionStatus.OPEN)
        .select_for_update(of=("self",)).values_list("pk", "account_id")
    )  # fmt: skip
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        raise ValidationError(
            {"ids": f"Not open actions you can see: {', '.join(missing)}. Nothing was changed."}
        )
    rows = Action.objects.filter(pk__in=ids)
    if op == BulkOp.SNOOZE:
        _bulk_snooze(rows, days)
    elif op == BulkOp.REASSIGN:
        _bulk_reassign(rows, owner, set(found.values()))
    elif op == BulkOp.CLOSE:
        _bulk_close(rows, note, by)
    else:
        raise ValidationError({"op": f"op is one of {', '.join(BulkOp.values)}."})
    return ids


def _bulk_snooze(rows, days) -> None:
    """Due `days` later, counted from the later of its due date and today: a snoozed overdue
    action is not overdue any more."""
    if days is None or not 1 <= days <= ACTION_SNOOZE_DAYS_MAX:
        raise ValidationError({"days": f"Snooze for 1 to {ACTION_SNOOZE_DAYS_MAX} days."})
    today = timezone.now().date()
    start = Greatest(Coalesce("due_on", Value(today)), Value(today))
    rows.update(due_on=start + timedelta(days=days), updated_at=timezone.now())


def _bulk_reassign(rows, owner, account_ids: set[int]) -> None:
    if owner is None:
        raise ValidationError({"owner": "Say who takes them over (a username)."})
    seen = set(accounts_visible_to(owner).filter(pk__in=account_ids).values_list("pk", flat=True))
    blind = Account.objects.filter(pk__in=account_ids - seen).order_by("name")
    names = list(blind.values_list("name", flat=True)[:5])
    if names:
        raise ValidationError(
            {"owner": f"{owner.username} cannot see {', '.join(names)}"
             f"{' and others' if len(account_ids - seen) > len(names) else ''}, so cannot own "
             "their actions. Nothing was changed."}
        )  # fmt: skip
    rows.update(owner=owner, updated_at=timezone.now())


def _bulk_close(rows, note: str, by) -> None:
    if not (note or "").strip():
        raise ValidationError({"note": "Say what happened: closing many at once needs a note."})
    now = timezone.now()
    rows.update(status=ActionStatus.DONE, outcome_note=note.strip(), closed_at=now,
                closed_by=by, updated_at=now)  # fmt: skip


def playbook_rule(code: str) -> str:
    """The rule whose actions a playbook's steps go into: its own, or flag_raised for a flag."""
    return code if code in Rule.values else Rule.FLAG_RAISED


@transaction.atomic
def playbook_save(*, playbook: Playbook, due_in_days: int) -> Playbook:
    """Save a playbook a VP edited, and the due days of the rule it answers (shared by every
    flag's playbook: flag_raised has one setting). Applies to actions raised from now on."""
    playbook.full_clean()
    playbook.save()
    rule = playbook_rule(playbook.code)
    defaults = {**DEFAULT_SETTINGS[rule], "due_in_days": due_in_days}
    setting, created = RuleSetting.objects.get_or_create(rule=rule, defaults=defaults)
    if not created and setting.due_in_days != due_in_days:
        setting.due_in_days = due_in_days
        setting.save(update_fields=["due_in_days"])
    return playbook
