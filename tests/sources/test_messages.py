"""Where each fact of a Segment-spec message is read from (table-driven, no database)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from sources import messages as spec

RECEIVED = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("body", "expected"), [
    ({"timestamp": "2026-11-02T09:00:00Z", "originalTimestamp": "2026-11-01T09:00:00Z"},
     datetime(2026, 11, 2, 9, tzinfo=UTC)),
    ({"originalTimestamp": "2026-11-01T09:00:00+01:00"}, datetime(2026, 11, 1, 8, tzinfo=UTC)),
    ({"timestamp": None, "originalTimestamp": None}, RECEIVED),
    ({}, RECEIVED),
])  # fmt: skip
def test_occurred_at_is_timestamp_else_original_timestamp_else_received(body, expected):
    assert spec.occurred_at(body, RECEIVED) == expected


def test_a_timestamp_in_the_future_is_refused():
    with pytest.raises(spec.Refused):
        spec.occurred_at({"timestamp": "2027-06-01T00:00:00Z"}, RECEIVED)


@pytest.mark.parametrize(("body", "expected"), [
    ({"context": {"groupId": "a"}, "properties": {"groupId": "b", "accountId": "c"}}, "a"),
    ({"properties": {"groupId": "b", "accountId": "c"}}, "b"),
    ({"properties": {"accountId": 42}}, "42"),
    ({"context": None, "properties": None}, None),
])  # fmt: skip
def test_an_events_account_is_context_group_id_then_properties(body, expected):
    assert spec.event_account_key(body) == expected


@pytest.mark.parametrize(("type_", "body", "expected"), [
    ("track", {"event": "Report Exported"}, "Report Exported"),
    ("page", {"name": "Pricing"}, "Pricing"),
    ("page", {}, "Page Viewed"),
    ("screen", {"name": None}, "Screen Viewed"),
])  # fmt: skip
def test_pages_and_screens_are_named_by_their_name_or_viewed(type_, body, expected):
    assert spec.event_name(body, type_) == expected


@pytest.mark.parametrize(("body", "expected"), [
    ({"userId": "u1", "anonymousId": "a1"}, "u1"),
    ({"userId": None, "anonymousId": "a1"}, "a1"),
    ({}, ""),
])  # fmt: skip
def test_the_actor_is_the_user_id_else_the_anonymous_id(body, expected):
    assert spec.actor(body) == expected


def test_identify_reads_traits_from_context_when_the_message_has_none():
    body = {"context": {"traits": {"email": "kim@acme.test", "company": {"id": "acme"}}}}
    assert spec.stakeholder_fields(body) == {"email": "kim@acme.test"}
    assert spec.identify_account_key(body) == "acme"


def test_account_fields_come_through_the_trait_map():
    traits = {"name": "Acme", "annual": "1200.5", "plan_seats": 12, "arr": 99}
    fields = spec.account_fields(traits, {"arr": "annual", "seats": "plan_seats"})
    assert fields == {"name": "Acme", "arr": Decimal("1200.50"), "seats": 12}


@pytest.mark.parametrize(("field", "value"), [
    ("arr", "lots"), ("arr", -5), ("seats", 2.5), ("segment", "no spaces"),
    ("renewal_date", "next year"),
])  # fmt: skip
def test_a_malformed_trait_refuses_the_message(field, value):
    with pytest.raises(spec.Refused):
        spec.account_fields({"t": value}, {field: "t"})


def test_a_message_without_a_message_id_gets_one_from_its_content():
    first = spec.message_read({"type": "track", "event": "A"}, 0)
    again = spec.message_read({"type": "track", "event": "A"}, 1)
    assert first.message_id == again.message_id and first.message_id.startswith("sha256:")
