"""Pay per play and deposit orders over the API: the brand writes the terms, the parties take every step,
the money arrives (docs/deals.md, "Ways to pay")."""

from datetime import timedelta

import pytest
from django.urls import reverse

from brands.models import BrandMembership
from orders.models import Collaboration, Order
from orders.services import deals
from payouts.selectors import ledger_problems
from payouts.services import fee_split
from tests.api.clients import api_for
from tests.api.test_deals import make_world, step, url
from tests.api.test_orders import brief
from tests.factories import MembershipFactory
from tests.orders.conftest import PATHS, PRICE, act, balance, key

pytestmark = pytest.mark.django_db
S = Collaboration.Status


@pytest.fixture(autouse=True)
def _api_settings(settings):
    settings.PLATFORM_FEE_BPS = 1000
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pay"}}


def test_a_brand_writes_a_per_play_brief_and_bad_terms_are_a_400_on_the_api_fields():
    api = api_for(MembershipFactory(role=BrandMembership.Role.MANAGER).user)
    made = api.post(
        reverse("api:order-list"),
        brief(pricing="per_play", play_base_minor=100_000, play_rate_minor=5_000),
        format="json",
    )
    bad = api.post(reverse("api:order-list"), brief(pricing="per_play", play_base_minor=900_000), format="json")
    deposit_recruiting = api.post(
        reverse("api:order-list"), brief(pricing="deposit", mode="recruitment"), format="json"
    )

    assert made.status_code == 201, made.json()
    assert (made.json()["pricing"], made.json()["play_base_minor"], made.json()["play_rate_minor"]) == (
        "per_play",
        100_000,
        5_000,
    )
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"play_base_minor", "play_rate_minor"}
    assert deposit_recruiting.status_code == 400 and "pricing" in deposit_recruiting.json()["errors"]


def _per_play(world) -> Order:
    Order.objects.filter(pk=world["order"].pk).update(pricing="per_play", play_base=100_000, play_rate=5_000)
    world["order"].refresh_from_db()
    return world["order"]


def test_a_per_play_deal_over_the_api_is_paid_on_its_day_14_plays():
    world = make_world()
    _per_play(world)
    brand, creator = api_for(world["owner"]), api_for(world["creator"].user)
    offer = brand.post(
        url("offer-create", world["order"].pk),
        {"creator": world["creator"].pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key(),
    )
    assert offer.status_code == 201, offer.json()
    c = Collaboration.objects.get(pk=offer.json()["id"])
    assert (offer.json()["pricing"], offer.json()["agreed_price_minor"]) == ("per_play", PRICE)
    assert "counter" not in creator.get(url("collaboration-detail", c.pk)).json()["allowed_actions"]
    assert step(creator, c, "accept", idem=key()).status_code == 200
    for action, who in PATHS[S.COMPLETED][1:]:
        c = act(c, action, world["creator"].user if who == "creator" else world["owner"])
    Collaboration.objects.filter(pk=c.pk).update(published_at=c.published_at - timedelta(days=15))
    posted = creator.post(url("collaboration-result-create", c.pk), {"day": 14, "views": 300_000}, format="json")
    assert posted.status_code in (200, 201), posted.json()
    assert deals.timers_run()["plays_counted"] == 1

    seen = brand.get(url("collaboration-detail", c.pk)).json()
    no_key = step(brand, c, "confirm_plays")
    confirmed = step(brand, c, "confirm_plays", idem=key())

    assert (seen["status"], seen["plays_counted"], seen["play_amount_minor"]) == ("plays_counted", 300_000, 250_000)
    assert {"confirm_plays", "dispute_plays"} <= set(seen["allowed_actions"])
    assert no_key.status_code == 400
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["status"] == "settled"
    assert balance("creator_available", creator=world["creator"]) == fee_split(250_000, 1000)[0]
    assert ledger_problems() == []


def test_a_deposit_deal_over_the_api_reserves_requotes_and_pays_the_balance():
    world = make_world()
    Order.objects.filter(pk=world["order"].pk).update(pricing="deposit")
    brand, creator = api_for(world["owner"]), api_for(world["creator"].user)
    offer = brand.post(
        url("offer-create", world["order"].pk),
        {"creator": world["creator"].pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key(),
    )
    c = Collaboration.objects.get(pk=offer.json()["id"])
    assert offer.json()["deposit_minor"] == PRICE // 10
    assert balance("brand_held", brand=world["brand"]) == PRICE // 10

    reserved = step(creator, c, "reserve")
    too_far = step(creator, c, "requote", {"price_minor": PRICE * 2})
    requoted = step(creator, c, "requote", {"price_minor": PRICE * 11 // 10, "note": "Second cut."})
    seen = brand.get(url("collaboration-detail", c.pk)).json()
    paid = step(brand, c, "pay_balance", idem=key())

    assert reserved.status_code == 200 and reserved.json()["status"] == "deposit_paid"
    assert too_far.status_code == 400 and "price_minor" in too_far.json()["errors"]
    assert requoted.json()["status"] == "requoted"
    assert {"pay_balance", "decline_requote"} <= set(seen["allowed_actions"])
    assert paid.status_code == 200, paid.json()
    assert (paid.json()["status"], paid.json()["agreed_price_minor"]) == ("accepted", PRICE * 11 // 10)
    assert balance("order_escrow", order=world["order"]) == PRICE * 11 // 10
    assert ledger_problems() == []
