"""Usage rights as priced terms: priced from the creator's rates, held with the offer, settled exactly,
tracked to their end date (a notice once, the lapse once) and extended for money (docs/deals.md)."""

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from creators import services as creator_services
from marketplace.core import Conflict, DomainError
from marketplace.core.models import Notification
from orders.models import Collaboration, CollaborationEvent
from orders.services import deals
from orders.services.deals import timers_run
from payouts.models import LedgerEntry
from payouts.services import fee_split
from tests.orders.conftest import PATHS, PRICE, TOPUP, act, balance, key, make_creator

S = Collaboration.Status
# 45 days of use are two started months: brand accounts at 10 % of the fee a month, ad codes at CNY 300 a month.
RIGHTS = 2 * PRICE * 1000 // 10_000 + 2 * 30_000  # 100,000 + 60,000
MONTH = PRICE * 1000 // 10_000 + 30_000  # one more month: 80,000


def priced_creator():
    creator = make_creator()
    creator_services.rights_rates_set(
        creator=creator,
        actor=creator.user,
        rates={"brand_accounts": (1000, None), "ad_authorisation": (None, 30_000), "offline": (500, None)},
    )
    return creator


def deal(world, state, creator=None):
    creator = creator or priced_creator()
    c = deals.offer_send(
        order_id=world["order"].pk, creator_id=creator.pk, actor=world["owner"], idempotency_key=key(), price=PRICE
    )
    actors = {"creator": creator.user, "owner": world["owner"], "admin": world["admin"]}
    for action, who in PATHS[state]:
        c = act(c, action, actors[who])
    c.refresh_from_db()
    return c


def books_balance() -> bool:
    return LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] == 0


def test_the_offer_prices_each_right_the_order_states_and_holds_the_total(rights_world):
    c = deal(rights_world, S.OFFERED)

    assert (c.agreed_price, c.rights_price, c.work_price) == (PRICE + RIGHTS, RIGHTS, PRICE)
    assert c.rights_terms["days"] == 45 and c.rights_terms["months"] == 2
    assert [(x["right"], x["price"]) for x in c.rights_terms["lines"]] == [
        ("brand_accounts", 100_000),
        ("ad_authorisation", 60_000),
    ]
    assert balance("brand_held", brand=rights_world["brand"]) == PRICE + RIGHTS
    assert c.price_vs_list == "+0"  # the work against the rate card, the rights apart


def test_a_right_the_creator_has_not_priced_is_included_at_no_charge(rights_world):
    c = deal(rights_world, S.OFFERED, creator=make_creator())

    assert (c.agreed_price, c.rights_price) == (PRICE, 0)
    assert [x["price"] for x in c.rights_terms["lines"]] == [0, 0]


def test_an_order_without_rights_beyond_the_creators_post_adds_nothing(world):
    c = deal(world, S.OFFERED)

    assert (c.agreed_price, c.rights_price, c.rights_terms) == (PRICE, 0, {})


def test_a_percentage_is_rounded_down_to_the_minor_unit(rights_world):
    c = deals.offer_send(
        order_id=rights_world["order"].pk,
        creator_id=priced_creator().pk,
        actor=rights_world["owner"],
        idempotency_key=key(),
        price=333_333,
    )

    assert c.rights_terms["lines"][0]["price"] == 333_333 * 1000 * 2 // 10_000 == 66_666


def test_the_total_with_rights_is_settled_exactly(rights_world):
    c = deal(rights_world, S.SETTLED)

    share, fee = fee_split(PRICE + RIGHTS, 1000)
    assert balance("brand_available", brand=rights_world["brand"]) == TOPUP - PRICE - RIGHTS
    assert balance("creator_available", creator=c.creator) == share
    assert balance("platform_fees") == fee
    assert books_balance()


def test_a_counter_is_on_the_whole_price_and_must_leave_something_for_the_work(rights_world, settings):
    c = deal(rights_world, S.OFFERED)
    Collaboration.objects.filter(pk=c.pk).update(rights_price=c.agreed_price * 85 // 100)
    c.refresh_from_db()

    with pytest.raises(DomainError) as refused:
        act(c, "counter", c.creator.user, payload={"price": c.agreed_price * 80 // 100})

    assert refused.value.field == "price" and "usage rights" in str(refused.value.detail)


def test_an_accepted_counter_keeps_the_rights_price_and_holds_the_new_total(rights_world):
    c = deal(rights_world, S.OFFERED)
    act(c, "counter", c.creator.user, payload={"price": c.agreed_price + 60_000})

    c = act(c, "accept_counter", rights_world["owner"])

    assert (c.agreed_price, c.rights_price, c.work_price) == (PRICE + RIGHTS + 60_000, RIGHTS, PRICE + 60_000)
    assert balance("order_escrow", order=rights_world["order"]) == PRICE + RIGHTS + 60_000
    assert books_balance()


def test_the_rights_run_from_publication_for_the_days_agreed(rights_world):
    c = deal(rights_world, S.PUBLISHED)

    assert c.rights_until == c.published_at + timedelta(days=45)


def test_an_extension_is_paid_to_the_creator_and_moves_the_end_date(rights_world):
    c = deal(rights_world, S.SETTLED)
    before = {
        "brand": balance("brand_available", brand=rights_world["brand"]),
        "creator": balance("creator_available", creator=c.creator),
        "platform": balance("platform_fees"),
    }

    after = act(c, "extend_rights", rights_world["owner"], payload={"months": 1, "rights_until": c.rights_until})

    share, fee = fee_split(MONTH, 1000)
    assert after.status == S.SETTLED
    assert after.rights_until == c.rights_until + timedelta(days=30)
    assert balance("brand_available", brand=rights_world["brand"]) == before["brand"] - MONTH
    assert balance("creator_available", creator=c.creator) == before["creator"] + share
    assert balance("platform_fees") == before["platform"] + fee
    assert books_balance()
    event = CollaborationEvent.objects.get(collaboration=c, action="extend_rights")
    assert (event.data["months"], event.data["price"]) == (1, MONTH)


def test_an_extension_from_an_end_date_already_extended_is_refused_and_moves_no_money(rights_world):
    c = deal(rights_world, S.SETTLED)
    act(c, "extend_rights", rights_world["owner"], payload={"months": 1, "rights_until": c.rights_until})
    entries = LedgerEntry.objects.count()

    with pytest.raises(Conflict):
        act(c, "extend_rights", rights_world["owner"], payload={"months": 1, "rights_until": c.rights_until})

    assert LedgerEntry.objects.count() == entries


@pytest.mark.parametrize("months", [0, 13, "2", None])
def test_an_extension_outside_one_to_twelve_months_is_refused(rights_world, months):
    c = deal(rights_world, S.SETTLED)

    with pytest.raises(DomainError) as refused:
        act(c, "extend_rights", rights_world["owner"], payload={"months": months, "rights_until": c.rights_until})

    assert refused.value.field == "months"


def test_the_notice_before_the_end_is_sent_once_and_the_lapse_recorded_once(rights_world):
    c = deal(rights_world, S.SETTLED)
    end = c.rights_until

    assert timers_run(now=end - timedelta(days=8))["rights_notices"] == 0
    assert timers_run(now=end - timedelta(days=6))["rights_notices"] == 1
    assert timers_run(now=end - timedelta(days=5))["rights_notices"] == 0
    assert timers_run(now=end - timedelta(seconds=1))["rights_lapsed"] == 0
    assert timers_run(now=end)["rights_lapsed"] == 1
    again = timers_run(now=end + timedelta(days=1))
    assert (again["rights_notices"], again["rights_lapsed"]) == (0, 0)

    events = list(
        CollaborationEvent.objects.filter(collaboration=c, action__startswith="rights_").values_list("action")
    )
    assert events == [("rights_expiring",), ("rights_lapsed",)]
    told = Notification.objects.filter(kind="rights_expiring")
    assert {n.user for n in told} == {rights_world["owner"], c.creator.user}
    assert "usage rights end within 7 days" in told.first().text


def test_rights_renewed_after_they_lapsed_run_from_the_renewal_and_are_tracked_again(rights_world):
    c = deal(rights_world, S.SETTLED)
    timers_run(now=c.rights_until + timedelta(days=1))
    c.refresh_from_db()
    renewal = c.rights_until + timedelta(days=10)

    after = act(
        c, "extend_rights", rights_world["owner"], payload={"months": 2, "rights_until": c.rights_until}, now=renewal
    )

    assert after.rights_until == renewal + timedelta(days=60)
    assert (after.rights_notice_at, after.rights_lapsed_at) == (None, None)
    assert timers_run(now=after.rights_until)["rights_lapsed"] == 1


def test_a_refund_decision_ends_the_rights_at_once(rights_world):
    c = deal(rights_world, S.PUBLISHED)
    act(c, "open_dispute", rights_world["owner"])
    now = timezone.now()

    c = act(c, "resolve", rights_world["admin"], now=now)

    assert c.rights_until == now


def test_a_deal_cancelled_before_publication_never_had_rights(rights_world):
    c = deal(rights_world, S.CANCELLED)

    assert c.rights_until is None
    with pytest.raises(DomainError):
        act(c, "extend_rights", rights_world["owner"], payload={"months": 1, "rights_until": None})
