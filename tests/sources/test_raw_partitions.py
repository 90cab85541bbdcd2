"""The raw message store: a month gets its partition on first write; retention drops whole
months (and old rows of the default partition), never the months still kept."""

from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from sources import raw
from sources.ingest import messages_ingest
from sources.models import RawMessage

pytestmark = pytest.mark.django_db


def receive(source, when):
    messages_ingest(source=source, items=[{"type": "track", "event": "Login"}], received_at=when)


def months(cursor):
    return [name for name, _, _ in raw.raw_partitions(cursor)]


def test_a_message_lands_in_its_months_partition(source):
    receive(source, datetime(2025, 3, 10, tzinfo=UTC))
    with connection.cursor() as cursor:
        assert "sources_rawmessage_2025_03" in months(cursor)
        cursor.execute("SELECT count(*) FROM sources_rawmessage_2025_03")
        assert cursor.fetchone()[0] == 1


def test_dropping_keeps_the_months_after_the_cutoff(source):
    for month in (1, 2, 3):
        receive(source, datetime(2025, month, 15, tzinfo=UTC))
    dropped = raw.raw_partitions_drop(before=date(2025, 3, 1))
    assert dropped == ["sources_rawmessage_2025_01", "sources_rawmessage_2025_02"]
    assert list(RawMessage.objects.values_list("received_at__month", flat=True)) == [3]


def test_old_rows_of_the_default_partition_go_too(source):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO sources_rawmessage (source_id, received_at, type, outcome) "
            "VALUES (%s, '2024-01-05', 'track', 'unmapped')",
            [source.pk],
        )
    raw.raw_partitions_drop(before=date(2025, 1, 1))
    assert not RawMessage.objects.exists()


@override_settings(SOURCES_RAW_RETENTION_DAYS=30)
def test_the_prune_command_drops_months_past_the_retention_setting(source):
    receive(source, datetime(2020, 1, 15, tzinfo=UTC))
    call_command("prune_raw_messages", stdout=open("/dev/null", "w"))
    with connection.cursor() as cursor:
        assert "sources_rawmessage_2020_01" not in months(cursor)
