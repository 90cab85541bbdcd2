"""Segment's HTTP API at the edges: limits, bad bodies, auth forms, and one bad message among
good ones (the batch is accepted; the bad one is kept and shown as refused)."""

import gzip
import json

import psycopg
import pytest
from django.db import connection

from accounts.models import Account
from sources.models import Outcome, RawMessage

from .conftest import basic

pytestmark = pytest.mark.django_db

BATCH = "/ingest/segment/v1/batch"


def post(client, path, body, key, **headers):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.generic("POST", path, data, content_type="application/json",
                          HTTP_AUTHORIZATION=basic(key), **headers)  # fmt: skip


def test_a_well_formed_batch_gets_exactly_success_true(client, key, source):
    response = post(client, BATCH, {"batch": [{"type": "track", "event": "Login"}]}, key)
    assert (response.status_code, response.json()) == (200, {"success": True})


def test_an_accepted_batch_is_answered_with_the_exact_bytes_of_segments_success(
    client, key, source
):
    response = post(client, BATCH, {"batch": [{"type": "track", "event": "Login"}]}, key)
    assert (response.content, response["Content-Type"]) == (
        b'{"success": true}', "application/json",
    )  # fmt: skip


def test_a_bearer_key_is_accepted(client, key, source):
    response = client.post(
        "/ingest/segment/v1/track", {"event": "Login", "userId": "u1"},
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}",
    )  # fmt: skip
    assert response.status_code == 200
    assert RawMessage.objects.get().type == "track"


def test_no_key_is_401_with_segments_error_shape(client, source):
    response = client.post(BATCH, {"batch": []}, content_type="application/json")
    assert response.status_code == 401
    assert response.json() == {
        "success": False, "code": "unauthorized", "message": "Wrong or revoked source key.",
    }  # fmt: skip


def test_an_oversized_message_is_skipped_and_the_batch_accepted(client, key, source):
    big = {"type": "track", "event": "Big", "properties": {"blob": "x" * 40_000}}
    small = {"type": "track", "event": "Small", "messageId": "s1"}
    response = post(client, BATCH, {"batch": [big, small]}, key)
    assert response.status_code == 200
    outcomes = dict(RawMessage.objects.values_list("outcome", "event"))
    assert outcomes[Outcome.REFUSED] is None
    assert outcomes[Outcome.UNMAPPED] == "Small"


def test_a_lone_message_over_32_kb_on_a_single_message_path_is_400(client, key, source):
    body = {"event": "Big", "properties": {"blob": "x" * 40_000}}
    response = post(client, "/ingest/segment/v1/track", body, key)
    assert (response.status_code, response.json()["code"]) == (400, "message_too_large")


def test_a_body_over_5_mib_is_400_and_stores_nothing(client, key, source):
    body = {"batch": [{"type": "track", "event": "E", "properties": {"p": "x" * 30_000}}] * 180}
    response = post(client, BATCH, body, key)
    assert (response.status_code, response.json()["code"]) == (400, "body_too_large")
    assert not RawMessage.objects.exists()


def test_a_gzip_body_over_5_mib_once_decompressed_is_400(client, key, source):
    body = gzip.compress(json.dumps({"batch": [{"event": "x" * 100}] * 60_000}).encode())
    assert len(body) < 5 * 1024 * 1024
    response = post(client, BATCH, body, key, HTTP_CONTENT_ENCODING="gzip")
    assert (response.status_code, response.json()["code"]) == (400, "body_too_large")


def test_bad_json_is_400(client, key, source):
    response = post(client, BATCH, b'{"batch": [', key)
    assert (response.status_code, response.json()["success"]) == (400, False)
    assert response.json()["code"] == "invalid_json"


def test_a_body_that_says_gzip_but_is_not_is_400(client, key, source):
    response = post(client, BATCH, b"{}", key, HTTP_CONTENT_ENCODING="gzip")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_gzip")


def test_null_fields_are_accepted(client, key, source, vera):
    message = {"type": "group", "groupId": "acme", "anonymousId": None, "userId": None,
               "traits": {"name": "Acme", "arr": None}, "context": None, "timestamp": None}  # fmt: skip
    response = post(client, BATCH, {"batch": [message]}, key)
    assert response.status_code == 200
    assert Account.objects.get(external_id="acme").name == "Acme"


def test_a_webhook_post_of_one_message_works(client, key, source):
    response = post(client, "/ingest/segment/v1/webhook", {"type": "page", "name": "Home"}, key)
    assert response.status_code == 200
    assert RawMessage.objects.get().event == "Home"


def test_the_path_gives_the_type_even_when_the_message_says_none(client, key, source):
    post(client, "/ingest/segment/v1/screen", {"userId": "u1"}, key)
    assert RawMessage.objects.values_list("type", "event").get() == ("screen", "Screen Viewed")


def test_a_message_with_an_unknown_type_is_refused_the_rest_goes_in(client, key, source):
    batch = [{"type": "nonsense"}, {"type": "track", "event": "Login"}]
    assert post(client, BATCH, {"batch": batch}, key).status_code == 200
    assert sorted(RawMessage.objects.values_list("outcome", flat=True)) == [
        Outcome.REFUSED, Outcome.UNMAPPED,
    ]  # fmt: skip


def test_a_long_message_that_is_no_object_is_refused_the_rest_goes_in(client, key, source):
    batch = ["x" * 3000, [1] * 1000, {"type": "track", "event": "Login"}]
    assert post(client, BATCH, {"batch": batch}, key).status_code == 200
    kept = RawMessage.objects.order_by("id").values_list("outcome", "body")
    assert list(kept) == [(Outcome.REFUSED, None), (Outcome.REFUSED, None), (Outcome.UNMAPPED,
        {"type": "track", "event": "Login"})]  # fmt: skip


def test_a_group_call_with_renewal_before_contract_start_is_refused(client, key, source):
    source.trait_map = {"contract_start": "start", "renewal_date": "renews"}
    source.save()
    message = {"type": "group", "groupId": "acme", "traits": {"start": "2026-05-01",
                                                              "renews": "2026-01-01"}}  # fmt: skip
    post(client, BATCH, {"batch": [message]}, key)
    assert not Account.objects.exists()
    assert "before contract start" in RawMessage.objects.get().detail


def test_a_get_is_405(client, key, source):
    assert client.get(BATCH, HTTP_AUTHORIZATION=basic(key)).status_code == 405


def test_a_source_key_does_not_authenticate_the_rest_api(client, key, source):
    for header in (f"Token {key}", basic(key), f"Bearer {key}"):
        assert client.get("/api/v1/accounts/", HTTP_AUTHORIZATION=header).status_code == 401


def test_a_rotated_key_stops_the_old_one_at_once(client, key, source):
    from sources.services import source_key_rotate

    _, new = source_key_rotate(source=source)
    assert post(client, BATCH, {"batch": []}, key).status_code == 401
    assert post(client, BATCH, {"batch": []}, new).status_code == 200


def test_ids_too_long_for_candor_are_refused_and_the_rest_goes_in(client, key, source, acme):
    batch = [
        {"type": "group", "groupId": "g" * 101, "traits": {"name": "Long"}},
        {"type": "identify", "userId": "u" * 101, "context": {"groupId": "acme"}},
        {"type": "identify", "userId": "kim", "context": {"groupId": "acme"}},
    ]
    assert post(client, BATCH, {"batch": batch}, key).status_code == 200
    outcomes = list(RawMessage.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == [Outcome.REFUSED, Outcome.REFUSED, Outcome.STAKEHOLDER]
    assert not Account.objects.filter(name="Long").exists()


def test_a_connection_the_server_dropped_is_replaced_and_the_batch_kept(
    transactional_db, client, key, source
):
    """Requests skip Django's health check: the dropped connection fails the batch's statement,
    and the batch goes again on a new connection (no 503 for the library to retry)."""
    login = {"type": "track", "event": "Login", "userId": "u1"}
    post(client, BATCH, {"batch": [login | {"messageId": "m1"}]}, key)
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
    response = post(client, BATCH, {"batch": [login | {"messageId": "m2"}]}, key)
    assert (response.status_code, response.json()) == (200, {"success": True})
    assert sorted(RawMessage.objects.values_list("message_id", flat=True)) == ["m1", "m2"]
