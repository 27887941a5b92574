import json

from django.core.management.base import BaseCommand, CommandError

from marketplace.core.params import SEED, text_argument
from matching import engine, features, training
from matching.management.commands._output import logs_to_stderr
from matching.models import MatcherModel


class Command(BaseCommand):
    help = (
        "Evaluate on the time-based holdout with point-in-time features: NDCG@10 and recall@50 with 95 % bootstrap "
        "intervals for the learned model, the hand score, content only, the heuristic with and without the smoothed "
        "track record, tag overlap and popularity."
    )

    def add_arguments(self, parser):
        parser.add_argument("--model", type=text_argument(), help="model version (default: the newest trained)")
        parser.add_argument("--seed", type=SEED, default=0, help="seed for the sampled creators and the bootstrap")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, json: bool, **options):
        with logs_to_stderr(json):  # --json: the JSON alone on standard output
            self._evaluate(json=json, **options)

    def _evaluate(self, *, model, seed, json: bool, **options):
        import joblib

        record = MatcherModel.objects.filter(version=model).first() if model else MatcherModel.objects.first()
        if model and record is None:
            raise CommandError(f"no model {model!r}")
        with engine.one_off():  # a one-off process: no compiled kernels, no republished prior (docs/matching.md)
            history = features.training_history(engine.current(), seed=seed)
        _, holdout = training.split(history.groups)
        if not holdout:
            raise CommandError("no past orders with known outcomes to evaluate on")
        metrics, gain = training.evaluate_methods(joblib.load(record.path) if record else None, holdout, seed=seed)
        scored = next(iter(metrics.values()))["queries"] if metrics else 0
        if json:
            payload = {
                "model": record.version if record else None,
                "holdout_orders": len(holdout),
                "scored_orders": scored,
                "skipped": {**history.skipped, **_unscored(len(holdout), scored)},
                "metrics": metrics,
                "gain_over_hand": gain,
            }
            self.stdout.write(_dumps(payload))
            return
        self._table(record, holdout, scored, history.skipped, metrics, gain)

    def _table(self, record, holdout, scored, skipped, metrics, gain):
        self.stdout.write(
            f"time-based holdout: the {len(holdout)} newest past orders; scored {scored} "
            f"({len(holdout) - scored} skipped: no offered creator had a positive outcome); "
            f"model {record.version if record else '-'}"
        )
        for reason, count in skipped.items():
            self.stdout.write(f"not evaluated at all: {count} past order(s): {reason}")
        self.stdout.write("features as of each order's offer date; 95 % bootstrap intervals over orders")
        width = max(12, *(len(name) + 2 for name in metrics))
        self.stdout.write(f"{'method':<{width}}{'NDCG@10 offered':>28}{'NDCG@10 pool':>28}{'recall@50 pool':>28}")
        for name, m in metrics.items():
            cells = [_cell(m[k]) for k in ("ndcg10", "pool_ndcg10", "pool_recall50")]
            self.stdout.write(f"{name:<{width}}" + "".join(f"{c:>28}" for c in cells))
        self.stdout.write(
            "offered: among the creators each order offered (outcomes known); pool: plus 200 sampled eligible "
            "creators it did not offer, counted as not relevant (rewards imitating past choices)"
        )
        if gain:
            self.stdout.write(f"learned − hand, NDCG@10 offered: {_cell(gain)}")
            wins = gain["mean"] > 0 and gain["low"] > 0
            used = wins and record is not None and record.is_active
            self.stdout.write(
                "learned model is used"
                if used
                else "learned model is NOT used (the hand-weighted score ranks): "
                + (
                    "it wins and the interval excludes zero, but it is not the active model"
                    if wins
                    else "it does not beat the hand score with an interval above zero"
                )
            )


def _cell(m: dict) -> str:
    return f"{m['mean']:.4f} [{m['low']:.3f}, {m['high']:.3f}]"


def _unscored(holdout: int, scored: int) -> dict:
    return {"no offered creator had a positive outcome": holdout - scored} if holdout > scored else {}


def _dumps(payload) -> str:
    return json.dumps(payload, indent=2)
