"""Named people for permission tests, as in healthchecks: Alice and Bob are CSMs with their own
books, Vera is a VP who sees everything, Charlie has an account but no role. Beside them, one of
each other role: Lena a team lead, Sam an account executive, Pia a product manager and Fred a
finance analyst (their team and accounts are made by the tests that need them)."""

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
def lena(db):
    return user_create_with_role(username="lena", role="team_lead", password=PASSWORD)


@pytest.fixture
def sam(db):
    return user_create_with_role(username="sam", role="sales", password=PASSWORD)


@pytest.fixture
def pia(db):
    return user_create_with_role(username="pia", role="product", password=PASSWORD)


@pytest.fixture
def fred(db):
    return user_create_with_role(username="fred", role="finance", password=PASSWORD)


@pytest.fixture
def charlie(db, django_user_model):
    return django_user_model.objects.create_user(username="charlie", password=PASSWORD)


@pytest.fixture
def tasks_inline(settings, monkeypatch):
    """Celery tasks and rescore requests run at once in this process, as without a broker:
    under CI's REDIS_URL no worker would take the ones a test waits for. Patched on the task
    class, which the monkeypatch restores (Celery's own eager setting outlived the test)."""
    from celery.app.task import Task

    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setattr(
        Task,
        "apply_async",
        lambda task, args=None, kwargs=None, **options: task.apply(
            args, kwargs, **{k: v for k, v in options.items() if k in ("task_id", "link")}
        ),
    )
