"""The demo's roadmap: an item per promise, linked without moving any commitment's status."""

import os

import pytest
from django.core.management import call_command

from accounts.models import Commitment, RoadmapItem
from accounts.rules import UNCOMMITTED

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_demo", accounts=60, seed=3, stdout=open(os.devnull, "w"))


def test_the_demo_seeds_roadmap_items_over_its_promises(seeded):
    titles = set(Commitment.objects.values_list("title", flat=True))
    assert set(RoadmapItem.objects.values_list("title", flat=True)) == titles


def test_a_linked_commitment_keeps_the_status_it_was_seeded_with(seeded):
    linked = Commitment.objects.filter(roadmap_item__isnull=False).select_related("roadmap_item")
    assert linked.exists()
    assert all(c.product_status == c.roadmap_item.product_status for c in linked)


def test_the_demo_roadmap_has_an_item_product_has_not_committed_to(seeded):
    assert RoadmapItem.objects.filter(product_status__in=UNCOMMITTED).exists()
