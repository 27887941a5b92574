"""The profile editor's traps, closed: price bounds, a second look at outlier prices, stopping a format,
regions picked by name, and every section form marked for the unsaved-changes warning."""

import re
from datetime import date

import pytest
from django.urls import reverse

from creators import selectors, services
from creators.forms import RATE_CARD_OUTLIER_FACTOR, RATE_CARD_TYPICAL_FACTOR
from creators.models import RatePrice
from marketplace.core import format_money
from orders.services.deals import current_price
from tests.factories import CreatorFactory, RatePriceFactory

pytestmark = pytest.mark.django_db

EDIT = reverse("creators:profile_edit")
FORMATS = ("short_1_20", "short_21_60", "video_60_plus", "image_post", "live_session")


@pytest.fixture
def creator(client):
    creator = CreatorFactory(audience_age={}, audience_gender={}, audience_region={}, country="")
    client.force_login(creator.user)
    return creator


def _rate_post(stop=(), confirm=None, **prices):
    data = {"section": "rate_card", **{f"price_{fmt}": prices.get(fmt, "") for fmt in FORMATS}}
    data.update({f"stop_{fmt}": "on" for fmt in stop})
    data.update({f"confirm_{fmt}": value for fmt, value in (confirm or {}).items()})
    return data


def _field_container(html: str, field_id: str) -> str:
    """The words and markup of the table cell that holds the input ``field_id``."""
    match = re.search(r'<td class="field-cell" id="' + field_id + r'_field"[^>]*>(.*?)</td>', html, re.S)
    assert match, field_id
    return match.group(1)


# ------------------------------------------------------------------ bounds


BOUNDS = "A price must be between CNY 1.00 and CNY 10,000,000.00."


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        # Past the platform's one limit for any amount (marketplace.core.MAX_AMOUNT) the form refuses it first.
        ("99999999999", "That amount is too large."),
        ("99999999", BOUNDS),
        ("10000000.01", BOUNDS),
        ("0.99", BOUNDS),
    ],
)
def test_a_price_outside_the_bounds_is_refused_beside_its_field(client, creator, typed, message):
    response = client.post(EDIT, _rate_post(short_21_60=typed))

    assert response.status_code == 400
    cell = _field_container(response.content.decode(), "id_price_short_21_60")
    assert cell.count(message) == 1
    assert not RatePrice.objects.filter(creator=creator).exists()


def test_the_service_refuses_a_price_over_the_bound_for_every_caller(creator):
    with pytest.raises(services.ValidationError) as excinfo:
        services.rate_card_set_price(
            creator=creator, actor=creator.user, format="short_21_60", amount=services.RATE_CARD_MAX_PRICE + 1
        )

    assert "between" in excinfo.value.message_dict["amount"][0]


# ----------------------------------------------------------------- outliers


def test_a_price_far_above_the_creators_own_asks_for_a_second_look_then_saves(client, creator):
    RatePriceFactory(creator=creator, format="short_21_60", amount=500_000)
    outlier = 500_000 * RATE_CARD_OUTLIER_FACTOR

    first = client.post(EDIT, _rate_post(image_post=str(outlier // 100)))

    assert first.status_code == 400
    html = first.content.decode()
    cell = _field_container(html, "id_price_image_post")
    assert "is far above your other prices (around CNY 5,000.00)" in cell
    assert f'name="confirm_image_post" value="{outlier}"' in cell
    assert not RatePrice.objects.filter(creator=creator, format="image_post").exists()

    second = client.post(EDIT, _rate_post(image_post=str(outlier // 100), confirm={"image_post": str(outlier)}))

    assert second.status_code == 302
    assert RatePrice.objects.get(creator=creator, format="image_post").amount == outlier


def test_a_confirmation_is_for_the_amount_shown_not_a_different_one(client, creator):
    RatePriceFactory(creator=creator, format="short_21_60", amount=500_000)

    response = client.post(EDIT, _rate_post(image_post="9000000", confirm={"image_post": "250000000"}))

    assert response.status_code == 400
    assert not RatePrice.objects.filter(creator=creator, format="image_post").exists()


def test_a_price_far_below_the_creators_own_asks_for_a_second_look(client, creator):
    RatePriceFactory(creator=creator, format="short_21_60", amount=500_000)

    response = client.post(EDIT, _rate_post(short_21_60="50"))

    assert "is far below your other prices" in _field_container(response.content.decode(), "id_price_short_21_60")


def test_a_first_price_far_above_the_typical_price_for_the_format_asks_for_a_second_look(client, creator):
    for _ in range(3):
        RatePriceFactory(creator=CreatorFactory(), format="live_session", amount=300_000)

    response = client.post(EDIT, _rate_post(live_session=str(3_000 * RATE_CARD_TYPICAL_FACTOR)))

    cell = _field_container(response.content.decode(), "id_price_live_session")
    assert "far above what creators typically ask for this format (around CNY 3,000.00)" in cell
    assert selectors.typical_price("live_session") == 300_000


def test_an_ordinary_price_saves_at_once(client, creator):
    RatePriceFactory(creator=creator, format="short_21_60", amount=500_000)

    response = client.post(EDIT, _rate_post(image_post="3000"))

    assert response.status_code == 302


# --------------------------------------------------------------- stopping


def test_a_format_can_be_stopped_and_no_offer_can_be_made_for_it_from_next_month(client, creator):
    this_month = services.platform_today().replace(day=1)
    RatePriceFactory(creator=creator, format="live_session", amount=300_000, effective_from=this_month)

    response = client.post(EDIT, _rate_post(stop=["live_session"]), follow=True)

    next_month = services.first_of_next_month(this_month)
    assert RatePrice.objects.get(creator=creator, format="live_session", effective_from=next_month).amount is None
    page = response.content.decode()
    assert "Not offered from" in page
    assert current_price(creator, "live_session") == 300_000  # offers in flight this month keep the price
    assert current_price(creator, "live_session", on=next_month) is None


def test_a_stopped_format_shows_as_not_offered_and_can_be_offered_again():
    creator = CreatorFactory()
    services.rate_card_set_price(
        creator=creator, actor=creator.user, format="image_post", amount=80_000, today=date(2025, 1, 10)
    )
    services.rate_card_set_price(
        creator=creator, actor=creator.user, format="image_post", amount=None, today=date(2025, 1, 20)
    )

    line = next(x for x in selectors.current_rate_card(creator, date(2025, 3, 5)) if x.format == "image_post")
    assert line.in_force is None

    row = services.rate_card_set_price(
        creator=creator, actor=creator.user, format="image_post", amount=90_000, today=date(2025, 3, 5)
    )

    assert row.effective_from == date(2025, 3, 1)  # nothing was offered, so the price applies at once
    assert current_price(creator, "image_post", on=date(2025, 3, 5)) == 90_000


def test_stopping_a_format_that_is_not_offered_changes_nothing():
    creator = CreatorFactory()

    assert services.rate_card_set_price(creator=creator, actor=creator.user, format="image_post", amount=None) is None
    assert not RatePrice.objects.filter(creator=creator).exists()


def test_a_price_and_a_stop_for_the_same_format_is_refused_beside_the_price(client, creator):
    RatePriceFactory(creator=creator, format="live_session", amount=300_000)

    response = client.post(EDIT, _rate_post(stop=["live_session"], live_session="3500"))

    cell = _field_container(response.content.decode(), "id_price_live_session")
    assert "Leave the price empty to stop offering this format" in cell


def test_only_formats_with_a_price_have_a_stop_box(client, creator):
    RatePriceFactory(creator=creator, format="live_session", amount=300_000)

    html = client.get(EDIT).content.decode()

    assert 'name="stop_live_session"' in html
    assert 'name="stop_image_post"' not in html


# ----------------------------------------------------------------- regions


@pytest.mark.parametrize("typed", ["Guangdong (CN-GD)", "guangdong", "cn-gd", "  Guangdong  "])
def test_a_region_is_picked_by_name_or_code(client, creator, typed):
    data = {"section": "audience", **{f"age-b{i}": "" for i in range(5)}, **{f"gender-b{i}": "" for i in range(3)}}
    data.update({"region-TOTAL_FORMS": 2, "region-INITIAL_FORMS": 2})
    data.update({"region-0-code": typed, "region-0-share": "60"})
    data.update({"region-1-code": "United States", "region-1-share": "40"})

    response = client.post(EDIT, data)

    assert response.status_code == 302
    creator.refresh_from_db()
    assert creator.audience_region == {"CN-GD": 0.6, "US": 0.4}
    html = client.get(EDIT).content.decode()
    assert 'value="Guangdong (CN-GD)"' in html  # shown by name in the editor
    assert '<option value="Guangdong (CN-GD)">' in html  # and offered in the searchable list


def test_a_country_is_picked_by_name(client, creator):
    data = {"section": "basics", "display_name": "Mia", "bio": "", "platform": "douyin", "country": "China (CN)"}
    data["content_sample"] = ""

    response = client.post(EDIT, data)

    assert response.status_code == 302
    creator.refresh_from_db()
    assert creator.country == "CN"


# ---------------------------------------------------------- unsaved changes


def test_every_section_form_that_edits_the_profile_is_marked_for_the_unsaved_warning(client, creator):
    html = client.get(EDIT).content.decode()

    forms = re.findall(r"<form[^>]*>\s*<input[^>]*>\s*<input type=\"hidden\" name=\"section\" value=\"(\w+)\"", html)
    marked = re.findall(
        r"<form[^>]*data-unsaved-warning=\"[^\"]+\"[^>]*>\s*<input[^>]*>\s*<input type=\"hidden\" "
        r"name=\"section\" value=\"(\w+)\"",
        html,
    )
    assert set(forms) - {"blackout_remove", "avatar_remove"} == set(marked)  # one-button actions edit nothing
    assert len(marked) == 9  # basics, picture, samples, labels, audience, rate card, usage rights, capacity, blackouts
    assert 'id="unsaved-alert-text"' in html
    assert format_money(services.RATE_CARD_MAX_PRICE, "CNY") in html
