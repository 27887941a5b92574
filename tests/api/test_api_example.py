"""docs/api_example.py, run as a reader would run it, against a live server: order, publish, ranking, offers."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from brands.models import BrandMembership
from creators.models import CreatorLabel
from marketplace.core.tokens import api_token_create
from matching import engine, services
from matching.models import RankingRun
from orders.models import Collaboration, Order
from payouts import services as money
from payouts.models import Hold
from tests.factories import MembershipFactory
from tests.matching.conftest import make_creators, queue_published_orders

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads what this test commits

EXAMPLE = Path(django_settings.BASE_DIR) / "docs" / "api_example.py"
TOP = 3


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MATCHING_SNAPSHOT_DIR = tmp_path / "snapshots"
    settings.PAYMENT_PROVIDER = "sandbox"
    # Throttle counters in a private cache: parallel test runs share Redis and reuse user ids.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "example"}}
    engine.reset()
    yield
    engine.reset()


def run_example_as_the_worker_ranks(args: list[str], env: dict, out: Path, timeout: float = 120) -> int:
    """Run the script; meanwhile rank every queued run here, as the Celery worker would."""
    with out.open("w") as sink:
        process = subprocess.Popen([sys.executable, str(EXAMPLE), *args], env=env, stdout=sink, stderr=sink)
        deadline = time.monotonic() + timeout
        while process.poll() is None:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the example did not finish in {timeout} s:\n{out.read_text()}")
            queue_published_orders()
            for run_id in RankingRun.objects.filter(status=RankingRun.Status.QUEUED).values_list("pk", flat=True):
                services.ranking_execute(run_id=run_id)
            time.sleep(0.2)
    return process.returncode


def test_the_api_example_places_publishes_and_offers_to_the_best_ranked_creators(live_server, taxonomy, tmp_path):
    make_creators(40)
    owner = MembershipFactory(role=BrandMembership.Role.OWNER)
    money.topup(brand_id=owner.brand_id, amount=100_000_000, idempotency_key="example-funds", actor=owner.user)
    _row, token = api_token_create(user=owner.user, name="example")
    label = CreatorLabel.objects.select_related("label").first().label
    env = {**os.environ, "STARMAP_URL": live_server.url, "STARMAP_TOKEN": token}
    out = tmp_path / "example.out"

    code = run_example_as_the_worker_ranks(["--top", str(TOP), "--label", label.iab_id, "--wait", "60"], env, out)

    printed = out.read_text()
    assert code == 0, printed
    order = Order.objects.get(brand=owner.brand)
    assert order.status == Order.Status.PUBLISHED and order.title == "Spring serum launch"
    assert list(order.target_label_links.values_list("label_id", flat=True)) == [label.pk]
    run = RankingRun.objects.get(order=order)
    assert run.status == RankingRun.Status.DONE
    best = list(run.results.order_by("rank").values_list("creator_id", flat=True)[:TOP])
    offers = Collaboration.objects.filter(order=order)
    assert len(best) == TOP and sorted(offers.values_list("creator_id", flat=True)) == sorted(best)
    assert all(c.status == Collaboration.Status.OFFERED and c.origin == Collaboration.Origin.OFFER for c in offers)
    assert sorted(Hold.objects.filter(collaboration__order=order).values_list("amount", flat=True)) == sorted(
        offers.values_list("agreed_price", flat=True)
    )
    assert f"Published order {order.pk}" in printed and printed.count("minor units held") == TOP
