"""/api/v1/teams/: VPs make teams of CSMs under a lead; the team decides what its lead sees."""

import pytest

from accounts.models import Team
from accounts.selectors import accounts_visible_to
from tests.api.conftest import client_for
from tests.factories import make_account

pytestmark = pytest.mark.django_db


def create(api, **body):
    return api.post("/api/v1/teams/", {"name": "North", **body}, format="json")


def test_a_vp_makes_a_team_with_a_lead_and_members_by_username(as_vera, lena, alice, bob):
    response = create(as_vera, lead="lena", members=["alice", "bob"])
    assert response.status_code == 201
    assert response.json() | {"id": 0} == {
        "id": 0, "name": "North", "lead": "lena", "members": ["alice", "bob"]
    }  # fmt: skip


def test_a_new_team_shows_its_members_books_to_its_lead(as_vera, lena, alice):
    mine = make_account(csm=alice)
    create(as_vera, lead="lena", members=["alice"])
    assert list(accounts_visible_to(lena)) == [mine]


def test_a_lead_who_is_not_a_team_lead_is_refused(as_vera, alice):
    response = create(as_vera, lead="alice")
    assert response.status_code == 400
    assert response.json()["lead"] == ["alice is not a team lead (or a VP)."]
    assert not Team.objects.exists()


def test_an_unknown_member_is_refused_by_name(as_vera, lena, alice):
    response = create(as_vera, lead="lena", members=["alice", "zed"])
    assert response.status_code == 400
    assert response.json()["members"] == ["No user 'zed'."]
    assert not Team.objects.exists()


def test_a_member_who_is_not_a_csm_is_refused(as_vera, lena, sam):
    response = create(as_vera, lead="lena", members=["sam"])
    assert response.status_code == 400
    assert response.json()["members"] == ["Not CSMs: sam."]


def test_a_second_team_with_the_same_name_is_refused(as_vera, lena):
    create(as_vera, lead="lena")
    assert create(as_vera, lead="lena").status_code == 400


def test_changing_the_members_changes_what_the_lead_sees(as_vera, lena, alice, bob):
    theirs = make_account(csm=bob)
    team = create(as_vera, lead="lena", members=["alice"]).json()
    response = as_vera.patch(f"/api/v1/teams/{team['id']}/", {"members": ["bob"]}, format="json")
    assert response.json()["members"] == ["bob"]
    assert list(accounts_visible_to(lena)) == [theirs]


def test_deleting_a_team_ends_what_its_lead_sees(as_vera, lena, alice):
    make_account(csm=alice)
    team = create(as_vera, lead="lena", members=["alice"]).json()
    assert as_vera.delete(f"/api/v1/teams/{team['id']}/").status_code == 204
    assert not accounts_visible_to(lena).exists()


@pytest.mark.parametrize("person", ["lena", "alice", "fred"])
def test_only_a_vp_reads_or_makes_teams(request, person):
    api = client_for(request.getfixturevalue(person))
    assert api.get("/api/v1/teams/").status_code == 403
    assert create(api, lead=person).status_code == 403


def test_teams_list_as_csv(as_vera, lena, alice):
    create(as_vera, lead="lena", members=["alice"])
    response = as_vera.get("/api/v1/teams/?format=csv")
    assert response.content.decode().splitlines()[1].endswith("North,lena,alice")
