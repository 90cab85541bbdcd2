"""Rules about an account's handoff, decisions, shared objective and promises, each written once
as a query expression.

The scorer's features count rows with these (`health.features`), and the pages and the
portfolio annotate or filter rows with the very same expressions, so a decision the account page
marks late is one the score counts late, and the portfolio's commitment debt is the scorer's
commitment gap. Each takes the day it is judged on (`as_of`) where time matters.
"""

from datetime import date, timedelta

from django.db.models import BooleanField, Case, DateField, ExpressionWrapper, F, Q, Value, When
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan

from accounts.models import ProductStatus, Urgency

DAY = timedelta(days=1)
BLANK = r"^\s*$"

# What the handoff from sales must carry, each with the test that it is missing.
HANDOFF_GAPS = {
    "why they bought": Q(handoff_why_bought__regex=BLANK),
    "real needs": Q(handoff_real_needs__regex=BLANK),
    "internal politics": Q(handoff_politics__regex=BLANK),
    "urgency": Q(handoff_urgency=Urgency.UNKNOWN),
}


def handoff_missing_count():
    """How many of the handoff's items are missing, counted by the database."""
    gaps = [Case(When(gap, then=1), default=0) for gap in HANDOFF_GAPS.values()]
    return sum(gaps[1:], gaps[0])


def decision_circulated_late(as_of: date) -> Q:
    """Not circulated within 24 hours of being decided, i.e. by the end of the next day, judged
    on `as_of`: a decision made today or yesterday and not circulated yet is not late yet."""
    deadline_passed = Q(decided_on__lt=as_of - DAY)
    missed = Q(circulated_on__isnull=True) | Q(circulated_on__gt=F("decided_on") + DAY)
    return deadline_passed & missed


def decision_reopened_within_week(as_of: date) -> Q:
    return Q(reopened_on__lte=as_of) & Q(reopened_on__lte=F("decided_on") + 7 * DAY)


def objective_review_overdue(as_of: date) -> Q:
    """Never reviewed, or more than `review_cadence_days` since the last review on `as_of`."""
    due = CombinedExpression(
        F("last_reviewed_on"), "+", F("review_cadence_days"), output_field=DateField()
    )
    return Q(last_reviewed_on__isnull=True) | Q(GreaterThan(Value(as_of, DateField()), due))


# Product has not committed to what the customer was told is coming.
UNCOMMITTED = (ProductStatus.UNDER_CONSIDERATION, ProductStatus.DECLINED)
NOT_SHIPPED = tuple(status for status in ProductStatus.values if status != ProductStatus.SHIPPED)
OPEN = tuple(s for s in ProductStatus.values if s not in (ProductStatus.SHIPPED, "declined"))


def commitment_known(as_of: date) -> Q:
    return Q(made_on__isnull=True) | Q(made_on__lte=as_of)


def commitment_uncommitted() -> Q:
    """The customer was told something, and product has it under consideration or declined."""
    return Q(told_customer__regex=r"\S", product_status__in=UNCOMMITTED)


def commitment_overdue(as_of: date) -> Q:
    return Q(product_status__in=NOT_SHIPPED, due_on__lt=as_of)


def commitment_unscoped_open() -> Q:
    return Q(scoped=False, product_status__in=OPEN)


def commitment_gap(as_of: date) -> Q:
    """What the `commitment_gap` flag counts: uncommitted or overdue promises."""
    return commitment_uncommitted() | commitment_overdue(as_of)


def flagged(condition: Q) -> Coalesce:
    """A rule as a boolean column, for pages that mark rows with it (unknown, e.g. no due date,
    is false, as it is when the rule filters)."""
    return Coalesce(ExpressionWrapper(condition, output_field=BooleanField()), Value(False))
