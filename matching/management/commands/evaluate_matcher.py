import json

from django.core.management.base import BaseCommand, CommandError

from marketplace.params import SEED, text_argument
from matching import engine, training
from matching.models import MatcherModel


class Command(BaseCommand):
    help = "Evaluate on the time-based holdout: NDCG@10 and recall@50 for learned, hand, content-only, popularity."

    def add_arguments(self, parser):
        parser.add_argument("--model", type=text_argument(), help="model version (default: the newest trained)")
        parser.add_argument("--seed", type=SEED, default=0, help="seed for the sampled negatives")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, model, seed, json: bool, **options):
        import joblib

        record = MatcherModel.objects.filter(version=model).first() if model else MatcherModel.objects.first()
        if model and record is None:
            raise CommandError(f"no model {model!r}")
        groups = training.history_groups(engine.current(), seed=seed)
        _, holdout = training.split(groups)
        if not holdout:
            raise CommandError("no past orders with known outcomes to evaluate on")
        metrics = training.evaluate_methods(joblib.load(record.path) if record else None, holdout)
        if json:
            self.stdout.write(_dumps({"model": record.version if record else None, "metrics": metrics}))
            return
        self.stdout.write(
            f"time-based holdout: {len(holdout)} newest orders; model {record.version if record else '-'}"
        )
        self.stdout.write(f"{'method':<12}{'NDCG@10':>10}{'recall@50':>12}")
        for name, m in metrics.items():
            self.stdout.write(f"{name:<12}{m['ndcg10']:>10.4f}{m['recall50']:>12.4f}")
        if "learned" in metrics:
            wins = metrics["learned"]["ndcg10"] > metrics["hand"]["ndcg10"]
            self.stdout.write(
                "learned model is used"
                if wins and record.is_active
                else "learned model is NOT used (the hand-weighted score ranks)"
            )


def _dumps(payload) -> str:
    return json.dumps(payload, indent=2)
