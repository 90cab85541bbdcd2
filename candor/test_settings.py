"""The test suite's settings: Candor's own, read as on a developer's machine.

DEBUG is off unless set (production's default), so the suite says what a developer's shell
would: DEBUG=1 (static files without a collectstatic manifest, local hosts) and a throwaway key.
Django's test runner still runs every test with DEBUG off. Tests that check the production
defaults start Python with `candor.settings` and their own environment.
"""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("SECRET_KEY", "django-insecure-candor-tests-only")

from candor.settings import *  # noqa: E402, F403

# The test client reads what became of a message right after its request (tests of the
# deferred drain set "background" or "celery" themselves).
SOURCES_DRAIN = os.environ.get("SOURCES_DRAIN", "inline")
# The same for rescores: in the request without a broker, as the tests read them (tests of the
# rescore thread set "background" themselves).
HEALTH_RESCORE = os.environ.get("HEALTH_RESCORE", "celery")
