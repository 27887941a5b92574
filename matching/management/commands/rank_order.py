import json

from django.core.management.base import BaseCommand, CommandError

from marketplace.models import Order
from marketplace.params import MAX_ID, number_argument
from matching import selectors, services


class Command(BaseCommand):
    help = "Rank one order now, in this process, and print the ranked creators with their components."

    def add_arguments(self, parser):
        parser.add_argument("order_id", type=number_argument(least=1, most=MAX_ID))
        parser.add_argument(
            "--top", type=number_argument(least=1, most=services.TOP_K), default=20, help="how many creators to print"
        )
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def handle(self, *args, order_id, top, json: bool, **options):
        order = Order.objects.filter(pk=order_id).first()
        if order is None:
            raise CommandError(f"order {order_id} does not exist")
        run = services.ranking_request(order=order, trigger="command")
        services.ranking_execute(run_id=run.pk)
        run.refresh_from_db()
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


def _dumps(payload) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=2)
