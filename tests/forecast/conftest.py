"""The API clients of tests/api, for the forecast's endpoints."""

from tests.api.conftest import as_alice, as_bob, as_vera  # noqa: F401
