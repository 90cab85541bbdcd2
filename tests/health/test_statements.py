"""A small rescore's statements are compiled once a day and read with each call's own ids: the
features a list of accounts reads are the ones a statement compiled for them would read."""

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from django.db.models import Count
from django.utils import timezone

from accounts.models import Decision, Stakeholder
from health import features, statements
from health.features import (
    AccountRange,
    build_features,
    per_card,
)
from health.frames import fetch_joined, joined, joined_read
from health.models import ComponentOverride
from health.overrides import override_features
from health.services import scorecards_by_segment
from health.statements import SLOT, bound, statement_text
from tests.factories import days_ago, make_account, make_signal, make_stakeholder

pytestmark = pytest.mark.django_db


def today():
    return timezone.now().date()


@pytest.fixture
def kept_afresh(monkeypatch):
    """No statement kept by an earlier test."""
    monkeypatch.setattr(statements, "_kept", {})


@pytest.fixture
def accounts(alice):
    start = days_ago(400)
    plain, busy, quiet = (make_account(csm=alice, contract_start=start) for _ in range(3))
    make_stakeholder(account=busy, role="exec_sponsor", last_engaged_on=days_ago(3))
    make_stakeholder(account=plain, role="user")
    Decision.objects.create(account=busy, summary="EMEA", decided_on=days_ago(9))
    make_signal(account=busy, kind="login")
    return [plain.pk, busy.pk, quiet.pk]


def people_rows(restrict):
    rows = features.scoped(Stakeholder.objects.all(), restrict)
    return rows.values("account_id").annotate(people=Count("id"))


def test_the_ids_slot_cannot_be_read_as_ids():
    with pytest.raises(TypeError):
        list(SLOT)


def test_a_statement_text_bound_to_ids_reads_those_ids(accounts):
    sql, params = people_rows(SLOT).query.sql_with_params()
    text = statement_text(sql, params)
    assert "candor:ids" in text
    assert bound(text, [accounts[1]]).count(f"{{{accounts[1]}}}") == 1


def test_a_joined_statement_reads_any_ids_as_one_compiled_for_them(accounts):
    statement = joined([people_rows(SLOT)])
    for ids in (accounts, accounts[::-1], accounts[:1]):
        (kept,) = joined_read(statement, ids)
        (fresh,) = fetch_joined([people_rows(ids)], ids)
        pd.testing.assert_frame_equal(kept, fresh)


def spying(monkeypatch, names: list[str]) -> list[str]:
    """Record each call of the named statement builders of health.features."""
    called = []
    for name in names:
        builder = getattr(features, name)

        def spy(*args, name=name, builder=builder):
            called.append(name)
            return builder(*args)

        monkeypatch.setattr(features, name, spy)
    return called


BUILDERS = ["account_rows", "summary_rows", "grouped_queries", "_records_asked"]


def test_a_list_of_accounts_compiles_its_statements_once_a_day(accounts, kept_afresh, monkeypatch):
    cards = scorecards_by_segment()
    called = spying(monkeypatch, BUILDERS)
    build_features(today(), accounts[:1], cards)
    assert sorted(called) == sorted(BUILDERS)
    build_features(today(), accounts[1:], cards)
    assert sorted(called) == sorted(BUILDERS), "the second list reads the kept statements"
    build_features(today() - timedelta(days=1), accounts[1:], cards)
    assert len(called) > len(BUILDERS), "another day compiles its own"


def test_kept_statements_read_what_fresh_ones_read_today_and_in_the_past(accounts, kept_afresh):
    for day in (today(), today() - timedelta(days=1)):
        build_features(day, accounts[:1])  # keeps the day's statements
        listed = build_features(day, accounts)
        ranged = build_features(day, AccountRange(min(accounts), max(accounts))).loc[accounts]
        pd.testing.assert_frame_equal(listed, ranged)


def test_overrides_of_a_list_of_accounts_read_what_a_range_reads(accounts, alice, kept_afresh):
    until = today() + timedelta(days=7)
    for component, value in (("engagement", 80.0), ("adoption", 35.5)):
        ComponentOverride.objects.create(
            account_id=accounts[1], component=component, value=value, reason="Workshop",
            until=until, author=alice,
        )  # fmt: skip
    override_features(today(), accounts[:1])  # keeps the day's statement
    listed = override_features(today(), accounts)
    ranged = override_features(today(), AccountRange(min(accounts), max(accounts)))
    pd.testing.assert_frame_equal(listed, ranged)
    assert listed.loc[accounts[1], ["override_engagement", "override_adoption"]].tolist() == [
        80.0,
        35.5,
    ]


def test_per_card_answers_each_account_for_its_own_scorecard():
    card_of = pd.Series(["", "enterprise", "", "smb"], index=[4, 2, 9, 7])
    by_card = {"": False, "enterprise": True, "smb": True}
    np.testing.assert_array_equal(per_card(card_of, by_card), card_of.map(by_card).to_numpy())


def test_a_kept_value_is_compiled_once_per_key(kept_afresh):
    compiled = []
    for key in ("a", "b", "a"):
        statements.kept(key, lambda key=key: compiled.append(key) or key.upper())
    assert compiled == ["a", "b"]
    assert statements.kept("a", lambda: "never") == "A"


def test_the_kept_store_is_emptied_past_its_bound(kept_afresh, monkeypatch):
    monkeypatch.setattr(statements, "KEPT_MAX", 2)
    for key in ("a", "b", "c"):
        statements.kept(key, lambda key=key: key)
    assert list(statements._kept) == ["c"]
