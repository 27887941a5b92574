"""A monthly statement exists from the month's first day: a month that has not begun is refused (404 with why),
in the API and on the documents page, rather than shown as an empty statement."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.api.clients import api_for
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _next_month():
    today = timezone.localdate()
    return (today.replace(day=28) + timedelta(days=4)).replace(day=1)


@pytest.fixture(autouse=True)
def _private_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "months"}}


def test_the_api_refuses_a_month_that_has_not_begun():
    api = api_for(MembershipFactory(role="owner").user)
    today, coming = timezone.localdate(), _next_month()

    this_month = api.get(reverse("api:statement-month", args=[today.year, today.month]))
    next_month = api.get(reverse("api:statement-month", args=[coming.year, coming.month]))
    far_away = api.get(reverse("api:statement-month", args=[2999, 1]))

    assert this_month.status_code == 200
    assert next_month.status_code == far_away.status_code == 404
    assert "has not begun" in next_month.json()["detail"]


def test_the_documents_page_refuses_a_month_that_has_not_begun(client):
    client.force_login(MembershipFactory(role="owner").user)
    today, coming = timezone.localdate(), _next_month()

    this_month = client.get(reverse("payouts:statement_csv", args=[today.year, today.month]))
    next_month = client.get(reverse("payouts:statement_csv", args=[coming.year, coming.month]))

    assert this_month.status_code == 200
    assert next_month.status_code == 404
