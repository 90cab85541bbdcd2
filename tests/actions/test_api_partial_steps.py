"""A PATCH of an action's steps that leaves out `done` (a partial update skips the field's
default): each such step is not done, never a server error."""

import pytest
from rest_framework.test import APIClient

from actions.models import Action
from tests.factories import make_account

pytestmark = pytest.mark.django_db


def test_a_step_patched_without_done_is_not_done(alice):
    account = make_account(csm=alice, name="Harbor Foods")
    action = Action.objects.create(account=account, title="Call", owner=alice,
                                   steps=[{"text": "Book it", "done": True}])  # fmt: skip
    client = APIClient()
    client.force_authenticate(alice)
    response = client.patch(f"/api/v1/actions/{action.pk}/", {"steps": [{"text": "Book it"}]},
                            format="json")  # fmt: skip
    assert response.status_code == 200
    action.refresh_from_db()
    assert action.steps == [{"text": "Book it", "done": False}]
