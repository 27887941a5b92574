"""`manage.py load_demo --creators N [--seed S] [--if-empty]`: the demo logins, brands, creators and orders."""

import logging
import sys
import time
from contextlib import contextmanager
from io import StringIO

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from marketplace.core.params import SEED, number_argument
from marketplace.dev.demo import demo_exists, load_demo
from marketplace.dev.run import DEMO_PASSWORD

# As many as a run on one machine can write (README: up to 2,000,000 creators).
DEMO_CREATORS = number_argument(least=0, most=2_000_000)
DEMO_HISTORY = number_argument(least=0, most=100_000)


class Command(BaseCommand):
    help = "Load demo data: logins, brands, synthetic creators sampled from data/demo/ and orders."

    def add_arguments(self, parser):
        parser.add_argument(
            "--creators", type=DEMO_CREATORS, default=2000, help="How many synthetic creators (default 2000)."
        )
        parser.add_argument("--seed", type=SEED, default=7, help="Random seed; the same seed gives the same data.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when the demo is already loaded.")
        parser.add_argument(
            "--history",
            type=DEMO_HISTORY,
            default=None,
            help="Past orders with outcomes to generate (default: scaled to --creators, 120 to 2,000).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(
        self,
        *args,
        creators: int,
        seed: int,
        if_empty: bool,
        history: int | None,
        no_progress: bool,
        verbosity: int,
        **options,
    ):
        if if_empty and demo_exists():
            if verbosity:
                self.stdout.write("Demo data already loaded; nothing to do (--if-empty).")
            return
        started = time.monotonic()
        with (
            _quiet("orders.services.orders", unless=verbosity > 1),
            tqdm(
                total=creators, unit="creators", file=sys.stderr, disable=no_progress or verbosity == 0, smoothing=0.1
            ) as bar,
        ):
            try:
                result = load_demo(creators=creators, seed=seed, history=history, progress=bar.update)
            except LookupError as exc:
                raise CommandError(str(exc)) from exc
        model = _train_matcher() if result.history else "no history to train on"
        call_command(
            "recompute_indices", no_progress=no_progress, verbosity=verbosity, stdout=StringIO(), stderr=self.stderr
        )
        if verbosity:
            elapsed = time.monotonic() - started
            self.stdout.write(
                f"Demo loaded in {elapsed:.1f}s: {result.creators} creators, {result.brands} brands, "
                f"{result.orders} new orders, {result.history} past collaborations, "
                f"{result.campaign_collaborations} campaign collaborations with results; matcher: {model}; "
                f"{result.logins} logins with the password {DEMO_PASSWORD!r}."
            )


def _train_matcher() -> str:
    """Rebuild the snapshot with the history's outcomes and train the re-ranker on them."""
    from matching import engine, services

    snap = engine.rebuild()
    try:
        record, report = services.matcher_model_train(snap=snap)
    except ValueError as exc:
        return f"not trained ({exc})"
    verdict = (
        "passes its gate, not used until `train_matcher --activate`"
        if record.beats_hand
        else "not used: the hand-weighted score ranks better"
    )
    hand, learned = report.metrics["hand"]["ndcg10"]["mean"], report.metrics["learned"]["ndcg10"]["mean"]
    return f"{record.version} {verdict} (holdout NDCG@10 learned {learned:.3f} vs hand {hand:.3f})"


@contextmanager
def _quiet(logger_name: str, *, unless: bool):
    """Hide a logger's INFO lines (one per published order) for the duration of the command."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    if not unless:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)
