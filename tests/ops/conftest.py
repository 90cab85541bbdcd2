from tests.faults.conftest import start_gunicorn  # noqa: F401
