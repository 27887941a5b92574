"""Pay per play (docs/deals.md, "Pay per play"): the maximum is held up front, the day-14 plays decide what is
paid (base + plays × rate, never above the maximum), the rest goes back, and the books balance after each."""

import contextlib
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from marketplace.core import DomainError, InvalidTransition
from orders import pay_per_play
from orders.models import Collaboration, Dispute, Order
from orders.services import deals
from orders.services.results import result_record
from payouts.models import Hold, LedgerEntry
from payouts.services import fee_split
from tests.orders.conftest import PLAY_BASE, PLAY_RATE, PRICE, TOPUP, act, balance, deal_in, make_creator, play_order

S = Collaboration.Status


def books_balance() -> bool:
    return LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] == 0


def published_deal(world, **terms) -> Collaboration:
    """A per-play deal whose work the brand accepted, published a month ago (every results day reached)."""
    return deal_in(world, S.COMPLETED, order=play_order(world, **terms))


def day14(c: Collaboration, views: int) -> None:
    result_record(collaboration_id=c.pk, actor=c.creator.user, day=14, values={"views": views})


def money_of(world, c):
    return {
        "brand_available": balance("brand_available", brand=world["brand"]),
        "brand_held": balance("brand_held", brand=world["brand"]),
        "escrow": balance("order_escrow", order=c.order),
        "creator": balance("creator_available", creator=c.creator) + balance("creator_pending", creator=c.creator),
        "platform": balance("platform_fees"),
    }


def test_the_formula_is_base_plus_plays_times_rate_rounded_down_and_capped():
    assert pay_per_play.amount_for(base=100_000, rate=5_000, plays=300_000, cap=500_000) == 250_000
    assert pay_per_play.amount_for(base=100_000, rate=5_000, plays=12_345, cap=500_000) == 106_172
    assert pay_per_play.amount_for(base=100_000, rate=5_000, plays=10**9, cap=500_000) == 500_000
    assert pay_per_play.amount_for(base=100_000, rate=5_000, plays=None, cap=500_000) == 100_000


def test_the_maximum_is_held_when_the_offer_is_sent_and_escrowed_on_acceptance(world):
    order = play_order(world)
    c = deal_in(world, S.OFFERED, order=order)
    assert (c.pricing, c.play_base, c.play_rate, c.agreed_price) == ("per_play", PLAY_BASE, PLAY_RATE, PRICE)
    assert money_of(world, c)["brand_held"] == PRICE
    act(c, "accept", c.creator.user)
    assert money_of(world, c)["escrow"] == PRICE and money_of(world, c)["brand_held"] == 0
    assert books_balance()


@pytest.mark.parametrize(
    ("views", "paid"),
    [(300_000, 250_000), (12_345, 106_172), (2_000_000, PRICE), (None, PLAY_BASE)],
    ids=["under-the-cap", "rounded-down", "capped", "no-results-base-only"],
)
def test_day_14_plays_pay_base_plus_rate_capped_the_rest_comes_back(world, views, paid):
    c = published_deal(world)
    if views is not None:
        day14(c, views)
    c = act(c, "count_plays", None)
    assert (c.status, c.plays_counted, c.play_amount) == (S.PLAYS_COUNTED, views, paid)

    c = act(c, "confirm_plays", world["owner"])

    share, fee = fee_split(paid, 1000)
    assert c.status == S.SETTLED
    assert money_of(world, c) == {
        "brand_available": TOPUP - paid,
        "brand_held": 0,
        "escrow": 0,
        "creator": share,
        "platform": fee,
    }
    assert balance("creator_available", creator=c.creator) == share  # settled: spendable at once
    hold = Hold.objects.get(collaboration=c)
    assert (hold.creator_gross, hold.refunded) == (paid, PRICE - paid)
    assert books_balance()


def test_the_creator_may_correct_day_14_until_confirmed_then_the_figures_are_frozen(world):
    c = published_deal(world)
    day14(c, 100_000)
    c = act(c, "count_plays", None)
    day14(c, 200_000)  # a correction inside the three days
    c.refresh_from_db()
    assert (c.plays_counted, c.play_amount) == (200_000, 200_000)
    c = act(c, "dispute_plays", world["owner"], comment="Those plays look bought.")
    day14(c, 900_000)
    c.refresh_from_db()
    assert (c.status, c.plays_counted, c.play_amount) == (S.DISPUTED, 200_000, 200_000)
    assert money_of(world, c)["escrow"] == PRICE  # frozen in escrow until the admin decides
    c = act(
        c, "resolve", world["admin"], payload={"decision": "split", "creator_amount": 150_000, "brand_amount": 350_000}
    )
    assert Dispute.objects.get(collaboration=c).creator_amount == 150_000
    assert money_of(world, c)["creator"] == fee_split(150_000, 1000)[0]
    assert books_balance()


def test_a_cancelled_per_play_deal_pays_the_stage_share_of_the_base_not_of_the_maximum(world):
    c = deal_in(world, S.VIDEO_SUBMITTED, order=play_order(world))  # after_video: 50 %
    act(c, "cancel", world["owner"])
    share, _fee = fee_split(PLAY_BASE // 2, 1000)
    assert money_of(world, c)["creator"] == share
    assert money_of(world, c)["brand_available"] == TOPUP - PLAY_BASE // 2
    assert books_balance()


def test_a_fixed_deal_cannot_have_its_plays_counted_and_a_per_play_one_cannot_be_confirmed_live(world):
    fixed = deal_in(world, S.COMPLETED)
    with pytest.raises(InvalidTransition, match=r"Pay per play|Fixed price"):
        act(fixed, "count_plays", None)
    per_play = published_deal(world)
    entries = LedgerEntry.objects.count()
    with pytest.raises(InvalidTransition, match="Pay per play"):
        act(per_play, "confirm_live", world["owner"])
    assert LedgerEntry.objects.count() == entries


def test_the_plays_are_not_counted_before_day_14(world):
    c = published_deal(world)
    with pytest.raises(InvalidTransition, match="14 days"):
        act(c, "count_plays", None, now=c.published_at + timedelta(days=13, hours=23))


def test_timers_count_on_day_14_and_confirm_3_days_later_each_once(world):
    c = published_deal(world)
    day14(c, 300_000)
    at = c.published_at + pay_per_play.COUNT_AFTER
    assert deals.timers_run(now=at - timedelta(minutes=1))["plays_counted"] == 0
    assert deals.timers_run(now=at + timedelta(minutes=1))["plays_counted"] == 1
    assert deals.timers_run(now=at + timedelta(minutes=2))["plays_counted"] == 0
    c.refresh_from_db()
    due = c.plays_counted_at + pay_per_play.CONFIRM_WITHIN
    assert deals.timers_run(now=due - timedelta(minutes=1))["plays_confirmed"] == 0
    assert deals.timers_run(now=due + timedelta(minutes=1))["plays_confirmed"] == 1
    assert deals.timers_run(now=due + timedelta(minutes=2))["plays_confirmed"] == 0
    c.refresh_from_db()
    assert c.status == S.SETTLED and c.events.filter(action="auto_confirm_plays").count() == 1
    assert money_of(world, c)["creator"] == fee_split(250_000, 1000)[0]
    assert books_balance()


def test_a_disputed_deal_is_never_confirmed_by_the_timer(world):
    c = published_deal(world)
    c = act(c, "count_plays", None)
    act(c, "dispute_plays", c.creator.user, comment="The import missed a day.")
    assert deals.timers_run(now=c.plays_counted_at + timedelta(days=30))["plays_confirmed"] == 0


def test_an_application_to_a_per_play_order_is_made_at_its_terms(world):
    order = play_order(world)
    creator = make_creator()
    c = deals.application_submit(order_id=order.pk, actor=creator.user, quote=PRICE - 1, pitch="Hi!")
    assert (c.pricing, c.agreed_price, c.play_base, c.play_rate) == ("per_play", PRICE, PLAY_BASE, PLAY_RATE)
    act(c, "select", world["owner"])
    assert money_of(world, c)["escrow"] == PRICE


def test_a_counter_on_a_per_play_offer_is_refused_without_money(world):
    c = deal_in(world, S.OFFERED, order=play_order(world))
    with pytest.raises(InvalidTransition):
        deals.offer_counter(collaboration_id=c.pk, actor=c.creator.user, price=PRICE)


@given(
    base=st.integers(0, 10**6),
    rate=st.integers(1, 10**6),
    cap=st.integers(1, 10**7),
    plays=st.none() | st.integers(0, 10**11),
)
def test_the_amount_never_passes_the_cap_nor_falls_below_the_base_when_the_cap_allows(base, rate, cap, plays):
    amount = pay_per_play.amount_for(base=base, rate=rate, plays=plays, cap=cap)
    assert 0 <= amount <= cap
    assert amount == min(cap, base + (plays or 0) * rate // 10_000)


# ------------------------------------------------------------------ random deals

STATS = {"steps": 0, "deals": 0}


def test_random_pay_per_play_deals_never_pay_above_the_cap_nor_take_more_than_held(world):
    """Random terms, random day-14 figures (or none), corrections, counting, confirming by hand or by the
    timer, disputes decided at random splits: no creator ever gets more than the maximum, no brand pays more
    than it held, and the ledger sums to zero after every step."""
    STATS.update(steps=0, deals=0)

    class PayPerPlay(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.deals: list[int] = []
            # Each example runs in a savepoint rolled back at its end: every example starts from the same
            # wallet, so a replay draws and behaves exactly as the first run.
            self.savepoint = transaction.atomic()
            self.savepoint.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self.savepoint.__exit__(None, None, None)

        def _pick(self, index, states):
            found = [pk for pk in self.deals if Collaboration.objects.get(pk=pk).status in states]
            return Collaboration.objects.get(pk=found[index % len(found)]) if found else None

        @rule(cap=st.integers(1_000, 400_000), base_share=st.integers(0, 100), rate=st.integers(1, 200_000))
        def new_deal(self, cap, base_share, rate):
            c = published_deal(world, cap=cap, base=cap * base_share // 100, rate=rate)
            self.deals.append(c.pk)
            STATS["deals"] += 1

        @precondition(lambda self: self.deals)
        @rule(index=st.integers(0, 50), views=st.integers(0, 10**9))
        def report_day_14(self, index, views):
            c = self._pick(index, {S.COMPLETED, S.PLAYS_COUNTED, S.DISPUTED, S.SETTLED})
            if c is not None:
                with contextlib.suppress(DomainError):  # views cannot go down: refused as on the page
                    day14(c, views)

        @precondition(lambda self: self.deals)
        @rule(index=st.integers(0, 50))
        def day_14_arrives(self, index):
            c = self._pick(index, {S.COMPLETED})
            if c is not None:
                act(c, "count_plays", None)

        @precondition(lambda self: self.deals)
        @rule(index=st.integers(0, 50), by_timer=st.booleans())
        def confirm(self, index, by_timer):
            c = self._pick(index, {S.PLAYS_COUNTED})
            if c is None:
                return
            if by_timer:
                act(c, "auto_confirm_plays", None, now=c.plays_counted_at + pay_per_play.CONFIRM_WITHIN)
            else:
                act(c, "confirm_plays", world["owner"])

        @precondition(lambda self: self.deals)
        @rule(index=st.integers(0, 50), part=st.integers(0, 100))
        def dispute_and_decide(self, index, part):
            c = self._pick(index, {S.PLAYS_COUNTED})
            if c is None:
                return
            c = act(c, "dispute_plays", world["owner"], comment="Disagree.")
            creator_amount = c.agreed_price * part // 100
            act(
                c,
                "resolve",
                world["admin"],
                payload={
                    "decision": "split",
                    "creator_amount": creator_amount,
                    "brand_amount": c.agreed_price - creator_amount,
                },
            )

        @invariant()
        def nobody_is_paid_above_the_cap_and_no_brand_pays_more_than_it_held(self):
            STATS["steps"] += 1
            for hold in Hold.objects.filter(collaboration_id__in=self.deals).select_related("collaboration"):
                c = hold.collaboration
                assert hold.amount == c.agreed_price  # the maximum, held up front
                if hold.creator_gross is not None:
                    assert hold.creator_gross <= c.agreed_price
                    assert hold.creator_gross + hold.refunded == hold.amount
                    if c.status == S.SETTLED:
                        assert (
                            hold.creator_gross
                            == c.play_amount
                            == pay_per_play.amount_for(
                                base=c.play_base, rate=c.play_rate, plays=c.plays_counted, cap=c.agreed_price
                            )
                        )
            assert balance("brand_available", brand=world["brand"]) >= 0
            assert books_balance()

    run_state_machine_as_test(
        PayPerPlay,
        settings=hypothesis_settings(
            max_examples=8,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    print(f"\npay-per-play stateful test: {STATS['steps']} steps, {STATS['deals']} deals")
    assert STATS["deals"] > 0


def test_per_play_order_terms_are_checked(world):
    from django.core.exceptions import ValidationError

    from orders.services.orders import OrderBrief, order_create

    order = world["order"]
    brief = OrderBrief(
        title="Plays",
        product_name="Gel",
        product_category=order.product_category,
        format=order.format,
        mode=Order.Mode.DIRECT,
        price_per_creator=100_000,
        pricing=Order.Pricing.PER_PLAY,
        play_base=200_000,
        play_rate=None,
    )
    with pytest.raises(ValidationError) as caught:
        order_create(brand=world["brand"], actor=world["owner"], brief=brief)
    assert set(caught.value.message_dict) == {"play_base", "play_rate"}


def test_the_brand_is_told_to_confirm_the_counted_plays_before_they_are_confirmed_for_it(world):
    from orders.selectors.deadlines import needs_action_for_brand

    c = act(published_deal(world), "count_plays", None)
    items, _n = needs_action_for_brand(brand_id=world["brand"].pk)
    assert [(i.kind, i.due) for i in items if i.collaboration.pk == c.pk] == [
        ("plays", c.plays_counted_at + pay_per_play.CONFIRM_WITHIN)
    ]
