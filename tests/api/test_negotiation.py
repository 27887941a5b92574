"""Negotiation over the API: an offer at the brand's price with a note, one counter, the brand's answer."""

import pytest

from orders.models import Collaboration
from payouts.models import LedgerTransaction
from payouts.selectors import ledger_problems
from tests.api.clients import api_for
from tests.api.test_deals import make_world, step, url
from tests.orders.conftest import PRICE, key

pytestmark = pytest.mark.django_db
S = Collaboration.Status


@pytest.fixture(autouse=True)
def _api_settings(settings):
    settings.PLATFORM_FEE_BPS = 1000
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "neg"}}


def send_offer(world, **body):
    return api_for(world["owner"]).post(
        url("offer-create", world["order"].pk),
        {"creator": world["creator"].pk, **body},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key(),
    )


def test_the_brand_offers_its_price_the_creator_counters_and_the_brand_accepts_over_the_api():
    world = make_world()
    brand, creator = api_for(world["owner"]), api_for(world["creator"].user)

    offer = send_offer(world, price_minor=400_000, note="Two cuts, please.")
    c = Collaboration.objects.get(pk=offer.json()["id"])
    seen = creator.get(url("collaboration-detail", c.pk)).json()
    countered = step(creator, c, "counter", {"price_minor": 460_000, "note": "Two cuts take two days."})
    brand_sees = brand.get(url("collaboration-detail", c.pk)).json()
    accepted = step(brand, c, "accept_counter", idem=key())

    assert offer.status_code == 201, offer.json()
    assert (offer.json()["agreed_price_minor"], offer.json()["list_price_minor"]) == (400_000, PRICE)
    assert seen["offer_note"] == "Two cuts, please." and "counter" in seen["allowed_actions"]
    assert countered.status_code == 200, countered.json()
    assert (countered.json()["status"], countered.json()["counter_price_minor"]) == ("countered", 460_000)
    assert brand_sees["counter_note"] == "Two cuts take two days."
    assert {"accept_counter", "decline_counter", "withdraw"} <= set(brand_sees["allowed_actions"])
    assert accepted.status_code == 200, accepted.json()
    assert (accepted.json()["status"], accepted.json()["agreed_price_minor"]) == ("accepted", 460_000)
    assert LedgerTransaction.objects.filter(collaboration=c, kind="hold_adjust").count() == 1
    assert ledger_problems() == []


def test_a_counter_outside_the_band_is_a_400_on_price_minor_and_a_second_counter_a_409():
    world = make_world()
    brand, creator = api_for(world["owner"]), api_for(world["creator"].user)
    c = Collaboration.objects.get(pk=send_offer(world, price_minor=400_000).json()["id"])

    too_high = step(creator, c, "counter", {"price_minor": 480_001})
    as_text = step(creator, c, "counter", {"price_minor": "4600.00"})
    step(creator, c, "counter", {"price_minor": 470_000})
    declined = step(brand, c, "decline_counter")
    again = step(creator, c, "counter", {"price_minor": 450_000})

    assert too_high.status_code == 400 and "price_minor" in too_high.json()["errors"], too_high.json()
    assert "CNY 4,800.00" in too_high.json()["errors"]["price_minor"][0]
    assert as_text.status_code == 400 and "price_minor" in as_text.json()["errors"]
    assert declined.status_code == 200 and declined.json()["status"] == "offered"
    assert declined.json()["agreed_price_minor"] == 400_000
    assert again.status_code == 409, again.json()


def test_another_brand_and_another_creator_cannot_negotiate_someone_elses_offer():
    world = make_world()
    c = Collaboration.objects.get(pk=send_offer(world, price_minor=400_000).json()["id"])

    stranger_counter = step(api_for(world["other_creator"].user), c, "counter", {"price_minor": 420_000})
    brand_counter = step(api_for(world["owner"]), c, "counter", {"price_minor": 420_000})
    step(api_for(world["creator"].user), c, "counter", {"price_minor": 420_000})
    stranger_accept = step(api_for(world["other_owner"]), c, "accept_counter", idem=key())
    viewer_accept = step(api_for(world["viewer"]), c, "accept_counter", idem=key())
    creator_accept = step(api_for(world["creator"].user), c, "accept_counter", idem=key())

    assert stranger_counter.status_code == 404
    assert brand_counter.status_code == 403
    assert stranger_accept.status_code == 404
    assert viewer_accept.status_code == 403
    assert creator_accept.status_code == 403
    c.refresh_from_db()
    assert (c.status, c.agreed_price) == (S.COUNTERED, 400_000)


def test_an_offer_without_price_is_at_the_rate_card_and_a_bad_note_is_a_400():
    world = make_world()

    plain = send_offer(world)
    long_note = api_for(world["owner"]).post(
        url("offer-create", world["order"].pk),
        {"creator": world["other_creator"].pk, "note": "x" * 2001},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key(),
    )

    assert plain.status_code == 201 and plain.json()["agreed_price_minor"] == PRICE
    assert long_note.status_code == 400 and "note" in long_note.json()["errors"]
