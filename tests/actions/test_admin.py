"""The rules' thresholds and the playbooks are edited in the admin."""

import pytest
from django.urls import reverse

from actions.models import Playbook, RuleSetting

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in(client, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(admin)
    return client


def test_the_default_thresholds_are_seeded_and_editable(admin_client_logged_in):
    drop = RuleSetting.objects.get(rule="score_drop")
    assert (drop.points, drop.days) == (10, 7)
    url = reverse("admin:actions_rulesetting_change", args=[drop.pk])
    data = {"rule": "score_drop", "active": "on", "points": 15, "days": 14, "due_in_days": 5}
    assert admin_client_logged_in.post(url, data).status_code == 302
    drop.refresh_from_db()
    assert (drop.points, drop.days, drop.due_in_days) == (15, 14, 5)


def test_every_flag_has_a_default_playbook_written_from_the_remedies():
    from health.scoring.flags import FLAG_LABELS

    assert set(FLAG_LABELS) <= set(Playbook.objects.values_list("code", flat=True))
    alignment = Playbook.objects.get(code="stakeholder_misalignment")
    text = " ".join(alignment.steps)
    for remedy in ("alignment workshop with the exec sponsor", "signed by the exec sponsor",
                   "within 24 hours"):  # fmt: skip
        assert remedy in text


def test_a_playbooks_steps_are_edited_in_the_admin(admin_client_logged_in):
    playbook = Playbook.objects.get(code="champion_left")
    url = reverse("admin:actions_playbook_change", args=[playbook.pk])
    data = {"code": "champion_left", "title": "New champion", "active": "on",
            "steps": '["Meet the successor", "Re-map stakeholders"]'}  # fmt: skip
    assert admin_client_logged_in.post(url, data).status_code == 302
    playbook.refresh_from_db()
    assert playbook.steps == ["Meet the successor", "Re-map stakeholders"]


def test_a_playbook_with_an_empty_step_is_refused(admin_client_logged_in):
    playbook = Playbook.objects.get(code="champion_left")
    url = reverse("admin:actions_playbook_change", args=[playbook.pk])
    data = {"code": "champion_left", "title": "x", "active": "on", "steps": '["ok", ""]'}
    assert admin_client_logged_in.post(url, data).status_code == 200  # re-shown with the error
    playbook.refresh_from_db()
    assert playbook.steps != ["ok", ""]
