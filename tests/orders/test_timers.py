"""Offer expiry, automatic acceptance and missed deadlines with a controlled clock; twice = once."""

from datetime import timedelta

from django.utils import timezone

from marketplace.core.models import Notification
from orders.models import Collaboration, CollaborationEvent
from orders.services.deals import timers_run
from tests.orders.conftest import TOPUP, act, balance, deal_in

S = Collaboration.Status


def test_an_offer_expires_after_72_hours_and_the_hold_is_released(world):
    c = deal_in(world, S.OFFERED)

    early = timers_run(now=c.offered_at + timedelta(hours=71))
    late = timers_run(now=c.offered_at + timedelta(hours=73))
    again = timers_run(now=c.offered_at + timedelta(hours=74))

    c.refresh_from_db()
    assert (early["expired"], late["expired"], again["expired"]) == (0, 1, 0)
    assert c.status == S.CLOSED and c.accepted is False
    assert balance("brand_available", brand=world["brand"]) == TOPUP
    assert CollaborationEvent.objects.filter(collaboration=c, action="expire").count() == 1


def test_an_expired_offer_cannot_be_accepted_even_before_the_timer_runs(world):
    import pytest

    from marketplace.core import InvalidTransition

    c = deal_in(world, S.OFFERED)

    with pytest.raises(InvalidTransition, match="expired"):
        act(c, "accept", c.creator.user, now=c.offered_at + timedelta(hours=73))


def test_published_work_is_accepted_automatically_after_seven_days(world):
    c = deal_in(world, S.PUBLISHED)

    assert timers_run(now=c.published_at + timedelta(days=6))["auto_accepted"] == 0
    assert timers_run(now=c.published_at + timedelta(days=7, minutes=1))["auto_accepted"] == 1
    assert timers_run(now=c.published_at + timedelta(days=8))["auto_accepted"] == 0

    c.refresh_from_db()
    assert c.status == S.COMPLETED
    assert CollaborationEvent.objects.get(collaboration=c, action="auto_accept").actor is None


def test_a_dispute_pauses_the_timers(world):
    c = deal_in(world, S.PUBLISHED)
    act(c, "open_dispute", c.creator.user, comment="Brand keeps asking for more.")

    timers_run(now=c.published_at + timedelta(days=30))

    c.refresh_from_db()
    assert c.status == S.DISPUTED


def test_a_missed_script_deadline_is_flagged_once_to_the_brand(world):
    c = deal_in(world, S.ACCEPTED)
    late = world["order"].script_by + timedelta(hours=2)

    first = timers_run(now=late)
    second = timers_run(now=late + timedelta(hours=1))

    assert (first["deadlines"], second["deadlines"]) == (1, 0)
    assert CollaborationEvent.objects.filter(collaboration=c, action="deadline").count() == 1
    assert Notification.objects.filter(user=world["owner"], kind="deadline").count() == 1


def test_timers_leave_other_states_alone(world):
    accepted = deal_in(world, S.ACCEPTED)
    far = timezone.now() + timedelta(days=1)

    timers_run(now=far)

    accepted.refresh_from_db()
    assert accepted.status == S.ACCEPTED
