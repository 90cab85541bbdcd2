from tests.api.conftest import as_alice, as_bob, as_vera  # noqa: F401  (API clients)
