"""/api/v1/roadmap-items/: the roadmap with the commitments riding on each item; product
managers and VPs create and change items, finance and CSMs read; a commitment links to an
item by `roadmap_item`."""

import pytest

from accounts.models import Commitment, RoadmapItem
from actions.models import Action
from roadmap.models import RoadmapChange
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/roadmap-items/"


def item_url(item) -> str:
    return f"{URL}{item.pk}/"


def test_an_item_lists_its_commitments_with_what_rides_on_them(portfolio, paula):
    body = client_for(paula).get(item_url(portfolio.audit_log)).json()
    assert body["title"] == "Audit log"
    assert body["product_status"] == "under_consideration"
    (promise,) = body["commitments"]
    assert {k: promise[k] for k in ("account", "account_name", "told_customer", "arr",
                                    "renewal_date", "colour")} == {  # fmt: skip
        "account": portfolio.d.pk, "account_name": "Dune", "told_customer": "coming soon",
        "arr": "10000.00", "renewal_date": portfolio.d.renewal_date.isoformat(),
        "colour": "green",
    }  # fmt: skip


def test_finance_reads_the_whole_roadmap(portfolio, fiona):
    body = client_for(fiona).get(URL).json()
    assert {row["title"] for row in body["results"]} == {"SSO", "Audit log", "Dark mode"}


def test_a_csm_reads_only_the_items_and_commitments_of_their_accounts(portfolio, alice):
    (sso,) = client_for(alice).get(URL).json()["results"]
    assert sorted(c["account_name"] for c in sso["commitments"]) == ["Acme", "Cobalt"]


def test_a_product_manager_creates_an_item(paula):
    data = {"title": "Offline mode", "product_status": "planned", "target_quarter": "2027-Q2"}
    response = client_for(paula).post(URL, data, format="json")
    assert response.status_code == 201, response.json()
    assert RoadmapItem.objects.get(title="Offline mode").product_status == "planned"


@pytest.mark.parametrize("who", ["alice", "fiona"])
def test_a_csm_or_finance_cannot_create_an_item(request, who):
    response = client_for(request.getfixturevalue(who)).post(URL, {"title": "X"}, format="json")
    assert response.status_code == 403
    assert not RoadmapItem.objects.exists()


@pytest.mark.parametrize("who", ["alice", "fiona"])
def test_a_csm_or_finance_cannot_change_an_item(portfolio, request, who):
    client = client_for(request.getfixturevalue(who))
    response = client.patch(item_url(portfolio.sso), {"product_status": "declined"})
    assert response.status_code == 403
    assert RoadmapItem.objects.get(pk=portfolio.sso.pk).product_status == "planned"


@pytest.mark.parametrize("who", ["paula", "vera"])
def test_a_product_manager_or_vp_changes_the_status_and_the_promises_follow(
    portfolio, request, who, django_capture_on_commit_callbacks
):
    client = client_for(request.getfixturevalue(who))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(item_url(portfolio.sso), {"product_status": "declined"})
    assert response.status_code == 200, response.json()
    assert {c["product_status"] for c in response.json()["commitments"]} == {"declined"}
    assert RoadmapChange.objects.count() == 3
    assert Action.objects.filter(title__startswith="Roadmap:").count() == 2


def test_a_bad_status_is_a_400_and_changes_nothing(portfolio, paula):
    response = client_for(paula).patch(item_url(portfolio.sso), {"product_status": "soon"})
    assert response.status_code == 400
    assert "product_status" in response.json()
    assert RoadmapItem.objects.get(pk=portfolio.sso.pk).product_status == "planned"
    assert not RoadmapChange.objects.exists()


def test_a_bad_quarter_is_a_400(paula):
    data = {"title": "Offline mode", "target_quarter": "next year"}
    assert client_for(paula).post(URL, data, format="json").status_code == 400


def test_the_api_asks_for_credentials(portfolio, client):
    assert client.get(URL).status_code in (401, 403)


def test_a_commitment_links_to_an_item_and_takes_its_status(portfolio, alice):
    commitment = Commitment.objects.create(
        account=portfolio.c, title="Audit trail", told_customer="soon", product_status="planned"
    )
    response = client_for(alice).patch(
        f"/api/v1/commitments/{commitment.pk}/", {"roadmap_item": portfolio.audit_log.pk}
    )
    assert response.status_code == 200, response.json()
    commitment.refresh_from_db()
    assert (commitment.roadmap_item, commitment.product_status) == (
        portfolio.audit_log, "under_consideration"
    )  # fmt: skip


def test_a_linked_commitment_refuses_a_status_of_its_own(portfolio, alice):
    commitment = Commitment.objects.get(account=portfolio.a)
    response = client_for(alice).patch(
        f"/api/v1/commitments/{commitment.pk}/", {"product_status": "shipped"}
    )
    assert response.status_code == 400
    commitment.refresh_from_db()
    assert commitment.product_status == "planned"
