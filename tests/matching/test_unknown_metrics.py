"""A metric nobody reported is unknown, not zero: the matcher ranks it as typical and says so."""

import pytest
from django.db import connection

from creators.models import Creator
from marketplace.models import Label, OrderTargetLabel
from matching import selectors, services
from tests.factories import OrderFactory
from tests.matching.conftest import make_creators

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(taxonomy):
    ids = make_creators(120)
    with connection.cursor() as cur:
        cur.execute("SELECT label_id FROM creators_creatorlabel WHERE creator_id = %s LIMIT 1", [ids[0]])
        label = Label.objects.get(pk=cur.fetchone()[0])
    order = OrderFactory(price_per_creator=10**9, format="short_21_60", goal="awareness", status="published")
    OrderTargetLabel.objects.create(order=order, label=label, weight=1.0)
    return order, ids


def rank(order):
    run = services.ranking_request(order=order)
    services.ranking_execute(run_id=run.pk)
    return run, {r.creator_id: r for r in run.results.all()}


def test_unknown_views_rank_as_typical_while_zero_views_rank_last(world):
    order, ids = world
    unknown, zero = ids[0], ids[4]  # same interest (make_creators cycles four interests)
    # Awareness reads views and engagement (snapshot.PERFORMANCE_PARTS): both unknown against both zero.
    Creator.objects.filter(pk=unknown).update(median_views_30d=None, median_views_90d=None, engagement_rate=None)
    Creator.objects.filter(pk=zero).update(median_views_30d=0, engagement_rate=0)

    _, results = rank(order)

    assert results[unknown].performance == pytest.approx(0.5)
    # Value is the price against the order's budget: views, known, unknown or zero, do not enter it.
    assert results[unknown].value == pytest.approx(results[zero].value, abs=1e-3) and results[unknown].value > 0.99
    assert results[zero].performance < 0.1
    assert results[unknown].expected_views is None
    assert results[zero].expected_views == 0


def test_the_reasons_say_which_figures_are_unknown_instead_of_printing_zero(world):
    order, ids = world
    Creator.objects.filter(pk=ids[0]).update(median_views_30d=None)

    run, _ = rank(order)
    payload = selectors.ranking_payload(run, top=200)

    row = next(r for r in payload["results"] if r["creator"] == ids[0])
    assert row["expected_views"] is None
    assert "Unknown, counted as typical: median views" in row["reasons"]
    assert not any("Median 0 views" in reason for reason in row["reasons"])


def test_unknown_engagement_counts_as_typical_for_seeding(world):
    order, ids = world
    order.goal = "seeding"
    order.save(update_fields=["goal"])
    Creator.objects.filter(pk=ids[0]).update(engagement_rate=None, hit_video_share=None)

    run, results = rank(order)

    assert results[ids[0]].performance == pytest.approx(0.5)
    reasons = selectors.ranking_payload(run, top=200)["results"]
    row = next(r for r in reasons if r["creator"] == ids[0])
    assert "Unknown, counted as typical: engagement rate, hit-video share" in row["reasons"]
