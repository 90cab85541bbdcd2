"""The Product lens's named people: Paula is a product manager, Fiona a finance analyst; Alice
and Bob are CSMs, Vera a VP (tests/conftest). The portfolio is tests/roadmap/builders.py's."""

import pytest

from accounts.services import user_create_with_role
from tests.conftest import PASSWORD
from tests.roadmap.builders import Portfolio, build_portfolio


@pytest.fixture
def paula(db):
    return user_create_with_role(username="paula", role="product", password=PASSWORD)


@pytest.fixture
def fiona(db):
    return user_create_with_role(username="fiona", role="finance", password=PASSWORD)


@pytest.fixture
def portfolio(alice, bob) -> Portfolio:
    return build_portfolio(alice, bob)
