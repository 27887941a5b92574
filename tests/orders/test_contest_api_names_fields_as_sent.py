"""The contest API names every field as the request sends it: an error on the CPM is keyed ``cpm_minor``, and
a contest's tiers come back with ``prize_minor``, as they were sent."""

import pytest

from orders.models import Contest
from tests.api.clients import api_for
from tests.orders.conftest import key
from tests.orders.test_contest_api import body, url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _api_settings(settings):
    settings.PLATFORM_FEE_BPS = 1000
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "names"}}


def _publish(world, **terms):
    return api_for(world["owner"]).post(url("contest-list"), body(**terms), format="json", HTTP_IDEMPOTENCY_KEY=key())


def test_a_cpm_too_small_is_an_error_on_cpm_minor(world):
    response = _publish(world, kind="cpm", tiers=[], cpm_minor=1, creator_cap_minor=10_000, total_cap_minor=100_000)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["cpm_minor"]
    assert not Contest.objects.exists()


@pytest.mark.parametrize(
    ("caps", "named"),
    [
        ({"total_cap_minor": 100_000}, "creator_cap_minor"),
        ({"creator_cap_minor": 10_000}, "total_cap_minor"),
        ({"creator_cap_minor": 200_000, "total_cap_minor": 100_000}, "creator_cap_minor"),
    ],
)
def test_a_cpm_cap_left_out_or_too_big_is_an_error_on_the_field_sent(world, caps, named):
    response = _publish(world, kind="cpm", tiers=[], cpm_minor=100_000, **caps)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [named]


def test_the_tiers_come_back_as_they_were_sent(world):
    created = _publish(world)
    detail = api_for(world["owner"]).get(url("contest-detail", created.json()["id"]))

    sent = [{"places": 1, "prize_minor": 100_000}, {"places": 2, "prize_minor": 30_000}]
    assert created.status_code == 201, created.json()
    assert created.json()["tiers"] == sent
    assert detail.json()["tiers"] == sent
