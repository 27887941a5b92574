"""`manage.py rank_order ORDER_ID` or `--orders-file FILE`: rank now, in this process, and print.

Starting a process costs more than ranking (imports, the snapshot); a script that ranks many orders gives
them all in one file and pays that once (docs/matching.md). The command ranks its own runs, so it queues
no message for a worker, and it loads the compiled kernels only when it ranks enough to pay for their load
(COMPILED_PAYS_OFF_ROWS); otherwise the NumPy path gives the same ranking (docs/performance.md, command start).
"""

import json
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from marketplace.core.csv import CsvRefused, decode_text
from marketplace.core.params import MAX_ID, number_argument
from marketplace.core.scores import match_score
from matching import engine, selectors, services
from matching.management.commands._output import logs_to_stderr
from matching.models import RankingRun
from orders.models import Order

# The compiled kernels cost about a second to load (numba's import and its on-disk cache) and then save about
# 5 ns per creator per order over the NumPy path (18.6 vs 9.7 ms an order at 2M creators, docs/performance.md):
# worth loading once a process ranks this many creator rows (orders × creators).
COMPILED_PAYS_OFF_ROWS = 200_000_000


class Command(BaseCommand):
    help = "Rank orders now, in this process, and print the ranked creators with their components."
    # The system checks import every URL's view and API module (~0.4 s); they guard the server and
    # `manage.py check` in CI, not a command that scripts call once per order.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("order_id", type=number_argument(least=1, most=MAX_ID), nargs="?", help="the order to rank")
        parser.add_argument(
            "--orders-file",
            help="rank every order in this file instead: one id per line, # comments and blank lines "
            "ignored, - for standard input; with --json, one JSON object per line",
        )
        parser.add_argument(
            "--top",
            type=number_argument(least=1, most=services.TOP_K),
            default=20,
            help=f"how many creators to print (at most {services.TOP_K})",
        )
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def handle(self, *args, order_id, orders_file, top, json: bool, **options):
        if (order_id is None) == (orders_file is None):
            raise CommandError("give either ORDER_ID or --orders-file")
        orders = [self._one(order_id)] if order_id is not None else self._from_file(orders_file)
        # Refused before anything is written: no ranking run is left behind for an order that cannot be ranked.
        refused = [
            f"order {order.pk} is {order.status}: {refusal[0].lower()}{refusal[1:]}"
            for order in orders
            if (refusal := services.ranking_refusal(order))
        ]
        if refused:
            raise CommandError("nothing was ranked.\n" + "\n".join(refused))
        with logs_to_stderr(json), engine.one_off():  # --json: the JSON alone on standard output
            creators = engine.current(refresh=False).n  # loads the snapshot (or builds one) without the kernels
            with engine.one_off(compiled=len(orders) * creators >= COMPILED_PAYS_OFF_ROWS):
                self._rank(orders, top=top, json=json, one=order_id is not None)

    def _rank(self, orders: list[Order], *, top: int, json: bool, one: bool) -> None:
        for order in orders:
            run = services.ranking_request(order=order, trigger="command", in_process=True)
            if services.ranking_execute(run_id=run.pk) is None:
                # A worker was ranking this order already (one run at a time per order): wait for that run.
                self.stderr.write(f"run {run.pk} of order {order.pk} is running on a worker; waiting for it")
                _wait_for(run)
            run.refresh_from_db()
            if run.status != RankingRun.Status.DONE:
                raise CommandError(f"run {run.pk} of order {order.pk} ended {run.status}: {run.error}")
            payload = selectors.ranking_payload(run, top=top)
            if json:
                # One order: indented as before; several: JSON Lines, one order per line.
                self.stdout.write(_dumps(payload, indent=2 if one else None))
            else:
                self._table(order, run, payload)

    def _one(self, order_id: int) -> Order:
        order = Order.objects.filter(pk=order_id).first()
        if order is None:
            raise CommandError(f"order {order_id} does not exist")
        return order

    def _from_file(self, name: str) -> list[Order]:
        """Every order of the file, in its order; any bad line is an error before anything is ranked."""
        try:
            data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
            text = decode_text(data)  # as the importers read a file: a BOM dropped, UTF-16 refused
        except OSError as exc:
            raise CommandError(f"cannot read {name}: {exc.strerror}") from exc
        except CsvRefused as refused:
            raise CommandError(f"{name}: {refused.error}") from None
        wanted, errors = [], []
        for number, line in enumerate(text.splitlines(), start=1):
            value = line.split("#", 1)[0].strip()
            if not value:
                continue
            if not (value.isascii() and value.isdigit() and len(value) <= 18):
                errors.append(f"line {number}: {value!r} is not an order id")
            else:
                wanted.append((number, int(value)))
        found = Order.objects.in_bulk([pk for _, pk in wanted])
        errors += [f"line {n}: order {pk} does not exist" for n, pk in wanted if pk not in found]
        if errors:
            raise CommandError(f"{name}: nothing was ranked.\n" + "\n".join(sorted(errors, key=_line_number)))
        if not wanted:
            raise CommandError(f"{name}: no order ids")
        return [found[pk] for _, pk in wanted]

    def _table(self, order: Order, run, payload: dict) -> None:
        self.stdout.write(
            f"order {order.pk} · {run.eligible_count} eligible of {run.considered_count} · "
            f"model {run.model_version} · {run.duration_ms} ms"
        )
        # The 0–100 match score and its components on the same scale, as the brand sees them on the order page.
        for row in payload["results"]:
            comps = " · ".join(f"{name} {match_score(value)}" for name, value in row["components"].items())
            self.stdout.write(f"{row['rank']:>3} {row['match_score']:>3} / 100  @{row['handle']:<24} {comps}")


def _line_number(error: str) -> int:
    return int(error.split(":", 1)[0].removeprefix("line "))


def _dumps(payload, indent: int | None) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=indent)


def _wait_for(run: RankingRun) -> None:
    deadline = time.monotonic() + services.RUN_STALE_AFTER.total_seconds()
    while time.monotonic() < deadline:
        run.refresh_from_db(fields=["status"])
        if run.status not in services.ACTIVE_RUN:
            return
        time.sleep(1)
