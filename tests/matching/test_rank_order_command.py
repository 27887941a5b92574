"""`manage.py rank_order`: one order, or many from a file in one process (for scripts)."""

import json
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from marketplace.core.models import Label
from matching import engine
from matching.models import RankingRun
from orders.models import OrderTargetLabel
from tests.factories import OrderFactory
from tests.matching.conftest import make_creators

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(taxonomy):
    make_creators(50)
    labels = list(Label.objects.filter(tier=2)[:3])
    made = []
    for label in labels:
        order = OrderFactory(price_per_creator=10**9, status="published")
        OrderTargetLabel.objects.create(order=order, label=label, weight=1.0)
        made.append(order)
    return made


def test_one_order_is_ranked_and_printed_as_json(orders):
    out = StringIO()

    call_command("rank_order", str(orders[0].pk), "--top", "5", "--json", stdout=out)

    payload = json.loads(out.getvalue())
    assert payload["order"] == orders[0].pk and len(payload["results"]) == 5


def test_an_orders_file_ranks_every_order_in_one_process_as_json_lines(orders, tmp_path, monkeypatch):
    path = tmp_path / "orders.txt"
    path.write_text(f"# this week's briefs\n{orders[0].pk}\n\n{orders[2].pk}\n{orders[1].pk}\n")
    loads = []
    original = engine.snapshot.load
    monkeypatch.setattr(engine.snapshot, "load", lambda *a, **k: loads.append(1) or original(*a, **k))
    out = StringIO()

    call_command("rank_order", "--orders-file", str(path), "--top", "3", "--json", stdout=out)

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [p["order"] for p in lines] == [orders[0].pk, orders[2].pk, orders[1].pk]
    assert all(p["status"] == "done" and len(p["results"]) == 3 for p in lines)
    assert RankingRun.objects.filter(status="done").count() == 3
    assert len(loads) <= 1


def test_an_orders_file_with_a_bad_line_ranks_nothing_and_names_the_line(orders, tmp_path):
    path = tmp_path / "orders.txt"
    path.write_text(f"{orders[0].pk}\nbrief-7\n999999999\n")

    with pytest.raises(CommandError) as exc:
        call_command("rank_order", "--orders-file", str(path), stdout=StringIO())

    assert "line 2: 'brief-7' is not an order id" in str(exc.value)
    assert "line 3: order 999999999 does not exist" in str(exc.value)
    assert not RankingRun.objects.exists()


def test_an_order_id_and_an_orders_file_are_exclusive(orders, tmp_path):
    path = tmp_path / "orders.txt"
    path.write_text(f"{orders[0].pk}\n")

    with pytest.raises(CommandError, match="either ORDER_ID or --orders-file"):
        call_command("rank_order", str(orders[1].pk), "--orders-file", str(path), stdout=StringIO())


@pytest.mark.parametrize("status", ["draft", "closed"])
@pytest.mark.parametrize("via_file", [False, True])
def test_an_order_that_is_not_published_is_refused_before_anything_is_written(orders, tmp_path, status, via_file):
    from marketplace.core.models import OutboxMessage

    unpublished = OrderFactory(price_per_creator=10**9, status=status)
    path = tmp_path / "orders.txt"
    path.write_text(f"{orders[0].pk}\n{unpublished.pk}\n")
    args = ["--orders-file", str(path)] if via_file else [str(unpublished.pk)]

    with pytest.raises(CommandError) as exc:
        call_command("rank_order", *args, stdout=StringIO())

    assert f"order {unpublished.pk} is {status}: only a published order can be ranked" in str(exc.value)
    assert not RankingRun.objects.exists()
    assert not OutboxMessage.objects.filter(topic="matching.rank").exists()


@pytest.mark.django_db(transaction=True)
def test_the_command_ranks_outside_a_test_transaction_as_a_script_runs_it(orders):
    # Tests run inside a transaction; a script does not, and ranking_request locks the order row.
    out = StringIO()

    call_command("rank_order", str(orders[0].pk), "--top", "3", "--json", stdout=out)

    assert json.loads(out.getvalue())["status"] == "done"


def test_a_process_that_ranks_without_a_model_does_not_import_scikit_learn_or_scipy_stats():
    """Starting rank_order from a script paid ~2.4 s for scikit-learn and scipy.stats/special that only
    training, evaluation and the text indexes use (docs/performance.md, command start)."""
    code = (
        "import os, sys, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'marketplace.settings'); "
        "django.setup(); "
        "import matching.management.commands.rank_order, matching.selectors, matching.engine, matching.search, "
        "matching.learn, creators.track_record, matching.snapshot.derive; "
        "print(sorted(m for m in ('sklearn', 'scipy.stats', 'scipy.special') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
