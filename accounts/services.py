"""Writes about accounts and the people who own them."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.hooks import account_changed
from accounts.models import Account
from accounts.selectors import CSM_GROUP, VP_GROUP

User = get_user_model()


@transaction.atomic
def user_create_with_role(*, username: str, role: str, password: str | None = None, **fields):
    """Create (or fetch) a user and put them in exactly one role group: 'csm' or 'vp'."""
    if role not in (CSM_GROUP, VP_GROUP):
        raise ValueError(f"Unknown role '{role}': use '{CSM_GROUP}' or '{VP_GROUP}'.")
    user, created = User.objects.get_or_create(username=username, defaults=fields)
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    user_set_role(user=user, role=role)
    return user


def user_set_role(*, user, role: str) -> None:
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in (CSM_GROUP, VP_GROUP)}
    user.groups.remove(*groups.values())
    user.groups.add(groups[role])


def _rescore_on_commit(account) -> None:
    """Tell whoever scores accounts (health) once the write has committed."""
    transaction.on_commit(lambda: account_changed.send(sender=Account, account_ids=[account.pk]))


@transaction.atomic
def decision_log(*, form) -> None:
    """Record a decision from a validated DecisionForm; alignment changes, so rescore."""
    decision = form.save()
    _rescore_on_commit(decision.account)


@transaction.atomic
def decision_update(*, form) -> None:
    """Save an edited decision from a validated DecisionForm; alignment may move, so rescore."""
    decision = form.save()
    _rescore_on_commit(decision.account)


@transaction.atomic
def decision_reopen(*, decision, on) -> bool:
    """Record that a decision was reopened on `on`; a decision already reopened keeps its
    first reopening (the one that says whether it held for a week). Returns whether it changed."""
    if decision.reopened_on is not None:
        return False
    decision.reopened_on = max(on, decision.decided_on)
    decision.save(update_fields=["reopened_on"])
    _rescore_on_commit(decision.account)
    return True


@transaction.atomic
def note_add(*, account, author, body: str):
    note = account.notes.create(author=author, body=body)
    return note


@transaction.atomic
def note_edit(*, note, body: str):
    note.body = body
    note.edited_at = timezone.now()
    note.save(update_fields=["body", "edited_at"])
    return note


@transaction.atomic
def stakeholders_mark_conflicting(*, account, conflicting) -> None:
    """Mark exactly these stakeholders' success definitions as conflicting with the others."""
    chosen = {stakeholder.pk for stakeholder in conflicting}
    account.stakeholders.update(success_definition_conflicts=False)
    account.stakeholders.filter(pk__in=chosen).update(success_definition_conflicts=True)
    _rescore_on_commit(account)
