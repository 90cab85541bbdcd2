"""/playbooks/: a VP edits a playbook's title, steps (one a line), rule or flag, switch and due
days; nobody else may."""

import pytest
from django.urls import reverse

from actions.firings import rule_settings
from actions.models import Playbook, Rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def playbook(db):
    found, _ = Playbook.objects.update_or_create(
        code="champion_left",
        defaults={"title": "Replace the champion who left", "steps": ["Find who inherited it"]},
    )
    return found


def edit(playbook, **changes):
    data = {"title": playbook.title, "code": playbook.code, "active": "on",
            "steps_text": "\n".join(playbook.steps), "due_in_days": "14", **changes}  # fmt: skip
    return reverse("playbook_edit", args=[playbook.pk]), data


def test_a_vp_lists_the_playbooks(client, vera, playbook):
    client.force_login(vera)
    response = client.get(reverse("playbooks"))
    assert response.status_code == 200
    assert "Replace the champion who left" in response.content.decode()


@pytest.mark.parametrize("who", ["alice", "charlie"])
def test_only_a_vp_may_open_the_playbooks(client, alice, charlie, playbook, who):
    client.force_login({"alice": alice, "charlie": charlie}[who])
    assert client.get(reverse("playbooks")).status_code == 403
    url, data = edit(playbook, title="Hijacked")
    assert client.post(url, data).status_code == 403
    playbook.refresh_from_db()
    assert playbook.title == "Replace the champion who left"


def test_a_vp_edits_steps_one_a_line_and_the_due_days(client, vera, playbook):
    client.force_login(vera)
    url, data = edit(playbook, steps_text="Meet the heir\n\n  Re-map the stakeholders  \n",
                     due_in_days="10")  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    playbook.refresh_from_db()
    assert playbook.steps == ["Meet the heir", "Re-map the stakeholders"]
    assert rule_settings()[Rule.FLAG_RAISED].due_in_days == 10


def test_a_vp_switches_a_playbook_off(client, vera, playbook):
    client.force_login(vera)
    url, data = edit(playbook)
    del data["active"]
    client.post(url, data)
    playbook.refresh_from_db()
    assert playbook.active is False


def test_a_playbook_without_steps_is_refused_and_unchanged(client, vera, playbook):
    client.force_login(vera)
    url, data = edit(playbook, steps_text="  \n", title="Changed")
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Give at least one step." in response.content.decode()
    playbook.refresh_from_db()
    assert (playbook.title, playbook.steps) == (
        "Replace the champion who left", ["Find who inherited it"])  # fmt: skip


def test_a_rule_playbooks_due_days_are_the_rules_own(client, vera):
    playbook, _ = Playbook.objects.update_or_create(
        code="entered_red", defaults={"title": "Find out why", "steps": ["Read the reasons"]}
    )
    client.force_login(vera)
    url, data = edit(playbook, due_in_days="2")
    client.post(url, data)
    settings = rule_settings()
    assert (settings[Rule.ENTERED_RED].due_in_days, settings[Rule.FLAG_RAISED].due_in_days) == (
        2, 14)  # fmt: skip


def test_the_playbooks_page_query_count_is_bounded(client, vera, playbook,
                                                    django_assert_max_num_queries):  # fmt: skip
    client.force_login(vera)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("playbooks")).status_code == 200
