import pytest

from accounts.selectors import account_get_for_user, accounts_visible_to, user_is_vp
from accounts.services import user_set_role
from tests.factories import make_account

pytestmark = pytest.mark.django_db


def test_csm_sees_only_their_own_book(alice, bob):
    mine = make_account(csm=alice)
    make_account(csm=bob)
    assert list(accounts_visible_to(alice)) == [mine]


def test_vp_sees_every_account(alice, bob, vera):
    make_account(csm=alice)
    make_account(csm=bob)
    assert accounts_visible_to(vera).count() == 2
    assert user_is_vp(vera)


def test_user_without_role_sees_nothing_but_their_own(alice, charlie):
    make_account(csm=alice)
    assert accounts_visible_to(charlie).count() == 0
    assert not user_is_vp(charlie)


def test_anonymous_user_sees_nothing(alice):
    from django.contrib.auth.models import AnonymousUser

    make_account(csm=alice)
    assert accounts_visible_to(AnonymousUser()).count() == 0


def test_another_csms_account_is_not_found(alice, bob):
    from django.http import Http404

    theirs = make_account(csm=bob)
    with pytest.raises(Http404):
        account_get_for_user(alice, theirs.pk)


def test_the_role_is_read_once_per_user_object(vera, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert user_is_vp(vera) and user_is_vp(vera) and user_is_vp(vera)


def test_changing_a_role_forgets_the_remembered_answer(alice):
    assert not user_is_vp(alice)
    user_set_role(user=alice, role="vp")
    assert user_is_vp(alice)
