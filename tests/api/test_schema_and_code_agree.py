"""What the schema refuses, the code refuses over every media type it parses (JSON, form,
multipart); TRACE is no method of Candor's; the schema is built once, not on every request."""

from unittest import mock

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from accounts.models import OnboardingMilestone
from candor.schema import CachedSchemaView
from health.models import QueuedTask, Scorecard
from health.services import default_scorecard
from tests.factories import make_account

pytestmark = pytest.mark.django_db


def test_recompute_refuses_an_empty_as_of_sent_as_multipart(as_vera):
    response = as_vera.post("/api/v1/health/recompute/", {"as_of": ""}, format="multipart")
    assert response.status_code == 400 and "as_of" in response.json()
    assert not QueuedTask.objects.exists()


@pytest.mark.parametrize("name", ["renewal_before", "renewal_after"])
def test_an_empty_renewal_date_filter_is_refused(as_vera, name):
    response = as_vera.get(f"/api/v1/accounts/?{name}=")
    assert response.status_code == 400 and name in response.json()


def test_an_empty_format_is_refused_as_an_unknown_one_is(as_vera):
    assert as_vera.get("/api/v1/accounts/?format=").status_code == 404


def test_scorecard_targets_below_their_minimum_are_refused_over_multipart(as_vera):
    card = default_scorecard()
    body = {"targets": '{"stale_after_days": -5}'}
    response = as_vera.patch(f"/api/v1/scorecards/{card.pk}/", body, format="multipart")
    assert response.status_code == 400 and "targets" in response.json()
    assert Scorecard.objects.get(pk=card.pk).effective_spec()["targets"]["stale_after_days"] >= 0


def test_a_milestone_with_an_empty_proof_signal_is_refused_over_multipart(as_alice, alice):
    account = make_account(csm=alice)
    body = {"account": account.pk, "name": "First ROI report", "kind": "outcome",
            "proof_signal": ""}  # fmt: skip
    response = as_alice.post("/api/v1/milestones/", body, format="multipart")
    assert response.status_code == 400 and "proof_signal" in response.json()
    assert not OnboardingMilestone.objects.exists()


def test_trace_on_a_page_answers_405(client, alice):
    client.force_login(alice)
    response = client.generic("TRACE", reverse("home"))
    assert response.status_code == 405 and "TRACE" not in response["Allow"]


def test_trace_on_the_api_answers_405(as_alice):
    assert as_alice.generic("TRACE", "/api/v1/accounts/").status_code == 405


def test_the_schema_is_built_once_for_many_requests(as_vera):
    CachedSchemaView.built.clear()
    with mock.patch.object(
        SchemaGenerator, "get_schema", autospec=True, side_effect=SchemaGenerator.get_schema
    ) as build:
        answers = [as_vera.get("/api/v1/schema/").status_code for _ in range(3)]
    assert (answers, build.call_count) == ([200, 200, 200], 1)
