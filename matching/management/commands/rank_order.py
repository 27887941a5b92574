import json
import time

from django.core.management.base import BaseCommand, CommandError

from marketplace.models import Order
from matching import selectors, services
from matching.models import RankingRun


class Command(BaseCommand):
    help = "Rank one order now, in this process, and print the ranked creators with their components."

    def add_arguments(self, parser):
        parser.add_argument("order_id", type=int)
        parser.add_argument("--top", type=int, default=20, help="how many creators to print (max 200)")
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def handle(self, *args, order_id, top, json: bool, **options):
        order = Order.objects.filter(pk=order_id).first()
        if order is None:
            raise CommandError(f"order {order_id} does not exist")
        if not 1 <= top <= services.TOP_K:
            raise CommandError(f"--top must be between 1 and {services.TOP_K}")
        run = services.ranking_request(order=order, trigger="command")
        if services.ranking_execute(run_id=run.pk) is None:
            # A worker was ranking this order already (one run at a time per order): wait for that run.
            self.stderr.write(f"run {run.pk} of order {order.pk} is running on a worker; waiting for it")
            _wait_for(run)
        run.refresh_from_db()
        if run.status != RankingRun.Status.DONE:
            raise CommandError(f"run {run.pk} ended {run.status}: {run.error}")
        payload = selectors.ranking_payload(run, top=top)
        if json:
            self.stdout.write(_dumps(payload))
            return
        self.stdout.write(
            f"order {order.pk} · {run.eligible_count} eligible of {run.considered_count} · "
            f"model {run.model_version} · {run.duration_ms} ms"
        )
        for row in payload["results"]:
            comps = " ".join(f"{k[:4]}={v:.2f}" for k, v in row["components"].items())
            self.stdout.write(f"{row['rank']:>3} {row['score']:.3f} @{row['handle']:<24} {comps}")


def _wait_for(run: RankingRun) -> None:
    deadline = time.monotonic() + services.RUN_STALE_AFTER.total_seconds()
    while time.monotonic() < deadline:
        run.refresh_from_db(fields=["status"])
        if run.status not in services.ACTIVE_RUN:
            return
        time.sleep(1)


def _dumps(payload) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=2)
