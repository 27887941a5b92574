"""Ranking runs: request (with its outbox message), claim, compute per shard, merge and store; a sharded
run fans out to one outbox message per shard and the last shard to finish merges (docs/scaling.md)."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core.metrics import RANKING_SECONDS
from marketplace.core.outbox import outbox_acknowledge, outbox_claim, outbox_put
from marketplace.core.unavailable import dependency_down
from matching import engine, explain, features, learn, scoring, training
from matching.models import MatcherModel, RankingResult, RankingRun, RankingShard
from matching.snapshot import METRIC_NAMES, Snapshot
from orders.models import Order

log = logging.getLogger(__name__)

TOP_K = 200


# ---------------------------------------------------------------- request


# A run queued or running this long without a result is taken for lost (its worker died mid-run, or the
# broker was down all along): the next request fails it and queues a new one instead of waiting forever.
RUN_STALE_AFTER = timedelta(minutes=30)
ACTIVE_RUN = (RankingRun.Status.QUEUED, RankingRun.Status.RUNNING)


def ranking_refusal(order: Order) -> str | None:
    """Why a person may not have ``order`` ranked now (None: they may). Every door that ranks at a
    person's request — the page's button, the API, ``rank_order`` — asks before it writes anything."""
    if order.status != Order.Status.PUBLISHED:
        return _("Only a published order can be ranked.")
    return None


@transaction.atomic
def ranking_request(*, order: Order, actor=None, trigger: str = "manual", in_process: bool = False) -> RankingRun:
    """Queue a ranking of ``order`` (the outbox sends it to a worker after commit), or, while a run is
    queued or running for the order, return that run: ten clicks on "rank again" make one run.

    Locks the order row, so concurrent requests for one order meet there and queue one run between them.
    The returned run's ``queued_now`` says whether this call queued it. ``in_process``: the caller ranks the
    new run itself at once (ranking_execute; ``rank_order``), so no message is queued for a worker (sending
    one cost the command a broker connection, and the worker a delivery that finds the run claimed).
    """
    Order.objects.select_for_update().filter(pk=order.pk).values_list("pk", flat=True).first()
    now = timezone.now()
    active = RankingRun.objects.filter(order=order, status__in=ACTIVE_RUN).order_by("-created_at", "-id").first()
    if active is not None and (active.started_at or active.created_at) > now - RUN_STALE_AFTER:
        active.queued_now = False
        return active
    if active is not None:
        RankingRun.objects.filter(pk=active.pk, status=active.status).update(
            status=RankingRun.Status.FAILED,
            error=f"no result after {RUN_STALE_AFTER}; a new run was queued",
            finished_at=now,
        )
        RankingShard.objects.filter(run=active).delete()  # parts of the shards that did finish
    run = RankingRun.objects.create(order=order, trigger=trigger, requested_by=actor, shards=settings.MATCHING_SHARDS)
    if not in_process:
        outbox_put(topic="matching.rank", payload={"run_id": run.pk})
    run.queued_now = True
    return run


def order_published(*, order_id: int, actor_id: int | None, outbox_id: int | None = None) -> RankingRun | None:
    """Consume ``order.published`` (written by the deal's publish in its own transaction): queue the order's
    first ranking. The message is acknowledged in the same transaction as the run it queues, so a repeated
    delivery queues nothing; an order closed before the worker got to it is not ranked."""
    with transaction.atomic():
        if not outbox_claim(outbox_id):
            return None
        order = Order.objects.filter(pk=order_id, status=Order.Status.PUBLISHED).first()
        if order is None:
            return None
        actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
        return ranking_request(order=order, actor=actor, trigger="publish")


def ranking_claim(*, run_id: int, take_over: bool = False) -> bool:
    """Compare-and-set queued → running; False when another delivery already claimed the run. With
    ``take_over`` (the task ran before: its worker died, or it is retried after an outage) a running run is
    claimed again."""
    claimable = [RankingRun.Status.QUEUED, RankingRun.Status.RUNNING] if take_over else [RankingRun.Status.QUEUED]
    return bool(
        RankingRun.objects.filter(pk=run_id, status__in=claimable).update(
            status=RankingRun.Status.RUNNING, started_at=timezone.now()
        )
    )


def ranking_fail(*, run_id: int, error: str) -> None:
    """Mark a running run failed; the parts its shards stored are of no more use."""
    with transaction.atomic():
        RankingRun.objects.filter(pk=run_id, status=RankingRun.Status.RUNNING).update(
            status=RankingRun.Status.FAILED, error=error[:4000], finished_at=timezone.now()
        )
        RankingShard.objects.filter(run_id=run_id).delete()


# ----------------------------------------------------------------- query


# ---------------------------------------------------------------- re-rank

HAND_VERSION = "hand-v1"
_models: dict[str, object] = {}


def active_model() -> tuple[str, object] | None:
    """The active learned model (loaded once per process), or None: then the hand score ranks. A model
    trained on another feature list than the ranker now builds (learn.FEATURE_NAMES) is refused, with a
    warning in the log: the hand score ranks until a model is trained on the current list."""
    record = MatcherModel.objects.filter(is_active=True, beats_hand=True).first()
    if record is None:
        return None
    if record.version not in _models:
        import joblib

        _models.clear()
        model = joblib.load(record.path)
        try:
            learn.check(model)
        except learn.FeatureListChanged as refused:
            log.warning("matcher model %s not used, the hand score ranks: %s", record.version, refused)
            model = None
        _models[record.version] = model
    model = _models[record.version]
    return None if model is None else (record.version, model)


def model_moves(ids, hand_scores, top, seen) -> list:
    """Per stored row, None or (its rank by the hand score, its rank, what the learned model's move is put down to)."""
    if seen is None:
        return [None] * len(top)
    hand_rank = np.empty(len(ids), dtype=np.int64)
    hand_rank[np.lexsort((ids, -hand_scores))] = np.arange(1, len(ids) + 1)
    model, x = seen
    moved = [(rank, int(i)) for rank, i in enumerate(top, start=1) if hand_rank[i] != rank]
    if not moved:
        return [None] * len(top)
    rows = [i for _, i in moved]
    up = np.array([rank < hand_rank[i] for rank, i in moved], dtype=bool)
    because = dict(zip(rows, learn.causes(model, x[rows], up, reference=x), strict=True))
    return [
        (int(hand_rank[i]), rank, because[int(i)]) if int(i) in because else None for rank, i in enumerate(top, start=1)
    ]


# --------------------------------------------------------------- compute


def ranking_compute_shard(*, run_id: int, shard: int = 0, shards: int = 1) -> dict:
    """Rank the creators of one shard (matching.snapshot.shard_of; all of them when ``shards`` is 1) for the
    run's order, in the snapshot of that shard alone (engine.shard). The part holds the shard's best
    candidates with everything the merge stores — scores, components, price, expected views, reasons and,
    while a learned model ranks, its features — so the merge needs no snapshot. Plain data (JSON)."""
    run = RankingRun.objects.select_related("order").get(pk=run_id)
    snap = engine.shard(shard, shards)
    query = features.order_query(run.order, snap)
    active = active_model()
    # The hand score's top TOP_K of every shard holds the global top TOP_K; the learned model re-orders
    # the hand score's top pool_size(), so each shard then gives that many.
    ranking = engine.rank(snap, query, TOP_K if active is None else pool_size())
    rows, comps = ranking.rows, ranking.components
    candidates = None
    if active is not None:
        candidates = learn.candidate_features(snap, query, rows, ranking.scores, comps).tolist()
    fmt = scoring.FORMATS.index(query.format)
    return {
        "shard": shard,
        "snapshot": snap.version,
        "model": HAND_VERSION if active is None else active[0],
        "creator_ids": snap.creator_ids[rows].tolist(),
        "scores": ranking.scores.tolist(),
        "components": {c: v.tolist() for c, v in comps.items()},
        "price": snap.price[fmt, rows].tolist(),
        "expected_views": [expected_views(snap, int(row)) for row in rows],
        "reasons": explain.reasons_for(snap, query, rows, comps),
        "features": candidates,
        "eligible": ranking.eligible_count,
        "considered": ranking.considered,
    }


def pool_size() -> int:
    """How many hand-ranked candidates the learned re-ranker re-orders."""
    return max(TOP_K, learn.RERANK_POOL)


@transaction.atomic
def ranking_finish(*, run_id: int, parts: list[dict]) -> RankingRun | None:
    """Merge the shards' parts (one part when unsharded) into the run's list: the hand score's best
    candidates over all shards (ties: lower creator id first, as within a shard), re-ordered by the learned
    model when every part was ranked for the active one, and store the top TOP_K. Reads no snapshot."""
    run = RankingRun.objects.select_for_update().get(pk=run_id)
    if run.status != RankingRun.Status.RUNNING:
        return None  # a duplicate delivery of the merge: the first one stored the results
    parts = sorted(parts, key=lambda p: p["shard"])
    ids = _joined(parts, "creator_ids", np.int64)
    scores = _joined(parts, "scores", np.float32)
    comps = {
        c: np.concatenate([np.asarray(p["components"][c], dtype=np.float32) for p in parts]) for c in scoring.COMPONENTS
    }
    prices = _joined(parts, "price", np.int64)
    views = [v for p in parts for v in p["expected_views"]]
    reasons = [r for p in parts for r in p["reasons"]]
    pool = np.lexsort((ids, -scores))[: pool_size()]
    final, model_version, seen = scores[pool], HAND_VERSION, None
    versions = {p["model"] for p in parts}
    active = active_model() if len(pool) and versions != {HAND_VERSION} else None
    if active is not None and versions == {active[0]}:
        x = np.concatenate(
            [np.asarray(p["features"], dtype=np.float32).reshape(-1, len(learn.FEATURE_NAMES)) for p in parts]
        )[pool]
        final, model_version, seen = learn.predict(active[1], x), active[0], (active[1], x)
    top = np.lexsort((ids[pool], -final))[:TOP_K]
    moves = model_moves(ids[pool], scores[pool], top, seen)
    results = []
    for rank, i in enumerate(top, start=1):
        at = int(pool[i])
        results.append(
            RankingResult(
                run=run,
                rank=rank,
                creator_id=int(ids[at]),
                score=float(final[i]),
                hand_score=float(scores[at]),
                price=int(prices[at]),
                expected_views=views[at],
                reasons=explain.with_move(reasons[at], moves[rank - 1]),
                **{c: float(comps[c][at]) for c in scoring.COMPONENTS},
            )
        )
    RankingResult.objects.bulk_create(results)
    now = timezone.now()
    run.status = RankingRun.Status.DONE
    run.snapshot_version = parts[0]["snapshot"] if parts else ""
    run.model_version = model_version
    run.eligible_count = sum(p["eligible"] for p in parts)
    run.considered_count = sum(p["considered"] for p in parts)
    run.finished_at = now
    run.duration_ms = int((now - run.started_at).total_seconds() * 1000) if run.started_at else None
    run.save()
    if run.duration_ms is not None:
        seconds = run.duration_ms / 1000
        transaction.on_commit(lambda: RANKING_SECONDS.observe(seconds))
    return run


def _joined(parts: list[dict], key: str, dtype) -> np.ndarray:
    return np.concatenate([np.asarray(p[key], dtype=dtype) for p in parts]) if parts else np.empty(0, dtype=dtype)


# ---------------------------------------------------------------- shards


def ranking_fan_out(*, run_id: int) -> bool:
    """Claim a sharded run and queue one message per shard (outbox topic ``matching.rank_shard``, routed to
    the shard's queue) in the claim's own transaction: a claimed run always has its shards queued, and a
    shard's message is re-sent by the relay until that shard's part is stored. False: already claimed."""
    with transaction.atomic():
        if not ranking_claim(run_id=run_id):
            return False
        shards = RankingRun.objects.values_list("shards", flat=True).get(pk=run_id)
        for shard in range(shards):
            outbox_put(topic="matching.rank_shard", payload={"run_id": run_id, "shard": shard, "shards": shards})
    return True


def ranking_shard(*, run_id: int, shard: int, shards: int, outbox_id: int | None = None) -> RankingRun | None:
    """Rank one shard of a running run and keep its part; the shard that stores the last part merges
    (ranking_finish), in the same transaction, so the run is finished once whatever order the shards end
    in. The message is acknowledged with the part: a shard lost with its worker is re-sent by the relay,
    and a repeated delivery stores nothing twice. A failing shard fails the run."""
    if not RankingRun.objects.filter(pk=run_id, status=RankingRun.Status.RUNNING).exists() or (
        RankingShard.objects.filter(run_id=run_id, shard=shard).exists()
    ):
        outbox_acknowledge(outbox_id)  # finished, failed, or this shard's part is in already
        return None
    try:
        part = ranking_compute_shard(run_id=run_id, shard=shard, shards=shards)
        with transaction.atomic():
            run = RankingRun.objects.select_for_update().get(pk=run_id)
            if not outbox_claim(outbox_id) or run.status != RankingRun.Status.RUNNING:
                return None
            RankingShard.objects.bulk_create([RankingShard(run=run, shard=shard, part=part)], ignore_conflicts=True)
            parts = list(RankingShard.objects.filter(run=run).order_by("shard").values_list("part", flat=True))
            if len(parts) < run.shards:
                return run
            finished = ranking_finish(run_id=run_id, parts=parts)
            RankingShard.objects.filter(run=run).delete()
            return finished
    except Exception as exc:
        if dependency_down(exc):
            raise  # retried (marketplace.core.delivery); the outbox message stays for the relay meanwhile
        log.exception("ranking run %s, shard %s failed", run_id, shard)
        ranking_fail(run_id=run_id, error=f"shard {shard}: {type(exc).__name__}: {exc}")
        outbox_acknowledge(outbox_id)
        raise


def expected_views(snap: Snapshot, row: int) -> int | None:
    """The creator's median views, or None when unknown (never 0 for "no figure")."""
    known = np.isfinite(snap.metrics[METRIC_NAMES.index("log_views"), row])
    return int(snap.median_views[row]) if known else None


def ranking_execute(*, run_id: int, take_over: bool = False) -> RankingRun | None:
    """Claim and rank in this process (one shard); None if the run was already claimed."""
    if not ranking_claim(run_id=run_id, take_over=take_over):
        return None
    started = time.perf_counter()
    try:
        part = ranking_compute_shard(run_id=run_id)
        run = ranking_finish(run_id=run_id, parts=[part])
    except Exception as exc:
        if dependency_down(exc):
            raise  # retried (marketplace.core.delivery), and the retry takes the run over
        log.exception("ranking run %s failed", run_id)
        ranking_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
        raise
    log.info("ranking run %s done in %.0f ms", run_id, (time.perf_counter() - started) * 1000)
    return run


# ---------------------------------------------------------------- the learned re-ranker


def models_dir() -> Path:
    path = settings.VAR_DIR / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def matcher_model_train(
    *, snap: Snapshot, seed: int = 0, progress=None, activate: bool = False
) -> tuple[MatcherModel, training.Report]:
    """Train the re-ranker on the platform's past orders (matching.training.train) and save it with the blend
    weight its gate chose; rank with it only when the operator asks (``activate``) and a weight above zero
    passed (beats the hand score beyond the bootstrap interval among the offered creators, in both time
    halves, and is not behind it on the pool measure).

    Off unless asked: the gate judges outcomes only for the creators past orders offered, and an
    independent world measured the old gate switching on a model that ranked the whole list worse
    (docs/matching-quality.md)."""
    import joblib

    model, report = training.train(features.training_history(snap, seed=seed, progress=progress), seed=seed)
    version = "gbr-" + timezone.now().strftime("%Y%m%dT%H%M%SZ")
    path = models_dir() / f"{version}.joblib"
    joblib.dump(model, path)
    with transaction.atomic():
        record = MatcherModel.objects.create(
            version=version,
            path=str(path),
            trained_on=report.train_rows,
            beats_hand=report.learned_beats_hand,
            metrics={
                "holdout": report.metrics,
                "gain_over_hand": report.gain,
                "gate": report.gate,
                "weight": report.weight,
                "train_orders": report.train_orders,
                "holdout_orders": report.holdout_orders,
                "seed": seed,
            },
        )
        if record.beats_hand and activate:
            MatcherModel.objects.filter(is_active=True).update(is_active=False)
            record.is_active = True
            record.save(update_fields=["is_active"])
    return record, report
