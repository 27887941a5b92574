"""The deal page shows both sides the deal's own cancellation schedule (stored on the order), so a creator reads
what a brand's cancellation pays them before accepting the offer."""

import pytest
from django.urls import reverse

from marketplace.core import format_money
from orders.models import Collaboration, Order
from tests.orders.conftest import PRICE, deal_in

S = Collaboration.Status


def terms_on_the_page(client, c) -> str:
    html = client.get(reverse("deals:collaboration", args=[c.pk])).content.decode()
    assert 'id="cancellation-terms"' in html, "no cancellation schedule on the deal page"
    return html[html.index('id="cancellation-terms"') :].split("</article>", 1)[0]


def test_the_creator_sees_the_cancellation_schedule_before_accepting_an_offer(world, client):
    c = deal_in(world, S.OFFERED)
    client.force_login(c.creator.user)

    terms = terms_on_the_page(client, c)

    assert "Cancellation schedule" in terms
    for step, share in [
        ("Cancelled before a script is submitted", "0 %"),
        ("Cancelled after a script is submitted", "10 %"),
        ("Cancelled after a video is submitted", "50 %"),
        ("Cancelled after two video rounds", "100 %"),
    ]:
        assert f'<td>{step}</td><td class="num">{share}</td>' in terms
    assert format_money(PRICE, c.currency) in terms  # what the shares are of, for this deal


@pytest.mark.parametrize("who", ["owner", "viewer"])
def test_the_brand_sees_the_deals_own_schedule_not_todays_default(world, client, who):
    Order.objects.filter(pk=world["order"].pk).update(
        cancellation_schedule={
            "before_script": 500,
            "after_script": 2000,
            "after_video": 6000,
            "after_two_video_rounds": 10000,
        }
    )
    c = deal_in(world, S.ACCEPTED)
    client.force_login(world[who])

    terms = terms_on_the_page(client, c)

    assert '<td class="num">5 %</td>' in terms and '<td class="num">20 %</td>' in terms
    assert '<td class="num">60 %</td>' in terms and '<td class="num">10 %</td>' not in terms
