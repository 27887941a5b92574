import json

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from marketplace.core.params import SEED
from matching import engine, services, training
from orders.models import Order


class Command(BaseCommand):
    help = (
        "Train the learned re-ranker on past collaborations and report its gate; with --activate, rank with it "
        "if it passes (docs/matching-quality.md says why that is not the default)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=SEED, default=0)
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--activate",
            action="store_true",
            help="rank with the model if it passes the gate (default: save and report only; the hand score ranks)",
        )

    def handle(self, *args, seed, no_progress, activate, **options):
        with engine.one_off():  # a one-off process: no compiled kernels, no republished prior (docs/matching.md)
            snap = engine.current()
        total = Order.objects.real().filter(collaborations__accepted__isnull=False).distinct().count()
        with tqdm(total=total, desc="history orders", disable=no_progress or options["verbosity"] == 0) as bar:
            try:
                record, report = services.matcher_model_train(
                    snap=snap, seed=seed, progress=bar.update, activate=activate
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"model {record.version}: trained on {report.train_rows} rows from "
            f"{report.train_orders} orders; holdout {report.holdout_orders} orders"
        )
        self.stdout.write(json.dumps({"holdout": report.metrics, "gate": report.gate}, indent=2))
        gain = report.gain
        interval = (
            f"learned − hand NDCG@10 {gain['mean']:+.4f}, {training.GATE_CONFIDENCE * 100:g} % interval "
            f"[{gain['low']:+.4f}, {gain['high']:+.4f}]"
        )
        halves = "; ".join(
            f"{name} half of the held-out orders {h['mean']:+.4f} [{h['low']:+.4f}, {h['high']:+.4f}]"
            for name, h in report.halves.items()
        )
        p = report.pool
        pool = f"pool measure {p['mean']:+.4f} [{p['low']:+.4f}, {p['high']:+.4f}]" if p else "no pool measure"
        tried = ", ".join(f"{w}: {'passed' if t['passed'] else 'failed'}" for w, t in report.tried.items())
        passed = (
            f"beats the hand-weighted score at blend weight {report.weight} on orders later than its training "
            f"ones ({interval}; {halves}; {pool})"
        )
        if record.is_active:
            verdict = f"{passed}: ACTIVE"
        elif record.beats_hand:
            verdict = (
                f"{passed}, among the creators those orders offered: saved, NOT used; `train_matcher --activate` "
                "ranks with it (the gate cannot see the rest of the ranked list: docs/matching-quality.md)"
            )
        else:
            verdict = (
                "at no blend weight does it beat the hand-weighted score with an interval above zero overall and "
                "in each half of the held-out orders while not behind it on the pool measure (weights tried: "
                f"{tried}; the smallest: {interval}; {halves}; {pool}): saved with weight 0, NOT used"
            )
        self.stdout.write(f"{record.version} {verdict}")
