import pytest
from django.test import override_settings

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The demo creates ten users; real hashing would dominate these tests' run time."""
    settings.PASSWORD_HASHERS = FAST_HASHERS


def fast_hashing():
    return override_settings(PASSWORD_HASHERS=FAST_HASHERS)
