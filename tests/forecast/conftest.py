"""The API clients of tests/api, and a small portfolio renewing this quarter, for the
forecast's endpoints and page."""

from decimal import Decimal

import pytest

from tests.api.conftest import as_alice, as_bob, as_vera  # noqa: F401
from tests.factories import give_health, make_account
from tests.forecast.builders import adopt_flat_model, this_quarter_day


@pytest.fixture
def renewing(alice):
    """Two renewals at the end of this quarter (one scored, one not), 20% likely to churn."""
    adopt_flat_model(0.2)
    big = make_account(
        csm=alice, name="Big", arr=Decimal("100000"), renewal_date=this_quarter_day()
    )
    small = make_account(
        csm=alice, name="Small", arr=Decimal("50000"), renewal_date=this_quarter_day()
    )
    give_health(big, overall=60, rag="amber")
    return big, small
