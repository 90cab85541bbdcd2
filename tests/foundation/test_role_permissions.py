"""Every role against every page and endpoint, allowed and refused, with named people:
Vera (VP), Lena (team lead of Alice), Alice and Bob (CSMs), Sam (account executive who sold
Alice's account), Pia (product manager; Bob's account carries a commitment) and Fred (finance).
docs/roles.md is the same table in words."""

from types import SimpleNamespace

import pytest
from django.urls import URLPattern, reverse

from accounts.models import Account, Commitment, Note, Team
from accounts.selectors import accounts_visible_to
from actions.models import Action
from candor import api_urls
from tests.api.conftest import client_for
from tests.factories import days_ago, make_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Seven people a test: real hashing would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


PEOPLE = ("vera", "lena", "alice", "bob", "sam", "pia", "fred")
READERS = ("sam", "pia", "fred")


@pytest.fixture
def world(vera, lena, alice, bob, sam, pia, fred):
    Team.objects.create(name="North", lead=lena).members.add(alice)
    sold = make_account(csm=alice, name="Sold by Sam", sales_owner=sam, closed_on=days_ago(200))
    promised = make_account(csm=bob, name="Promised to")
    Commitment.objects.create(account=promised, title="SSO", told_customer="Next quarter")
    people = {user.username: user for user in (vera, lena, alice, bob, sam, pia, fred)}
    return SimpleNamespace(people=people, sold=sold, promised=promised)


def only(*allowed, refused=403, ok=200) -> dict:
    return {person: ok if person in allowed else refused for person in PEOPLE}


def cases(table) -> list:
    return [(url, person, code) for url, codes in table for person, code in codes.items()]


def at(url: str, world) -> str:
    return url.format(sold=world.sold.pk, promised=world.promised.pk)


VISIBLE = {
    "vera": {"sold", "promised"},
    "fred": {"sold", "promised"},
    "lena": {"sold"},
    "alice": {"sold"},
    "bob": {"promised"},
    "sam": {"sold"},
    "pia": {"promised"},
}


@pytest.mark.parametrize("person", PEOPLE)
def test_accounts_visible_to_gives_each_role_its_accounts(world, person):
    names = {"Sold by Sam": "sold", "Promised to": "promised"}
    visible = accounts_visible_to(world.people[person]).values_list("name", flat=True)
    assert {names[name] for name in visible} == VISIBLE[person]


PAGES = [
    ("/", only(*PEOPLE)),
    ("/portfolio/", only("vera", "fred")),
    ("/portfolio/?format=csv&table=books_by_csm", only("vera", "fred")),
    ("/forecast/", only("vera", "fred", "lena", "alice", "bob")),
    ("/team/", only("vera", "lena")),
    ("/team/?format=csv", only("vera", "lena")),
    ("/audit/", only("vera")),
    ("/sources/", only("vera")),
    ("/keys/", only("vera")),
    ("/imports/", only("vera")),
    ("/connect/", only("vera")),
    ("/accounts/{sold}/", only("vera", "fred", "lena", "alice", "sam", refused=404)),
    ("/accounts/{promised}/", only("vera", "fred", "bob", "pia", refused=404)),
    ("/my-work/", only(*PEOPLE)),
    ("/playbooks/", only("vera")),
    ("/roadmap/", only(*PEOPLE)),
    ("/roadmap/?format=csv", only(*PEOPLE)),
    ("/sales/", only("vera", "fred", "lena", "sam")),
    ("/terms/", only("vera", "fred")),
]


@pytest.mark.parametrize(("url", "person", "code"), cases(PAGES))
def test_each_role_opens_the_pages_it_may_and_no_other(client, world, url, person, code):
    client.force_login(world.people[person])
    assert client.get(at(url, world)).status_code == code


ACCOUNT_WRITES = [
    "/accounts/{sold}/notes/",
    "/accounts/{sold}/decisions/",
    "/accounts/{sold}/conflicts/",
    "/accounts/{sold}/sentiment/",
    "/accounts/{sold}/snoozes/",
    "/accounts/{sold}/overrides/",
    "/accounts/{sold}/actions/1/close/",
    "/accounts/{sold}/actions/1/steps/0/",
    "/accounts/{sold}/overrides/1/end/",
    "/accounts/{sold}/decisions/1/reopen/",
]


@pytest.mark.parametrize("url", ACCOUNT_WRITES)
@pytest.mark.parametrize("person", ["fred", "sam"])
def test_a_reading_role_is_refused_every_write_on_an_account_it_sees(client, world, url, person):
    client.force_login(world.people[person])
    assert client.post(at(url, world), {"body": "Called them"}).status_code == 403


@pytest.mark.parametrize("person", ["pia", "bob"])
def test_a_write_on_an_account_someone_cannot_see_is_not_found(client, world, person):
    client.force_login(world.people[person])
    assert client.post(at("/accounts/{sold}/notes/", world), {"body": "x"}).status_code == 404


def test_a_refused_write_changes_nothing(client, world):
    client.force_login(world.people["fred"])
    client.post(at("/accounts/{sold}/notes/", world), {"body": "Called them"})
    assert not Note.objects.exists()


@pytest.mark.parametrize("person", ["vera", "lena", "alice"])
def test_a_role_that_writes_adds_a_note_to_an_account_it_sees(client, world, person):
    client.force_login(world.people[person])
    response = client.post(at("/accounts/{sold}/notes/", world), {"body": "Called them"})
    assert response.status_code == 302
    assert Note.objects.get().author == world.people[person]


@pytest.mark.parametrize("person", ["fred", "sam"])
def test_a_reading_role_sees_no_write_form_on_the_account_page(client, world, person):
    client.force_login(world.people[person])
    page = client.get(at("/accounts/{sold}/", world)).content.decode()
    assert 'action="/accounts/' not in page


@pytest.mark.parametrize("url", ["/portfolio/backtest/", "/scorecards/1/adopt/"])
def test_finance_reads_the_portfolio_but_does_not_run_or_adopt_anything(client, world, url):
    client.force_login(world.people["fred"])
    assert client.post(url).status_code == 403


API_READS = [
    ("/api/v1/accounts/", only(*PEOPLE)),
    ("/api/v1/commitments/", only(*PEOPLE)),
    ("/api/v1/health/", only(*PEOPLE)),
    ("/api/v1/actions/", only(*PEOPLE)),
    ("/api/v1/signal-kinds/", only(*PEOPLE)),
    ("/api/v1/keys/", only(*PEOPLE)),
    ("/api/v1/portfolio/", only("vera", "fred")),
    ("/api/v1/forecast/", only("vera", "fred", "lena", "alice", "bob")),
    ("/api/v1/teams/", only("vera")),
    ("/api/v1/audit/", only("vera")),
    ("/api/v1/webhooks/", only("vera")),
    ("/api/v1/sources/", only("vera")),
    ("/api/v1/scorecards/", only("vera")),
    ("/api/v1/accounts/{sold}/", only("vera", "fred", "lena", "alice", "sam", refused=404)),
    ("/api/v1/accounts/{sold}/timeline/", only("vera", "fred", "lena", "alice", "sam", refused=404)),
    ("/api/v1/accounts/{promised}/", only("vera", "fred", "bob", "pia", refused=404)),
]  # fmt: skip


@pytest.mark.parametrize(("url", "person", "code"), cases(API_READS))
def test_each_role_reads_the_endpoints_it_may_and_no_other(world, url, person, code):
    assert client_for(world.people[person]).get(at(url, world)).status_code == code


# Readers may write here: their own API keys; the docs and schema are read-only by nature.
READER_WRITABLE = {"api-key-list", "api-key-detail", "api-key-revoke", "api-schema", "api-docs"}


# An account executive PATCHes an account's handoff: tested on its own below.
SALES_WRITABLE = {"account-list", "account-detail"}

# A product manager changes the roadmap: tested in tests/roadmap/test_api.py.
PRODUCT_WRITABLE = {"roadmap-item-list", "roadmap-item-detail"}


def _api_routes(world):
    """Every named API route, its arguments filled in (the sold account; 1 for other ids)."""
    for pattern in api_urls.urlpatterns:
        if not isinstance(pattern, URLPattern) or not pattern.name:
            continue
        names = pattern.pattern.regex.groupindex
        if "format" in names or pattern.name in READER_WRITABLE:
            continue
        kwargs = {name: _argument(name, world) for name in names}
        yield pattern.name, reverse(pattern.name, kwargs=kwargs)


def _argument(name, world):
    return {"pk": world.sold.pk, "task_id": "t", "code": "login"}.get(name, 1)


@pytest.mark.parametrize("person", READERS)
def test_a_reading_role_is_refused_every_write_on_every_endpoint(world, person):
    api = client_for(world.people[person])
    refused = {
        (name, method): getattr(api, method)(url, {}, format="json").status_code
        for name, url in _api_routes(world)
        for method in ("post", "put", "patch", "delete")
        if not (person == "sam" and name in SALES_WRITABLE)
        and not (person == "pia" and name in PRODUCT_WRITABLE)
    }
    assert {key: code for key, code in refused.items() if code != 403} == {}
    assert len(refused) > 100  # every route was tried


def test_an_account_executive_writes_the_handoff_of_an_account_they_sold(world):
    api = client_for(world.people["sam"])
    body = {"handoff_why_bought": "Board wants churn cut", "handoff_urgency": "high"}
    response = api.patch(at("/api/v1/accounts/{sold}/", world), body, format="json")
    assert response.status_code == 200
    world.sold.refresh_from_db()
    assert world.sold.handoff_why_bought == "Board wants churn cut"


def test_an_account_executive_changes_nothing_beyond_the_handoff(world):
    api = client_for(world.people["sam"])
    body = {"handoff_urgency": "critical", "arr": "1"}
    response = api.patch(at("/api/v1/accounts/{sold}/", world), body, format="json")
    assert response.status_code == 403
    assert "arr" in response.json()["detail"]
    assert Account.objects.get(pk=world.sold.pk).handoff_urgency == world.sold.handoff_urgency


def test_an_account_executive_writes_no_handoff_on_an_account_they_did_not_sell(world, sam):
    theirs = make_account(csm=sam, name="Sam's own")
    api = client_for(sam)
    response = api.patch(f"/api/v1/accounts/{theirs.pk}/", {"handoff_urgency": "high"})
    assert response.status_code == 403


def test_an_account_executive_creates_no_account(world):
    body = {"external_id": "x", "name": "New", "arr": "1", "csm": "sam"}
    response = client_for(world.people["sam"]).post("/api/v1/accounts/", body, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize("person", ["pia", "fred"])
def test_product_and_finance_write_no_handoff(world, person):
    api = client_for(world.people[person])
    url = at("/api/v1/accounts/{sold}/", world)
    assert api.patch(url, {"handoff_urgency": "high"}, format="json").status_code == 403


def test_finance_issues_their_own_api_key(world):
    body = {"name": "BI tool", "scopes": ["read"]}
    response = client_for(world.people["fred"]).post("/api/v1/keys/", body, format="json")
    assert response.status_code == 201


def test_a_team_lead_writes_on_their_teams_accounts(world):
    body = {"account": world.sold.pk, "title": "Audit log", "told_customer": "Planned"}
    response = client_for(world.people["lena"]).post("/api/v1/commitments/", body, format="json")
    assert response.status_code == 201


def test_a_team_lead_writes_nothing_on_another_teams_accounts(world):
    body = {"account": world.promised.pk, "title": "Audit log"}
    response = client_for(world.people["lena"]).post("/api/v1/commitments/", body, format="json")
    assert response.status_code == 400


def test_a_team_lead_gives_an_account_to_a_csm_of_their_team(world):
    body = {"csm": "alice"}
    url = at("/api/v1/accounts/{sold}/", world)
    assert client_for(world.people["lena"]).patch(url, body, format="json").status_code == 200


def test_a_team_lead_gives_no_account_to_a_csm_outside_their_team(world):
    url = at("/api/v1/accounts/{sold}/", world)
    response = client_for(world.people["lena"]).patch(url, {"csm": "bob"}, format="json")
    assert response.status_code == 400


def test_an_action_is_not_given_to_a_role_that_only_reads(world):
    action = Action.objects.create(account=world.sold, owner=world.people["alice"], title="Call")
    url = f"/api/v1/actions/{action.pk}/"
    response = client_for(world.people["vera"]).patch(url, {"owner": "fred"}, format="json")
    assert response.status_code == 400
    assert "reads accounts" in response.json()["owner"][0]


def test_the_sales_owner_must_be_an_account_executive(world):
    url = at("/api/v1/accounts/{sold}/", world)
    response = client_for(world.people["vera"]).patch(url, {"sales_owner": "pia"}, format="json")
    assert response.status_code == 400
    assert "not an account executive" in response.json()["sales_owner"][0]
