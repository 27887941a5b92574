"""The ranked list on the order page: a refused offer keeps what the brand typed and ticked, the list has the
directory's Compare action, and a reason's parts are joined with the reader's own semicolon."""

from __future__ import annotations

import re
import uuid

from django.urls import reverse
from django.utils import translation

from matching.selectors.reasons import _reliability_text
from orders.models import Collaboration
from tests.orders.conftest import make_creator, world  # noqa: F401 (the fixture)
from tests.orders.test_pages_brand import stored_ranking

HX = {"HTTP_HX_REQUEST": "true"}


def send_offers(client, order, data: dict):
    return client.post(reverse("deals:offers_send", args=[order.pk]), data, **HX)


def offer_box(html: str, creator_id: int) -> str:
    return re.search(rf'<input type="checkbox" name="creator" value="{creator_id}"[^>]*>', html).group(0)


def test_a_refused_price_keeps_the_typed_price_note_and_tick(world, client):  # noqa: F811
    creator = make_creator()
    stored_ranking(world["order"], [creator])
    client.force_login(world["owner"])

    response = send_offers(
        client,
        world["order"],
        {
            "creator": [creator.pk],
            f"price_{creator.pk}": "abc",
            f"note_{creator.pk}": "Two posts, please",
            "idempotency_key": uuid.uuid4().hex,
        },
    )

    html = response.content.decode()
    assert "No offer sent: Enter an amount like 1200 or 1200.50." in html
    assert "checked" in offer_box(html, creator.pk)
    price = re.search(rf'<input[^>]*name="price_{creator.pk}"[^>]*>', html).group(0)
    assert 'value="abc"' in price and 'aria-invalid="true"' in price
    assert ">Two posts, please</textarea>" in html
    assert not Collaboration.objects.filter(order=world["order"], creator=creator).exists()


def test_a_sent_row_starts_empty_while_a_refused_one_keeps_its_terms(world, client):  # noqa: F811
    sent, refused = make_creator(), make_creator()
    stored_ranking(world["order"], [sent, refused])
    client.force_login(world["owner"])

    response = send_offers(
        client,
        world["order"],
        {
            "creator": [sent.pk, refused.pk],
            f"price_{refused.pk}": "12,00,0",
            "idempotency_key": uuid.uuid4().hex,
        },
    )

    html = response.content.decode()
    assert Collaboration.objects.filter(order=world["order"], creator=sent).exists()
    assert "checked" not in offer_box(html, sent.pk)
    assert "checked" in offer_box(html, refused.pk)
    assert 'value="12,00,0"' in html


def test_the_ranked_list_compares_the_ticked_creators_on_the_directorys_compare_page(world, client):  # noqa: F811
    creators = [make_creator() for _ in range(2)]
    stored_ranking(world["order"], creators)
    client.force_login(world["owner"])

    html = client.get(reverse("matching:order_ranking", args=[world["order"].pk])).content.decode()
    compare = client.get(reverse("matching:creator_compare"), {"creator": [c.pk for c in creators]})

    form = re.search(r'<form[^>]*id="ranking-compare"[^>]*>', html).group(0)
    assert f'action="{reverse("matching:creator_compare")}"' in form and 'method="get"' in form
    assert "Compare the ticked creators (up to 4)" in html
    for creator in creators:
        assert f'form="ranking-compare" name="creator" value="{creator.pk}"' in html
    assert compare.status_code == 200
    assert all(c.display_name in compare.content.decode() for c in creators)


def test_a_reliability_reason_in_chinese_joins_its_parts_with_a_chinese_semicolon():
    reason = {"orders": 15, "on_time": 12, "on_time_counted": 77, "ratings": 1, "rating": 3.9, "rating_counted": 3.8}

    with translation.override("zh-hans"):
        chinese = _reliability_text(reason)
    with translation.override("en"):
        english = _reliability_text(reason)

    assert "；" in chinese and "; " not in chinese
    assert "(counted as 77 %); rated 3.9" in english
