"""Every error is shown beside its field, once, in words that say what is wrong; long forms also list
them at the top, each linking to its field. No field's error is a banner."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from brands.models import BrandMembership
from orders.models import Collaboration, Order
from tests.factories import LabelFactory, MembershipFactory, OrderFactory
from tests.html import text_of, texts_of_class
from tests.orders.conftest import PRICE, deal_in, key, make_creator, mp4_upload

S = Collaboration.Status
PAST = "This deadline has passed."


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def assert_beside(html: str, field_id: str, message: str) -> None:
    """``message`` is inside the field's container exactly once and in no banner."""
    assert text_of(html, f"{field_id}_field").count(message) == 1, text_of(html, f"{field_id}_field")
    assert not [banner for banner in texts_of_class(html, "messages") if message in banner]


# ---------------------------------------------------------------- publishing


def _draft_with_past_deadlines(brand) -> Order:
    order = OrderFactory(
        brand=brand,
        mode=Order.Mode.RECRUITMENT,
        price_per_creator=PRICE,
        apply_by=timezone.now() - timedelta(days=2),
        script_by=timezone.now() - timedelta(days=1),
        publish_from=timezone.localdate() + timedelta(days=3),
        publish_until=timezone.localdate() + timedelta(days=10),
    )
    order.target_label_links.create(label=LabelFactory(), weight=1)
    return order


def test_publishing_with_past_deadlines_shows_each_beside_its_field_and_lists_them_at_the_top(world, client):
    order = _draft_with_past_deadlines(world["brand"])
    client.force_login(world["owner"])

    response = client.post(reverse("orders:publish", args=[order.pk]))

    html = response.content.decode()
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"apply_by", "script_by"}  # the saved brief reads back whole
    assert_beside(html, "id_apply_by", PAST)
    assert_beside(html, "id_script_by", PAST)
    summary = text_of(html, "error-summary")
    assert summary.startswith("The order is not published yet.")
    assert summary.count(PAST) == 2
    assert 'href="#id_apply_by_field"' in html and 'href="#id_script_by_field"' in html
    order.refresh_from_db()
    assert order.status == Order.Status.DRAFT


def test_the_publish_problems_page_keeps_the_saved_brief_and_can_save_and_publish(world, client):
    order = _draft_with_past_deadlines(world["brand"])
    client.force_login(world["owner"])
    page = client.post(reverse("orders:publish", args=[order.pk]))
    data = page.context["form"].data.copy()
    assert data["title"] == order.title

    data["apply_by"] = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    data["script_by"] = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    data["then_publish"] = "1"
    response = client.post(reverse("orders:update", args=[order.pk]), data, follow=True)

    order.refresh_from_db()
    assert order.status == Order.Status.PUBLISHED
    assert "Draft saved and the order published." in texts_of_class(response.content.decode(), "messages")[0]


def test_save_and_publish_saves_the_draft_and_shows_what_still_stops_publishing(world, client):
    order = _draft_with_past_deadlines(world["brand"])
    client.force_login(world["owner"])
    data = client.post(reverse("orders:publish", args=[order.pk])).context["form"].data.copy()
    data["title"] = "Renamed launch"
    data["then_publish"] = "1"

    response = client.post(reverse("orders:update", args=[order.pk]), data)

    order.refresh_from_db()
    assert (order.title, order.status) == ("Renamed launch", Order.Status.DRAFT)  # saved, not published
    assert response.status_code == 400
    html = response.content.decode()
    assert text_of(html, "error-summary").startswith("Your changes are saved, but the order is not published yet.")
    assert_beside(html, "id_script_by", PAST)


def test_save_and_publish_with_a_bad_brief_saves_nothing(world, client):
    order = _draft_with_past_deadlines(world["brand"])
    client.force_login(world["owner"])
    data = client.post(reverse("orders:publish", args=[order.pk])).context["form"].data.copy()
    data["title"], data["price_per_creator"], data["then_publish"] = "Renamed launch", "12,50", "1"

    response = client.post(reverse("orders:update", args=[order.pk]), data)

    order.refresh_from_db()
    assert order.title != "Renamed launch"
    assert_beside(response.content.decode(), "id_price_per_creator", "Enter an amount like 1200 or 1200.50.")
    assert "Draft saved" not in response.content.decode()


# ------------------------------------------------------------------- videos


def truncated_mp4() -> SimpleUploadedFile:
    """Whole ftyp and moov boxes, then an mdat that says it is longer than what arrived."""
    whole = mp4_upload(size=4096).read()
    return SimpleUploadedFile("cut.mp4", whole[:1500], content_type="video/mp4")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (truncated_mp4, "The file could not be read as a video: it looks damaged or incomplete."),
        (
            lambda: SimpleUploadedFile("clip.mp4", b"\x00" * 64 + b"garbage" * 50, content_type="video/mp4"),
            "The file could not be read as a video",
        ),
        (
            lambda: SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png"),
            "This file type is not accepted; use mov, mp4, webm.",
        ),
    ],
    ids=["truncated mp4", "corrupt mp4", "a picture"],
)
def test_a_video_upload_says_what_is_wrong_beside_the_field(world, client, upload, message):
    c = deal_in(world, S.SCRIPT_APPROVED)
    client.force_login(c.creator.user)

    response = client.post(reverse("deals:act", args=[c.pk, "submit_video"]), {"video": upload()})

    assert response.status_code == 400
    assert_beside(response.content.decode(), "id_submit_video_video", message)
    c.refresh_from_db()
    assert c.status == S.SCRIPT_APPROVED


def test_a_whole_video_is_accepted(world, client):
    c = deal_in(world, S.SCRIPT_APPROVED)
    client.force_login(c.creator.user)

    response = client.post(reverse("deals:act", args=[c.pk, "submit_video"]), {"video": mp4_upload()})

    assert response.status_code == 302


# ------------------------------------------------------- every form, one table


def _creator_client(client, world):
    creator = make_creator()
    client.force_login(creator.user)
    return creator


def _owner_client(client, world):
    client.force_login(world["owner"])


# (who, url, data, the field's id, the message): a refused submission of each form of the site.
CASES = {
    "order price": (
        _owner_client,
        lambda w: reverse("orders:create"),
        lambda w: {"title": "T", "product_name": "P", "format": "short_21_60", "price_per_creator": "12,50"},
        "id_price_per_creator",
        "Enter an amount like 1200 or 1200.50.",
    ),
    "profile country": (
        _creator_client,
        lambda w: reverse("creators:profile_edit"),
        lambda w: {"section": "basics", "display_name": "Mia", "platform": "douyin", "country": "Atlantis"},
        "id_country",
        "No country is called “Atlantis”.",
    ),
    "rate card price": (
        _creator_client,
        lambda w: reverse("creators:profile_edit"),
        lambda w: {"section": "rate_card", "price_image_post": "99999999"},
        "id_price_image_post",
        "A price must be between CNY 1.00 and CNY 10,000,000.00.",
    ),
    "blackout dates": (
        _creator_client,
        lambda w: reverse("creators:profile_edit"),
        lambda w: {"section": "blackout_add", "starts_on": "2031-05-03", "ends_on": "2031-05-01"},
        "id_ends_on",
        "The last day must not be before the first day.",
    ),
    "capacity": (
        _creator_client,
        lambda w: reverse("creators:profile_edit"),
        lambda w: {"section": "capacity", "max_concurrent": "0"},
        "id_max_concurrent",
        "Ensure this value is greater than or equal to 1.",
    ),
    "payout amount": (
        _creator_client,
        lambda w: reverse("payouts:payout_request"),
        lambda w: {"amount": "12,00", "idempotency_key": key()},
        "id_amount",
        "Enter an amount like",
    ),
    "top-up amount": (
        _owner_client,
        lambda w: reverse("payouts:wallet_topup"),
        lambda w: {"amount": "0", "idempotency_key": key()},
        "id_amount",
        "The amount must be more than zero.",
    ),
    "member e-mail": (
        _owner_client,
        lambda w: reverse("brands:member_add"),
        lambda w: {"email": w["viewer"].email, "role": "manager", "full_name": ""},
        "id_email",
        "already",
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_each_forms_error_is_beside_its_field_once(world, client, case):
    login, url, data, field_id, message = case
    login(client, world)

    response = client.post(url(world), data(world))

    html = response.content.decode()
    assert response.status_code == 400  # every refused form answers 400, with the page and its errors
    container = text_of(html, f"{field_id}_field")
    assert message in container, container
    assert container.count(message) == 1
    assert not [banner for banner in texts_of_class(html, "messages") if message in banner]


def test_an_application_quote_out_of_band_is_beside_the_quote(world, client):
    creator = make_creator()
    client.force_login(creator.user)

    response = client.post(reverse("deals:apply", args=[world["order"].pk]), {"quote": "1", "pitch": "Hi"})

    html = response.content.decode()
    field_id = f"id_apply{world['order'].pk}_quote"
    assert response.status_code == 400
    assert "between" in text_of(html, f"{field_id}_field")


def test_a_brand_manager_cannot_be_added_twice(world, client):
    MembershipFactory(brand=world["brand"], role=BrandMembership.Role.MANAGER, user__email="twice@example.test")
    client.force_login(world["owner"])

    response = client.post(reverse("brands:member_add"), {"email": "twice@example.test", "role": "viewer"})

    assert "already" in text_of(response.content.decode(), "id_email_field")


# ------------------------------------------------------ the ranked list's rows

HX = {"HTTP_HX_REQUEST": "true"}


def test_a_refused_offer_is_said_on_its_creators_row_not_in_a_banner(world, client):
    from tests.orders.test_pages_brand import form_key, send_url, stored_ranking

    fine, unpriced = make_creator(), make_creator()
    unpriced.rate_prices.all().delete()
    stored_ranking(world["order"], [fine, unpriced])
    client.force_login(world["owner"])

    response = client.post(
        send_url(world["order"]), {"creator": [fine.pk, unpriced.pk], "idempotency_key": form_key()}, **HX
    )

    html = response.content.decode()
    problem = "No offer sent: The creator has no rate-card price for this format: give a price."
    assert text_of(html, f"offer-error-{unpriced.pk}") == problem
    assert f"offer-error-{fine.pk}" not in html
    assert not [banner for banner in texts_of_class(html, "messages") if "rate-card price" in banner]
    assert "Offer sent to" in " ".join(texts_of_class(html, "messages"))


def test_a_ranking_filter_error_is_its_own_line_tied_to_its_box(world, client):
    from tests.orders.test_pages_brand import stored_ranking

    stored_ranking(world["order"], [make_creator()])
    client.force_login(world["owner"])

    response = client.get(reverse("matching:order_ranking", args=[world["order"].pk]), {"min_followers": "lots"}, **HX)

    html = response.content.decode()
    assert 'aria-describedby="filter-min_followers-error"' in html
    assert text_of(html, "filter-min_followers-error")
