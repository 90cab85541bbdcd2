"""Named people for permission tests, as in healthchecks: Alice and Bob are CSMs with their own
books, Vera is a VP who sees everything, Charlie has an account but no role."""

import pytest

from accounts.services import user_create_with_role

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (with REDIS_URL it outlives the test database)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def alice(db):
    return user_create_with_role(username="alice", role="csm", password=PASSWORD)


@pytest.fixture
def bob(db):
    return user_create_with_role(username="bob", role="csm", password=PASSWORD)


@pytest.fixture
def vera(db):
    return user_create_with_role(username="vera", role="vp", password=PASSWORD)


@pytest.fixture
def charlie(db, django_user_model):
    return django_user_model.objects.create_user(username="charlie", password=PASSWORD)


@pytest.fixture(autouse=True)
def builtin_signal_kinds(request):
    """The built-in signal kinds, as signals 0010 seeds them. A transactional test (live server,
    worker, browser) ends with a flush that empties every table, data migrations' rows too, so
    each test that uses the database starts with them in place again."""
    names = request.fixturenames
    if request.node.get_closest_marker("django_db"):
        request.getfixturevalue("_django_db_helper")
    elif "transactional_db" in names or "live_server" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names:
        request.getfixturevalue("db")
    else:
        return
    from signals.kinds import BUILTIN_KINDS
    from signals.models import SignalKindDef

    SignalKindDef.objects.bulk_create(
        [
            SignalKindDef(code=code, label=label, category=category, builtin=True)
            for code, (label, category) in BUILTIN_KINDS.items()
        ],
        ignore_conflicts=True,
    )
