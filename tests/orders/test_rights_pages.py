"""Usage rights in the pages and the API: the creator prices them on the profile editor (and over the API), the
offer holds the total, both sides read the contract on the collaboration page, the brand extends them there."""

import re
from datetime import timedelta
from html import unescape

from django.urls import reverse

from marketplace.core import format_money
from orders.models import Collaboration
from payouts.models import LedgerEntry
from tests.api.clients import api_for
from tests.orders.conftest import PRICE, key
from tests.orders.test_rights import MONTH, RIGHTS, deal

S = Collaboration.Status


def text_of(response) -> str:
    """The page's words as a reader sees them: tags dropped, entities read, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def cny(minor: int) -> str:
    return format_money(minor, "CNY")


def test_the_creator_prices_rights_on_the_profile_editor_and_the_offer_holds_the_total(rights_world, client):
    from tests.orders.conftest import make_creator

    creator = make_creator()
    client.force_login(creator.user)
    edit = reverse("creators:profile_edit")

    saved = client.post(
        edit, {"section": "rights", "percent_brand_accounts": "10", "amount_ad_authorisation": "300"}, follow=True
    )

    page = text_of(saved)
    assert "Usage-rights prices saved" in page
    assert saved.context["rights_form"]["percent_brand_accounts"].value() == 10
    c = deal(rights_world, S.OFFERED, creator=creator)
    assert c.agreed_price == PRICE + RIGHTS


def test_a_right_priced_twice_is_refused_beside_the_field(client, db):
    from tests.orders.conftest import make_creator

    creator = make_creator()
    client.force_login(creator.user)

    response = client.post(
        reverse("creators:profile_edit"),
        {"section": "rights", "percent_offline": "5", "amount_offline": "100", "percent_paid_ads": "abc"},
    )

    assert response.status_code == 400
    form = response.context["rights_form"]
    assert "not both" in " ".join(form.errors["amount_offline"])
    assert form.errors["percent_paid_ads"]
    assert not creator.rights_rates.exists()


def test_both_sides_see_the_contract_on_the_collaboration_page(rights_world, client):
    c = deal(rights_world, S.ACCEPTED)

    for user in (rights_world["owner"], c.creator.user):
        client.force_login(user)
        page = text_of(client.get(reverse("deals:collaboration", args=[c.pk])))

        assert "Contract: work and usage rights · accepted by both sides" in page
        assert f"Brand's social accounts, 45 days 10 % of the fee a month × 2 months {cny(100_000)}" in page
        assert f"Paid-ad authorisation (ad codes), 45 days CNY 300.00 a month × 2 months {cny(60_000)}" in page
        assert f"The work, posted on the creator's own account — {cny(PRICE)}" in page
        assert f"Total held for the deal {cny(PRICE + RIGHTS)}" in page
        assert "They start when the post is published." in page


def test_the_brand_extends_the_rights_on_the_page_and_a_second_click_pays_nothing(rights_world, client):
    c = deal(rights_world, S.SETTLED)
    client.force_login(rights_world["owner"])
    page = client.get(reverse("deals:collaboration", args=[c.pk]))
    assert f"Each month costs {cny(MONTH)}" in text_of(page)
    form = {"months": "2", "rights_until": c.rights_until.isoformat()}

    done = client.post(reverse("deals:act", args=[c.pk, "extend_rights"]), form, follow=True)
    entries = LedgerEntry.objects.count()
    again = client.post(reverse("deals:act", args=[c.pk, "extend_rights"]), form, follow=True)

    c.refresh_from_db()
    assert "The usage rights are extended and the creator is paid." in text_of(done)
    assert "extended meanwhile" in text_of(again)
    assert LedgerEntry.objects.count() == entries
    assert c.rights_until == c.published_at + timedelta(days=45 + 60)
    assert "Usage rights extended and paid" in text_of(done)


def test_the_creator_and_the_viewer_have_no_extend_form(rights_world, client):
    c = deal(rights_world, S.SETTLED)

    for user in (c.creator.user, rights_world["viewer"]):
        client.force_login(user)
        page = text_of(client.get(reverse("deals:collaboration", args=[c.pk])))
        assert "Pay and extend the usage rights" not in page
        assert "Contract: work and usage rights" in page
    refused = client.post(
        reverse("deals:act", args=[c.pk, "extend_rights"]), {"months": "1", "rights_until": c.rights_until.isoformat()}
    )
    assert refused.status_code == 403


def test_rights_rates_and_the_contract_over_the_api(rights_world):
    from tests.orders.conftest import make_creator

    creator = make_creator()
    api = api_for(creator.user)

    priced = api.post(
        "/api/v1/creator/rights-rates/",
        {
            "rates": [
                {"right": "brand_accounts", "percent_bps": 1000},
                {"right": "ad_authorisation", "monthly_amount_minor": 30_000},
            ]
        },
        format="json",
    )
    both = api.post(
        "/api/v1/creator/rights-rates/",
        {"rates": [{"right": "offline", "percent_bps": 100, "monthly_amount_minor": 100}]},
        format="json",
    )
    c = deal(rights_world, S.ACCEPTED, creator=creator)
    seen = api.get(f"/api/v1/collaborations/{c.pk}/").json()

    assert priced.status_code == 200
    assert {r["right"]: (r["percent_bps"], r["monthly_amount_minor"]) for r in priced.json()["rights_rates"]}[
        "brand_accounts"
    ] == (1000, None)
    assert both.status_code == 400 and "rates" in both.json()["errors"]
    assert seen["agreed_price_minor"] == PRICE + RIGHTS
    assert seen["rights"]["work_price_minor"] == PRICE and seen["rights"]["rights_price_minor"] == RIGHTS
    assert [line["price_minor"] for line in seen["rights"]["lines"]] == [100_000, 60_000]
    profile = api.get("/api/v1/creator/profile/").json()
    assert {r["right"] for r in profile["rights_rates"]} >= {"brand_accounts", "ad_authorisation"}


def test_an_extension_over_the_api_needs_a_key_replays_and_pays_once(rights_world):
    c = deal(rights_world, S.SETTLED)
    brand = api_for(rights_world["owner"])
    path = f"/api/v1/collaborations/{c.pk}/extend_rights/"
    body = {"months": 1, "rights_until": c.rights_until.isoformat()}

    no_key = brand.post(path, body, format="json")
    idem = key()
    first = brand.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=idem)
    replay = brand.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=idem)
    other = brand.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key())
    by_creator = api_for(c.creator.user).post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key())

    assert no_key.status_code == 400
    assert first.status_code == 200 and replay.status_code == 200
    assert replay["Idempotent-Replayed"] == "true"
    assert first.json()["rights"]["rights_until"] == replay.json()["rights"]["rights_until"]
    assert other.status_code == 409
    assert by_creator.status_code == 403
    c.refresh_from_db()
    assert c.rights_until == c.published_at + timedelta(days=75)
    assert c.events.filter(action="extend_rights").count() == 1
