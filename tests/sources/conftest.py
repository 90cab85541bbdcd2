"""A source made by Vera (a VP), and the real Segment library pointed at a live test server."""

import base64
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import Account
from sources import raw
from sources.services import source_create


@pytest.fixture(autouse=True)
def raw_store_empty(request):
    """Each test starts with an empty raw store (unmanaged, so a transactional test's flush
    leaves it) and without this process' remembered months (a rollback may have undone them)."""
    raw._known.clear()
    yield
    raw._known.clear()
    marker = request.node.get_closest_marker("django_db")
    committed = marker is not None and marker.kwargs.get("transaction", False)
    if committed or {"transactional_db", "live_server"} & set(request.fixturenames):
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {raw.TABLE}")


@pytest.fixture
def source_and_key(vera):
    return source_create(name="Product (Segment)", created_by=vera)


@pytest.fixture
def source(source_and_key):
    return source_and_key[0]


@pytest.fixture
def key(source_and_key):
    return source_and_key[1]


@pytest.fixture
def acme(alice):
    return Account.objects.create(
        external_id="acme", name="Acme", arr=Decimal("50000"), contract_start=date(2026, 1, 1),
        renewal_date=date(2027, 1, 1), csm=alice,
    )  # fmt: skip


def basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


@pytest.fixture
def segment(live_server, key):
    """A real Segment client with its default batching, flushed and shut down after the test;
    errors the server answered are kept in `client.errors`."""
    from segment.analytics import Client

    errors = []
    clients = []

    def make(write_key=None, **options):
        client = Client(
            write_key=write_key or key, host=f"{live_server.url}/ingest/segment",
            on_error=lambda error, batch: errors.append(error), max_retries=0, **options,
        )  # fmt: skip
        client.errors = errors
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.shutdown()
