"""A creator's track record (completed orders, fulfilment rate) follows every step that changes it, not only
a brand's rating: what the API and the ranking show after a deal completes or settles."""

import pytest
from django.urls import reverse

from orders.models import Collaboration
from tests.api.clients import api_for
from tests.orders.conftest import deal_in

S = Collaboration.Status


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("status", [S.COMPLETED, S.SETTLED])
def test_a_finished_deal_counts_in_the_creators_track_record_without_a_rating(world, status):
    c = deal_in(world, status)

    body = api_for(world["owner"]).get(reverse("api:creator-detail", args=[c.creator.handle])).json()

    c.refresh_from_db()
    assert c.completed_at is not None and c.brand_rating is None
    assert body["completed_orders"] == 1
    assert body["fulfilment_rate"] == (1.0 if c.completed_on_time else 0.0)
