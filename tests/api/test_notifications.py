"""Notifications over the API: the caller's own, newest first, filtered by unread, marked read."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from marketplace.core.models import Notification
from orders.models import Collaboration
from tests.api.test_deals import api_for, make_world, step, url
from tests.orders.conftest import deal_in, key

pytestmark = pytest.mark.django_db
S = Collaboration.Status


@pytest.fixture(autouse=True)
def _api_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api2"}}


@pytest.fixture
def world():
    return make_world()


def test_an_offer_and_its_acceptance_notify_the_other_side(world):
    c = deal_in(world, S.OFFERED, creator=world["creator"])
    step(api_for(world["creator"].user), c, "accept", idem=key())

    creators = api_for(world["creator"].user).get(url("notification-list")).json()["results"]
    brands = api_for(world["owner"]).get(url("notification-list")).json()["results"]

    assert [(n["kind"], n["collaboration"], n["unread"]) for n in creators] == [("offer", c.pk, True)]
    assert [n["kind"] for n in brands] == ["accept"]
    assert "accepted the offer" in brands[0]["text"]
    assert brands[0]["page_url"] == reverse("deals:collaboration", args=[c.pk])


def test_marking_some_read_then_filtering_by_unread(world):
    c = deal_in(world, S.OFFERED, creator=world["creator"])
    brand = api_for(world["owner"])
    for text in ("one", "two", "three"):
        api_for(world["creator"].user).post(url("collaboration-message", c.pk), {"text": text}, format="json")
    ids = [n["id"] for n in brand.get(url("notification-list")).json()["results"]]

    marked = brand.post(url("notification-read"), {"ids": ids[:2]}, format="json")
    unread = brand.get(url("notification-list"), {"unread": "true"}).json()["results"]
    read = brand.get(url("notification-list"), {"unread": "false"}).json()["results"]

    assert marked.status_code == 200 and marked.json() == {"marked": 2}
    assert [n["id"] for n in unread] == ids[2:]
    assert [n["id"] for n in read] == ids[:2] and all(n["read_at"] for n in read)


def test_marking_all_read_touches_only_the_callers_notifications(world):
    deal_in(world, S.OFFERED, creator=world["creator"])
    deal_in(world, S.OFFERED, creator=world["other_creator"])
    theirs = Notification.objects.get(user=world["other_creator"].user)
    mine = api_for(world["creator"].user)

    someone_elses = mine.post(url("notification-read"), {"ids": [theirs.pk]}, format="json")
    everything = mine.post(url("notification-read"), {}, format="json")

    assert someone_elses.json() == {"marked": 0}
    assert everything.json() == {"marked": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert mine.get(url("notification-list"), {"unread": "true"}).json()["results"] == []


def test_the_list_is_cursor_paginated_and_private(world):
    c = deal_in(world, S.OFFERED, creator=world["creator"])
    for text in ("one", "two", "three"):
        api_for(world["creator"].user).post(url("collaboration-message", c.pk), {"text": text}, format="json")
    brand = api_for(world["owner"])

    first = brand.get(url("notification-list"), {"page_size": 2}).json()
    second = brand.get(first["next"]).json()

    assert len(first["results"]) == 2 and len(second["results"]) == 1 and second["next"] is None
    assert {n["id"] for n in first["results"]}.isdisjoint(n["id"] for n in second["results"])
    assert api_for(world["other_owner"]).get(url("notification-list")).json()["results"] == []
    assert APIClient().get(url("notification-list")).status_code == 401


@pytest.mark.parametrize(
    "body",
    [{"ids": "all"}, {"ids": ["x"]}, {"ids": [0]}, {"ids": [-1]}, {"ids": [2**70]}, {"ids": list(range(1, 1002))}],
    ids=["string", "text-id", "zero", "negative", "huge", "too-many"],
)
def test_bad_ids_are_a_400_and_mark_nothing(world, body):
    deal_in(world, S.OFFERED, creator=world["creator"])
    creator = api_for(world["creator"].user)

    response = creator.post(url("notification-read"), body, format="json")

    assert response.status_code == 400
    assert all(isinstance(message, str) for message in response.json()["errors"]["ids"])
    assert Notification.objects.get(user=world["creator"].user).read_at is None


def test_a_bad_unread_filter_is_a_400(world):
    response = api_for(world["owner"]).get(url("notification-list"), {"unread": "perhaps"})

    assert response.status_code == 400 and "unread" in response.json()["errors"]
