"""A PATCH naming steps without `done` (found by schemathesis: it answered 500)."""

import pytest

from actions.models import Action
from tests.factories import make_account

pytestmark = pytest.mark.django_db


def test_a_patched_step_without_done_is_not_done(as_alice, alice):
    action = Action.objects.create(account=make_account(csm=alice), title="Call", owner=alice)
    response = as_alice.patch(
        f"/api/v1/actions/{action.pk}/", {"steps": [{"text": "Book it"}]}, format="json"
    )
    assert response.status_code == 200
    action.refresh_from_db()
    assert action.steps == [{"text": "Book it", "done": False}]
