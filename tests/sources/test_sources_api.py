"""The sources API: VPs only; the key shown once; the trait map and event map checked."""

import pytest
from rest_framework.test import APIClient

from sources.models import EventMapping, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_vera(vera):
    client = APIClient()
    client.force_authenticate(vera)
    return client


def test_creating_a_source_replies_with_its_id_and_key_once(as_vera):
    created = as_vera.post("/api/v1/sources/", {"name": "Web app"}, format="json")
    assert created.status_code == 201
    assert {"id", "key"} <= set(created.json())
    source = Source.objects.get(pk=created.json()["id"])
    assert source.key_matches(created.json()["key"])
    listed = as_vera.get("/api/v1/sources/").json()["results"][0]
    assert "key" not in listed and "key_hash" not in listed


def test_the_key_is_stored_hashed(as_vera):
    key = as_vera.post("/api/v1/sources/", {"name": "Web app"}, format="json").json()["key"]
    assert key not in Source.objects.values_list("key_hash", flat=True)


def test_a_csm_may_not_use_the_sources_api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    assert client.get("/api/v1/sources/").status_code == 403
    assert client.post("/api/v1/sources/", {"name": "x"}, format="json").status_code == 403


def test_patch_sets_the_trait_map_and_default_csm(as_vera, source, alice):
    body = {"trait_map": {"arr": "arr", "csm": "csm_email"}, "default_csm": "alice"}
    response = as_vera.patch(f"/api/v1/sources/{source.pk}/", body, format="json")
    assert response.status_code == 200
    source.refresh_from_db()
    assert (source.trait_map, source.default_csm) == (body["trait_map"], alice)


def test_an_unknown_field_in_the_trait_map_is_refused_and_nothing_changes(as_vera, source):
    response = as_vera.patch(
        f"/api/v1/sources/{source.pk}/", {"trait_map": {"colour": "c"}}, format="json"
    )
    assert response.status_code == 400
    source.refresh_from_db()
    assert source.trait_map == {}


def test_revoke_marks_the_source_revoked(as_vera, source):
    response = as_vera.post(f"/api/v1/sources/{source.pk}/revoke/")
    assert (response.status_code, response.json()["revoked"]) == (200, True)


def test_rotate_key_replies_with_a_new_key(as_vera, source, key):
    response = as_vera.post(f"/api/v1/sources/{source.pk}/rotate-key/")
    new = response.json()["key"]
    source.refresh_from_db()
    assert new != key and source.key_matches(new) and not source.key_matches(key)


def test_events_lists_the_event_map_with_its_fields(as_vera, source, client, key):
    from .test_ingest_http import BATCH, post

    post(client, BATCH, {"batch": [{"type": "track", "event": "Login", "messageId": "1"}]}, key)
    rows = as_vera.get(f"/api/v1/sources/{source.pk}/events/").json()
    assert [(r["event"], r["count"], r["kind"], r["value_property"]) for r in rows] == [
        ("Login", 1, None, None)
    ]
    assert rows[0]["first_seen"] and rows[0]["last_seen"]


def test_patching_events_maps_them(as_vera, source):
    body = [{"event": "Report Exported", "kind": "export", "value_property": "format"}]
    response = as_vera.patch(f"/api/v1/sources/{source.pk}/events/", body, format="json")
    assert response.status_code == 200
    mapping = EventMapping.objects.get(source=source)
    assert (mapping.kind, mapping.value_property) == ("export", "format")


def test_an_unknown_kind_is_refused_and_nothing_changes(as_vera, source):
    body = [{"event": "A", "kind": "export"}, {"event": "B", "kind": "no_such_kind"}]
    response = as_vera.patch(f"/api/v1/sources/{source.pk}/events/", body, format="json")
    assert response.status_code == 400
    assert not EventMapping.objects.exists()
