"""Writes for teams: who leads which CSMs. A team decides what its lead sees
(accounts.selectors.accounts_visible_to), so each write is all or nothing."""

from django.db import transaction

from accounts.models import Team


@transaction.atomic
def team_create(*, name: str, lead, members=()) -> Team:
    team = Team.objects.create(name=name, lead=lead)
    team.members.set(members)
    return team


@transaction.atomic
def team_update(*, team: Team, members=None, **changes) -> Team:
    for field, value in changes.items():
        setattr(team, field, value)
    team.save()
    if members is not None:
        team.members.set(members)
    return team


@transaction.atomic
def team_delete(*, team: Team) -> None:
    team.delete()
