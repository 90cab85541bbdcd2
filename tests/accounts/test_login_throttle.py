"""Sign-in is throttled per username and address: past the limit that pair is locked out, with a
message that says so, while the same person elsewhere (or others here) can still sign in."""

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(username, password, address="203.0.113.7"):
    return Client(REMOTE_ADDR=address).post("/login/", {"username": username, "password": password})


def fail_until_locked(username, address="203.0.113.7"):
    return [
        sign_in(username, "wrong", address).status_code for _ in range(settings.AXES_FAILURE_LIMIT)
    ]


def test_wrong_passwords_past_the_limit_lock_the_sign_in(alice):
    fail_until_locked("alice")
    response = sign_in("alice", "wrong")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()


def test_while_locked_even_the_right_password_is_refused(alice):
    fail_until_locked("alice")
    response = sign_in("alice", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in response.client.session


def test_sixty_wrong_passwords_are_not_all_answered_normally(alice):
    statuses = [sign_in("alice", f"guess-{n}").status_code for n in range(60)]
    assert statuses.count(200) == settings.AXES_FAILURE_LIMIT - 1


def test_the_lockout_is_per_username_and_address(alice, bob):
    fail_until_locked("alice")
    assert sign_in("alice", PASSWORD, address="198.51.100.20").status_code == 302
    assert sign_in("bob", PASSWORD).status_code == 302


def test_a_right_password_before_the_limit_resets_the_count(alice):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in("alice", "wrong")
    assert sign_in("alice", PASSWORD).status_code == 302
    assert sign_in("alice", "wrong").status_code == 200
