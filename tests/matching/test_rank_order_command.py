"""`manage.py rank_order`: one order, or many from a file in one process (for scripts)."""

import contextlib
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from creators.models import Creator
from creators.track_record.selectors import PRIOR_CACHE_KEY
from marketplace.core.models import Label
from matching import engine
from matching.models import RankingResult, RankingRun
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


def test_the_table_shows_the_0_to_100_match_score_and_components_the_brand_sees(orders):
    """It printed "0.604" and "cont=0.51" where the order page says "60 / 100" (issue #11, what the brand sees)."""
    table, as_json = StringIO(), StringIO()
    call_command("rank_order", str(orders[0].pk), "--top", "3", stdout=table)
    call_command("rank_order", str(orders[0].pk), "--top", "3", "--json", stdout=as_json)

    rows = table.getvalue().splitlines()[1:]
    for line, result in zip(rows, json.loads(as_json.getvalue())["results"], strict=True):
        content = round(result["components"]["content"] * 100)
        assert f"{result['match_score']} / 100  @{result['handle']}" in line
        assert f"content {content} · audience" in line


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


def test_the_command_ranks_its_own_run_and_queues_no_message_for_a_worker(orders):
    """A worker handed the command's run found it claimed already; and sending it cost the command a broker
    connection (Celery's Redis transport) at every start."""
    from marketplace.core.models import OutboxMessage

    call_command("rank_order", str(orders[0].pk), "--json", stdout=StringIO())

    assert RankingRun.objects.get(order=orders[0]).status == "done"
    assert not OutboxMessage.objects.filter(topic="matching.rank").exists()


def test_a_few_orders_are_ranked_without_the_compiled_kernels_with_the_worker_s_result(orders, monkeypatch):
    """The command ranks one order with the NumPy path (numba's load costs more than it saves there), and the
    list it stores is the one the worker stores with the compiled kernels, creator for creator and score for score."""
    from matching import scoring, services

    used = []
    for name in ("rank", "rank_reference"):
        original = getattr(scoring, name)
        monkeypatch.setattr(scoring, name, lambda *a, _f=original, _n=name, **k: used.append(_n) or _f(*a, **k))

    call_command("rank_order", str(orders[0].pk), "--top", "200", "--json", stdout=StringIO())
    by_command = list(
        RankingResult.objects.filter(run__order=orders[0]).order_by("rank").values_list("creator_id", "score")
    )
    RankingRun.objects.filter(order=orders[0]).delete()
    run = services.ranking_request(order=orders[0])
    services.ranking_execute(run_id=run.pk)  # as the worker runs it
    by_worker = list(RankingResult.objects.filter(run=run).order_by("rank").values_list("creator_id", "score"))

    assert used == ["rank_reference", "rank"]
    assert by_command == by_worker and len(by_command) > 10


def test_an_orders_file_big_enough_to_pay_for_the_compiled_kernels_loads_them(orders, tmp_path, monkeypatch):
    from matching import scoring
    from matching.management.commands import rank_order

    used = []
    original = scoring.rank
    monkeypatch.setattr(scoring, "rank", lambda *a, **k: used.append("rank") or original(*a, **k))
    path = tmp_path / "orders.txt"
    path.write_text("".join(f"{order.pk}\n" for order in orders))
    creators = engine.current().n
    monkeypatch.setattr(rank_order, "COMPILED_PAYS_OFF_ROWS", len(orders) * creators)

    call_command("rank_order", "--orders-file", str(path), "--json", stdout=StringIO())

    assert used == ["rank"] * len(orders)


@pytest.mark.django_db(transaction=True)
def test_a_fresh_process_ranking_one_order_loads_no_compiled_kernels_dataframes_or_broker_client(orders, tmp_path):
    """What a script's `rank_order ID` pays at start (docs/performance.md, command start): numba and its cache
    (~1 s), pandas (only to build frames, not to load a saved snapshot), Celery's Redis transport (the outbox
    message it no longer sends), Redis's client (the snapshot's prior it republished to the cache) and DRF's
    serializers with `requests` (the kernel's fast path imported them for every model) were loaded by every
    call. The saved snapshot is read as it is."""
    engine.rebuild()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "MATCHING_SNAPSHOT_DIR": str(settings.MATCHING_SNAPSHOT_DIR),
        "LOG_LEVEL": "WARNING",  # commands log to stdout; a script reading the JSON sets this (docs/operations.md)
    }
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "manage.py", "rank_order", str(orders[1].pk), "--top", "3", "--json"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    payload = json.loads(result.stdout)
    assert payload["status"] == "done" and len(payload["results"]) == 3
    imported = {
        line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")
    }
    assert "matching.services" in imported  # the listing is read right
    unneeded = ("numba", "pandas", "kombu.transport.redis", "redis", "sklearn", "rest_framework.serializers")
    loaded = sorted(m for m in unneeded if m in imported)
    assert loaded == []


COMMANDS = Path(__file__).resolve().parents[2] / "matching" / "management" / "commands"


@pytest.mark.parametrize("name", sorted(p.stem for p in COMMANDS.glob("[!_]*.py") if "engine." in p.read_text()))
def test_every_matching_command_that_loads_the_snapshot_does_so_as_a_one_off_process(name):
    """Generated from the commands: one that loads the snapshot does it in engine.one_off(), or it warms the
    worker's compiled kernels (~1 s) it never ranks with and republishes the prior the worker keeps."""
    assert "engine.one_off(" in (COMMANDS / f"{name}.py").read_text()


@pytest.mark.parametrize(
    "argv",
    [
        lambda ids, order: ["rank_order", str(order)],
        lambda ids, order: ["search_product", "1004"],
        lambda ids, order: ["search_lookalike", "--ids", str(ids[0]), str(ids[1])],
        lambda ids, order: ["train_matcher", "--no-progress"],
        lambda ids, order: ["evaluate_matcher"],
    ],
    ids=["rank_order", "search_product", "search_lookalike", "train_matcher", "evaluate_matcher"],
)
def test_a_matching_command_neither_warms_the_compiled_kernels_nor_republishes_the_prior(orders, argv, monkeypatch):
    from django.core.cache import cache

    from matching import scoring

    warmed = []
    monkeypatch.setattr(scoring, "warm", lambda snap: warmed.append(snap.version))
    engine.rebuild()  # the snapshot a worker built and saved; this process has not loaded it
    engine.reset()
    cache.delete(PRIOR_CACHE_KEY)
    warmed.clear()
    ids = [c.pk for c in Creator.objects.order_by("id")[:2]]

    # train_matcher and evaluate_matcher find no history here, after loading the snapshot.
    with contextlib.suppress(CommandError):
        call_command(*argv(ids, orders[0].pk), stdout=StringIO())

    assert engine._cache.get("current") is not None  # it did load the snapshot
    assert warmed == [] and cache.get(PRIOR_CACHE_KEY) is None


def test_rebuild_snapshot_publishes_the_new_prior_without_warming_the_kernels(orders, monkeypatch):
    from django.core.cache import cache

    from matching import scoring

    warmed = []
    monkeypatch.setattr(scoring, "warm", lambda snap: warmed.append(snap.version))
    cache.delete(PRIOR_CACHE_KEY)

    call_command("rebuild_snapshot", stdout=StringIO())

    assert warmed == [] and cache.get(PRIOR_CACHE_KEY) is not None
