"""The VP's source pages: list and create (the key shown once), the event map form, the
debugger fragment; CSMs are kept out."""

import pytest

from sources.models import EventMapping, Source

from .test_ingest_http import BATCH, post

pytestmark = pytest.mark.django_db


def test_creating_a_source_on_the_page_shows_its_key_once(client, vera):
    client.force_login(vera)
    response = client.post("/sources/", {"name": "Web app"})
    source = Source.objects.get(name="Web app")
    key = response.context["key"]
    assert response.status_code == 201 and source.key_matches(key)
    assert key in response.content.decode()
    assert key not in client.get(f"/sources/{source.pk}/").content.decode()


def test_a_csm_may_not_open_the_sources_page(client, alice, source):
    client.force_login(alice)
    assert client.get("/sources/").status_code == 403
    assert client.get(f"/sources/{source.pk}/").status_code == 403


def test_the_debugger_shows_what_became_of_each_message(client, vera, source, key):
    post(client, BATCH, {"batch": [{"type": "track", "event": "Login"}, {"type": "bogus"}]}, key)
    client.force_login(vera)
    html = client.get(f"/sources/{source.pk}/debugger/").content.decode()
    assert "Skipped: unmapped" in html and "Refused" in html and "Unknown type" in html


def test_the_event_map_form_maps_an_event(client, vera, source, key):
    post(client, BATCH, {"batch": [{"type": "track", "event": "Login"}]}, key)
    client.force_login(vera)
    response = client.post(f"/sources/{source.pk}/events/",
                           {"event": ["Login"], "kind": ["login"], "value_property": [""]})  # fmt: skip
    assert response.status_code == 302
    assert EventMapping.objects.get(source=source, event="Login").kind == "login"


def test_an_unknown_kind_in_the_form_is_refused_with_a_message(client, vera, source, key):
    post(client, BATCH, {"batch": [{"type": "track", "event": "Login"}]}, key)
    client.force_login(vera)
    response = client.post(f"/sources/{source.pk}/events/",
                           {"event": ["Login"], "kind": ["nope"], "value_property": [""]})  # fmt: skip
    assert response.status_code == 400 and "Unknown kind" in response.content.decode()
    assert EventMapping.objects.get(source=source, event="Login").kind is None
