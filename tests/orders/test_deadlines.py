"""Deadlines for creators and brands, and the iCalendar feed at a secret, revocable address."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from orders.models import Collaboration
from orders.selectors.deadlines import deadlines_for_user
from orders.services import deals
from payouts import services as money
from tests.factories import MembershipFactory
from tests.orders.conftest import act, deal_in, key, make_creator
from tests.orders.test_flows import another_order

S = Collaboration.Status
DEADLINES = "/deals/deadlines/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def feed_address(client) -> str:
    """Make the address the way a person does: the button, then the page it shows the address on."""
    page = client.post(reverse("deals:calendar_feed_renew"), follow=True).content.decode()
    found = re.search(r'id="feed-url" type="text" readonly value="([^"]+)"', page)
    assert found, "the new address is shown on the deadlines page"
    return found.group(1)


def events(body: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


# ------------------------------------------------------------------ the list


def test_a_creator_sees_offers_to_answer_scripts_due_and_publish_windows_soonest_first(world, client):
    creator = make_creator()
    offer = deal_in(world, S.OFFERED, creator=creator)
    other = {**world, "order": another_order(world)}
    working = deal_in(other, S.ACCEPTED, creator=creator)
    client.force_login(creator.user)

    html = client.get(reverse("deals:deadlines")).content.decode()

    items = deadlines_for_user(user=creator.user)
    assert [(d.kind, d.uid) for d in items] == [
        ("answer", f"c{offer.pk}-answer"),
        ("script", f"c{working.pk}-script"),
        ("publish", f"c{working.pk}-publish"),
    ]
    assert "Answer the offer (accept, decline or counter)" in html and "Script due" in html
    assert html.index("Answer the offer") < html.index("Script due")
    assert reverse("deals:collaboration", args=[offer.pk]) in html


def test_a_brand_sees_counters_to_answer_work_to_accept_and_applications_closing(world, client):
    countered = deal_in(world, S.COUNTERED)
    published = deal_in(world, S.PUBLISHED)
    Collaboration.objects.filter(pk=published.pk).update(published_at=timezone.now() - timedelta(days=1))
    client.force_login(world["viewer"])  # any member of the brand

    html = client.get(reverse("deals:deadlines")).content.decode()

    kinds = {d.uid: d.kind for d in deadlines_for_user(user=world["viewer"])}
    assert kinds[f"c{countered.pk}-counter"] == "counter"
    assert kinds[f"c{published.pk}-accept-work"] == "accept_work"
    assert kinds[f"o{world['order'].pk}-apply-by"] == "apply_by"
    assert "Accept or decline the counter-offer" in html and "Applications close" in html
    assert countered.creator.display_name in html


def test_past_and_finished_deals_are_not_listed_and_another_brands_deals_never(world, client):
    done = deal_in(world, S.SETTLED)
    stranger = MembershipFactory(role="owner").user
    late = deal_in(world, S.OFFERED)

    mine = {d.uid for d in deadlines_for_user(user=world["owner"], since=late.expires_at + timedelta(minutes=1))}
    theirs = deadlines_for_user(user=stranger)

    assert not any(uid.startswith(f"c{done.pk}-") for uid in mine)
    assert f"c{late.pk}-answer" not in mine
    assert theirs == []


def test_the_deadlines_page_needs_a_login(client):
    response = client.get(reverse("deals:deadlines"))

    assert response.status_code == 302 and "/login/" in response["Location"]


# ------------------------------------------------------------------ the calendar feed


def test_the_feed_has_the_deadlines_as_events_written_by_icalendar(world, client):
    offer = deal_in(world, S.OFFERED)
    working = deal_in(world, S.ACCEPTED)
    client.force_login(world["owner"])
    address = feed_address(client)
    client.logout()

    response = client.get(address)

    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    found = events(response.content)
    answer = found[f"c{offer.pk}-answer@testserver"]
    assert answer.decoded("DTSTART") == offer.expires_at.replace(microsecond=0)  # iCalendar counts whole seconds
    assert world["order"].title in str(answer["SUMMARY"])
    window = found[f"c{working.pk}-publish@testserver"]
    order = working.order
    assert (window.decoded("DTSTART"), window.decoded("DTEND")) == (
        order.publish_from,
        order.publish_until + timedelta(days=1),
    )


def test_a_new_address_replaces_the_old_one_which_then_is_a_404(world, client):
    client.force_login(world["owner"])
    old = feed_address(client)

    new = feed_address(client)

    assert old != new
    client.logout()
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_a_stopped_address_is_a_404_and_the_page_no_longer_shows_a_feed(world, client):
    client.force_login(world["owner"])
    address = feed_address(client)

    page = client.post(reverse("deals:calendar_feed_stop"), follow=True).content.decode()

    assert "Your calendar address no longer works." in page and "Stop the calendar address" not in page
    assert client.get(address).status_code == 404


def test_the_address_is_shown_once(world, client):
    client.force_login(world["owner"])
    feed_address(client)

    again = client.get(reverse("deals:deadlines")).content.decode()

    assert 'id="feed-url"' not in again and "Make a new address" in again


def test_another_users_feed_is_unreachable_and_shows_only_its_owners_deadlines(world, client):
    mine = deal_in(world, S.OFFERED)
    stranger = MembershipFactory(role="owner")
    other_order = another_order({**world, "brand": stranger.brand})
    money.topup(brand_id=stranger.brand_id, amount=10_000_000, idempotency_key=key(), actor=stranger.user)
    theirs = deals.offer_send(
        order_id=other_order.pk, creator_id=make_creator().pk, actor=stranger.user, idempotency_key=key()
    )
    client.force_login(world["owner"])
    my_address = feed_address(client)
    client.force_login(stranger.user)
    their_address = feed_address(client)
    client.logout()

    my_events = events(client.get(my_address).content)
    their_events = events(client.get(their_address).content)
    guessed = client.get(reverse("calendar_feed", args=["x" * 43]))

    assert f"c{mine.pk}-answer@testserver" in my_events and f"c{theirs.pk}-answer@testserver" not in my_events
    assert f"c{theirs.pk}-answer@testserver" in their_events and f"c{mine.pk}-answer@testserver" not in their_events
    assert guessed.status_code == 404


def test_a_deactivated_users_feed_is_a_404(world, client):
    client.force_login(world["owner"])
    address = feed_address(client)
    world["owner"].is_active = False
    world["owner"].save(update_fields=["is_active"])

    assert client.get(address).status_code == 404


def test_a_counter_accepted_leaves_the_creators_answer_deadline(world):
    c = deal_in(world, S.COUNTERED)

    act(c, "accept_counter", world["owner"])

    uids = {d.uid for d in deadlines_for_user(user=c.creator.user)}
    assert f"c{c.pk}-counter" not in uids and f"c{c.pk}-script" in uids
    assert all(d.ends >= timezone.now() for d in deadlines_for_user(user=c.creator.user))
