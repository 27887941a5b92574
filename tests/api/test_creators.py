from datetime import date, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from brands.models import BrandMembership
from creators.models import BlackoutPeriod, Creator, CreatorLabel, RatePrice
from creators.services import first_of_month, first_of_next_month, platform_today
from tests.api.clients import api_for
from tests.factories import (
    CreatorFactory,
    CreatorLabelFactory,
    LabelFactory,
    MembershipFactory,
    RatePriceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def creator():
    return CreatorFactory(bio="Morning routines", country="CN", max_concurrent=3)


@pytest.fixture
def api(creator):
    return api_for(creator.user)


def profile_url():
    return reverse("api:creator-profile")


# ----------------------------------------------------------------- profile


def test_a_creator_reads_their_whole_profile(creator, api):
    link = CreatorLabelFactory(creator=creator, weight=0.7)
    today = platform_today()
    RatePriceFactory(creator=creator, format="short_21_60", amount=500_000, effective_from=first_of_month(today))
    RatePriceFactory(creator=creator, format="short_21_60", amount=650_000, effective_from=first_of_next_month(today))
    blackout = BlackoutPeriod.objects.create(
        creator=creator, starts_on=today + timedelta(days=3), ends_on=today + timedelta(days=5), note="Holiday"
    )

    response = api.get(profile_url())

    body = response.json()
    assert response.status_code == 200 and response["ETag"]
    assert (body["id"], body["handle"], body["bio"], body["max_concurrent"]) == (
        creator.pk,
        creator.handle,
        "Morning routines",
        3,
    )
    assert body["audience"]["gender"] == creator.audience_gender
    assert body["labels"] == [
        {
            "label": link.label_id,
            "iab_id": link.label.iab_id,
            "name": link.label.name,
            "path": link.label.path,
            "name_zh_hans": link.label.name_zh_hans,
            "path_zh_hans": link.label.path_zh_hans,
            "weight": 0.7,
        }
    ]
    line = next(x for x in body["rate_card"] if x["format"] == "short_21_60")
    assert line["in_force"]["price_minor"] == 500_000 and line["pending"]["price_minor"] == 650_000
    assert line["pending"]["effective_from"] == first_of_next_month(today).isoformat()
    assert body["currency"] == settings.CURRENCY
    assert body["blackouts"] == [
        {
            "id": blackout.pk,
            "starts_on": blackout.starts_on.isoformat(),
            "ends_on": blackout.ends_on.isoformat(),
            "note": "Holiday",
        }
    ]


def test_only_creators_have_a_profile_route():
    brand_member = api_for(MembershipFactory().user)

    assert brand_member.get(profile_url()).status_code == 403
    assert brand_member.patch(profile_url(), {"bio": "x"}, format="json").status_code == 403
    assert brand_member.post(reverse("api:creator-rate-card"), {}, format="json").status_code == 403
    assert APIClient().get(profile_url()).status_code == 401


def test_patch_changes_only_the_sections_sent(creator, api):
    response = api.patch(profile_url(), {"bio": "Evening routines", "max_concurrent": 5}, format="json")

    creator.refresh_from_db()
    assert response.status_code == 200
    assert (creator.bio, creator.max_concurrent) == ("Evening routines", 5)
    assert (creator.display_name, creator.country) == (response.json()["display_name"], "CN")
    assert creator.audience_gender == {"female": 0.6, "male": 0.38, "other": 0.02}


def test_patch_refuses_fields_the_creator_does_not_own_and_changes_nothing(creator, api):
    other = UserFactory()

    response = api.patch(
        profile_url(),
        {
            "bio": "Still me",
            "handle": "someone-else",
            "is_active": False,
            "verification": "verified",
            "followers": 10**9,
            "completed_orders": 99,
            "avg_rating": 5,
            "user": other.pk,
            "is_staff": True,
            "id": creator.pk + 1000,
        },
        format="json",
    )

    fresh = Creator.objects.get(pk=creator.pk)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {
        "handle",
        "is_active",
        "verification",
        "followers",
        "completed_orders",
        "avg_rating",
        "user",
        "is_staff",
        "id",
    }
    assert fresh.bio == creator.bio
    assert (fresh.handle, fresh.is_active, fresh.followers, fresh.completed_orders, fresh.avg_rating) == (
        creator.handle,
        True,
        creator.followers,
        0,
        None,
    )
    assert fresh.user_id == creator.user_id and not fresh.user.is_staff


def test_patch_sets_audience_and_labels_by_iab_id(creator, api):
    labels = [LabelFactory(), LabelFactory()]

    response = api.patch(
        profile_url(),
        {
            "audience": {"age": {"18-23": 0.5, "24-30": 0.5}, "region": {"CN": 1}},
            "labels": [{"label": labels[0].iab_id, "weight": 0.9}, {"label": labels[1].pk}],
        },
        format="json",
    )

    creator.refresh_from_db()
    assert response.status_code == 200
    assert creator.audience_age == {"18-23": 0.5, "24-30": 0.5} and creator.audience_region == {"CN": 1.0}
    assert creator.audience_gender == {"female": 0.6, "male": 0.38, "other": 0.02}  # not sent: kept
    stored = dict(CreatorLabel.objects.filter(creator=creator).values_list("label_id", "weight"))
    assert stored == {labels[0].pk: 0.9, labels[1].pk: 1.0}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"audience": {"age": {"18-23": 0.5}}}, "audience"),
        ({"audience": {"age": {"99+": 1}}}, "audience"),
        ({"audience": {"gender": {"female": "0.5", "male": 0.5}}}, "audience"),
        ({"audience": {"region": []}}, "audience"),
        ({"labels": [{"label": "no-such-label"}]}, "labels"),
        ({"labels": [{"label": 1, "weight": 0}]}, "labels"),
        ({"bio": "a\x00b"}, "bio"),
        ({"bio": "x" * 1_000_000}, "bio"),
        ({"display_name": ""}, "display_name"),
        ({"country": "ZZ"}, "country"),
        ({"platform": "myspace"}, "platform"),
        ({"max_concurrent": 0}, "max_concurrent"),
        ({"max_concurrent": "3"}, "max_concurrent"),
        ({"max_concurrent": True}, "max_concurrent"),
    ],
)
def test_bad_profile_input_is_a_400_field_error_and_saves_nothing(creator, api, data, field):
    before = Creator.objects.values().get(pk=creator.pk)

    response = api.patch(profile_url(), {"display_name": "Renamed", **data}, format="json")

    assert response.status_code in (400, 413)
    errors = response.json()["errors"]
    assert field in errors and all(isinstance(m, str) for m in errors[field])
    after = Creator.objects.values().get(pk=creator.pk)
    assert after == before


def test_too_many_labels_are_refused(creator, api):
    labels = [{"label": LabelFactory().pk} for _ in range(11)]

    response = api.patch(profile_url(), {"labels": labels}, format="json")

    assert response.status_code == 400 and "labels" in response.json()["errors"]
    assert not CreatorLabel.objects.filter(creator=creator).exists()


def test_a_stale_if_match_gets_412(creator, api):
    etag = api.get(profile_url())["ETag"]
    api.patch(profile_url(), {"bio": "First"}, format="json", HTTP_IF_MATCH=etag)

    response = api.patch(profile_url(), {"bio": "Second"}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 412
    assert Creator.objects.get(pk=creator.pk).bio == "First"


# --------------------------------------------------------------- rate card


def test_a_first_price_applies_now_and_a_change_waits_for_next_month(creator, api):
    url = reverse("api:creator-rate-card")
    today = platform_today()

    first = api.post(url, {"prices": [{"format": "image_post", "price_minor": 200_000}]}, format="json")
    change = api.post(url, {"prices": [{"format": "image_post", "price_minor": 250_000}]}, format="json")

    assert first.status_code == change.status_code == 200
    line = next(x for x in change.json()["rate_card"] if x["format"] == "image_post")
    assert line["in_force"] == {
        "price_minor": 200_000,
        "currency": settings.CURRENCY,
        "effective_from": first_of_month(today).isoformat(),
    }
    assert line["pending"]["price_minor"] == 250_000
    assert line["pending"]["effective_from"] == first_of_next_month(today).isoformat()
    assert RatePrice.objects.filter(creator=creator).count() == 2


@pytest.mark.parametrize("amount", [0, -1, 1.5, "100", True, 10**15, 99, 1_000_000_001, "NaN"], ids=repr)
def test_bad_prices_are_400_and_store_nothing(creator, api, amount):
    response = api.post(
        reverse("api:creator-rate-card"),
        {"prices": [{"format": "image_post", "price_minor": amount}]},
        format="json",
    )

    assert response.status_code == 400
    assert "prices" in response.json()["errors"]
    assert not RatePrice.objects.filter(creator=creator).exists()


def test_null_stops_offering_a_format_from_next_month(creator, api):
    url = reverse("api:creator-rate-card")
    api.post(url, {"prices": [{"format": "image_post", "price_minor": 200_000}]}, format="json")

    response = api.post(url, {"prices": [{"format": "image_post", "price_minor": None}]}, format="json")

    assert response.status_code == 200
    line = next(x for x in response.json()["rate_card"] if x["format"] == "image_post")
    assert line["in_force"]["price_minor"] == 200_000  # offers this month keep the price
    assert line["pending"] == {
        "price_minor": None,
        "currency": settings.CURRENCY,
        "effective_from": first_of_next_month(platform_today()).isoformat(),
    }


@pytest.mark.parametrize(
    "prices",
    [[], [{"format": "8k_film", "price_minor": 100}], [{"format": "image_post", "price_minor": 1}] * 2, "cheap"],
)
def test_bad_rate_card_shapes_are_400(creator, api, prices):
    response = api.post(reverse("api:creator-rate-card"), {"prices": prices}, format="json")

    assert response.status_code == 400
    assert not RatePrice.objects.filter(creator=creator).exists()


# --------------------------------------------------------------- blackouts


def test_a_creator_adds_and_removes_blackout_dates(creator, api):
    starts = date.today() + timedelta(days=7)

    added = api.post(
        reverse("api:creator-blackout-list"),
        {"starts_on": starts.isoformat(), "ends_on": (starts + timedelta(days=2)).isoformat(), "note": "Trip"},
        format="json",
    )
    period = BlackoutPeriod.objects.get(creator=creator)
    removed = api.delete(reverse("api:creator-blackout", args=[period.pk]))

    assert added.status_code == 201 and added.json()["id"] == period.pk and period.note == "Trip"
    assert removed.status_code == 204
    assert not BlackoutPeriod.objects.filter(creator=creator).exists()


def test_blackout_dates_in_the_wrong_order_are_a_field_error(creator, api):
    starts = date.today() + timedelta(days=7)

    response = api.post(
        reverse("api:creator-blackout-list"),
        {"starts_on": starts.isoformat(), "ends_on": (starts - timedelta(days=1)).isoformat()},
        format="json",
    )

    assert response.status_code == 400 and "ends_on" in response.json()["errors"]
    assert not BlackoutPeriod.objects.exists()


def test_another_creators_blackout_cannot_be_removed(api):
    other = CreatorFactory()
    period = BlackoutPeriod.objects.create(
        creator=other, starts_on=date.today(), ends_on=date.today() + timedelta(days=1)
    )

    response = api.delete(reverse("api:creator-blackout", args=[period.pk]))

    assert response.status_code == 404
    assert BlackoutPeriod.objects.filter(pk=period.pk).exists()


# ------------------------------------------------------- creator as brands see it


def test_a_brand_member_sees_an_active_creator_with_labels_and_rate_card(creator):
    CreatorLabelFactory(creator=creator)
    RatePriceFactory(creator=creator, amount=420_000)
    brand = api_for(MembershipFactory(role=BrandMembership.Role.VIEWER).user)

    response = brand.get(reverse("api:creator-detail", args=[creator.handle]))

    body = response.json()
    assert response.status_code == 200
    assert body["handle"] == creator.handle and len(body["labels"]) == 1
    assert next(x for x in body["rate_card"] if x["format"] == "short_21_60")["in_force"]["price_minor"] == 420_000
    assert "content_sample" not in body and "blackouts" not in body and "max_concurrent" not in body


def test_creator_detail_follows_the_pages_visibility_rules(creator):
    hidden = CreatorFactory(is_active=False)
    brand = api_for(MembershipFactory().user)
    staff = api_for(UserFactory(is_staff=True))
    own = api_for(creator.user)

    assert brand.get(reverse("api:creator-detail", args=[hidden.handle])).status_code == 404
    assert staff.get(reverse("api:creator-detail", args=[hidden.handle])).status_code == 200
    assert own.get(reverse("api:creator-detail", args=[creator.handle])).status_code == 200
    assert own.get(reverse("api:creator-detail", args=[CreatorFactory().handle])).status_code == 404
    assert api_for(UserFactory()).get(reverse("api:creator-detail", args=[creator.handle])).status_code == 403
    assert brand.get(reverse("api:creator-detail", args=["nobody"])).status_code == 404


# ------------------------------------------------------------------ brands


def test_a_member_reads_their_brand_and_role():
    member = MembershipFactory(role=BrandMembership.Role.MANAGER)

    body = api_for(member.user).get(reverse("api:brand-detail")).json()

    assert body["brand"]["id"] == member.brand_id and body["brand"]["name"] == member.brand.name
    assert (body["role"], body["can_edit_orders"], body["can_manage_members"]) == ("manager", True, False)


def test_the_member_list_shows_only_the_callers_brand():
    owner = MembershipFactory()
    viewer = MembershipFactory(brand=owner.brand, role=BrandMembership.Role.VIEWER)
    MembershipFactory()

    response = api_for(viewer.user).get(reverse("api:brand-member-list"))

    rows = response.json()["results"]
    assert response.status_code == 200
    assert {r["email"] for r in rows} == {owner.user.email, viewer.user.email}
    assert {r["role"] for r in rows} == {"owner", "viewer"}


def test_creators_have_no_brand_routes(creator, api):
    assert api.get(reverse("api:brand-detail")).status_code == 403
    assert api.get(reverse("api:brand-member-list")).status_code == 403


# ----------------------------------------------------------------- media kit: content samples, picture


def test_content_samples_are_set_through_the_api_and_brands_read_them_with_the_picture_address(creator, api):
    samples = [
        {"url": "https://www.douyin.com/video/7301", "title": "Morning routine", "platform": "douyin"},
        {"url": "https://v.example/2", "title": "Serum test"},
    ]

    response = api.patch(profile_url(), {"content_samples": samples}, format="json")

    assert response.status_code == 200
    assert response.json()["content_samples"] == [samples[0], {**samples[1], "platform": ""}]
    brand = api_for(MembershipFactory(role="viewer").user)
    body = brand.get(reverse("api:creator-detail", args=[creator.handle])).json()
    assert [s["title"] for s in body["content_samples"]] == ["Morning routine", "Serum test"]
    assert body["avatar_url"] is None
    Creator.objects.filter(pk=creator.pk).update(avatar=f"avatars/{creator.pk}/{'ab' * 16}.webp")
    body = brand.get(reverse("api:creator-detail", args=[creator.handle])).json()
    assert body["avatar_url"] == reverse("creators:avatar", args=[creator.handle]) + "?v=" + "ab" * 16


@pytest.mark.parametrize(
    "samples",
    [
        [{"url": "javascript:alert(1)", "title": "x"}],
        [{"url": "ftp://files.example/a.mp4", "title": "x"}],
        [{"url": "https://v.example/1", "title": ""}],
        [{"url": "https://v.example/1"}],
        [{"url": "https://v.example/1", "title": "x", "platform": "myspace"}],
        [{"url": f"https://v.example/{i}", "title": "x"} for i in range(7)],
    ],
)
def test_bad_content_samples_are_a_400_naming_the_field_and_save_nothing(creator, api, samples):
    response = api.patch(profile_url(), {"content_samples": samples}, format="json")

    assert response.status_code == 400
    assert "content_samples" in response.json()["errors"]
    assert not creator.content_samples.exists()
