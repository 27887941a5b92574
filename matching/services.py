"""Ranking runs: request (with its outbox message), claim, compute per shard, merge and store."""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brands.models import BrandBlock
from marketplace.core.metrics import RANKING_SECONDS
from marketplace.core.models import Label
from marketplace.core.outbox import outbox_claim, outbox_put
from matching import engine, explain, learn, scoring
from matching.models import MatcherModel, RankingResult, RankingRun
from matching.snapshot import METRIC_NAMES, Snapshot
from orders import flows
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
def ranking_request(*, order: Order, actor=None, trigger: str = "manual") -> RankingRun:
    """Queue a ranking of ``order`` (the outbox sends it to a worker after commit), or, while a run is
    queued or running for the order, return that run: ten clicks on "rank again" make one run.

    Locks the order row, so concurrent requests for one order meet there and queue one run between them.
    The returned run's ``queued_now`` says whether this call queued it.
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
    run = RankingRun.objects.create(order=order, trigger=trigger, requested_by=actor, shards=settings.MATCHING_SHARDS)
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
    ``take_over`` (a redelivered message: the claiming worker died) a running run is claimed again."""
    claimable = [RankingRun.Status.QUEUED, RankingRun.Status.RUNNING] if take_over else [RankingRun.Status.QUEUED]
    return bool(
        RankingRun.objects.filter(pk=run_id, status__in=claimable).update(
            status=RankingRun.Status.RUNNING, started_at=timezone.now()
        )
    )


def ranking_fail(*, run_id: int, error: str) -> None:
    RankingRun.objects.filter(pk=run_id, status=RankingRun.Status.RUNNING).update(
        status=RankingRun.Status.FAILED, error=error[:4000], finished_at=timezone.now()
    )


# ----------------------------------------------------------------- query


def excluded_creators(order: Order) -> dict[str, list[int]]:
    """Creator ids excluded for reasons that change too often to live in the snapshot."""
    return {
        "no_capacity": list(flows.creators_at_capacity()),
        "blocked": list(BrandBlock.objects.filter(brand_id=order.brand_id).values_list("creator_id", flat=True)),
        "on_order": list(order.collaborations.values_list("creator_id", flat=True)),
    }


def order_query(order: Order, snap: Snapshot, *, filters: dict | None = None, excluded=None) -> scoring.OrderQuery:
    # .all() rather than values_list(): it reuses a prefetch when the caller made one.
    links = [(link.label_id, link.weight) for link in order.target_label_links.all()]
    cols = snap.catalogue.label_columns(np.array([label for label, _ in links], dtype=np.int64))
    labels = tuple((int(c), float(w)) for c, (_, w) in zip(cols, links, strict=True) if c >= 0)
    near = near_labels([label for (label, _), c in zip(links, cols, strict=True) if c >= 0])
    near_cols = snap.catalogue.label_columns(np.array([x for x, _, _ in near], dtype=np.int64))
    to_cols = snap.catalogue.label_columns(np.array([t for _, _, t in near], dtype=np.int64))
    regions = tuple(int(c) for c in snap.catalogue.region_columns(order.target_regions) if c >= 0)
    excluded = excluded_creators(order) if excluded is None else excluded
    ids = np.array(sorted({i for group in excluded.values() for i in group}), dtype=np.int64)
    rows = snap.rows_of(ids)
    filters = filters or {}
    return scoring.OrderQuery(
        goal=order.goal,
        format=order.format,
        budget=order.per_creator_budget(),
        tolerance_bps=order.price_tolerance_bps,
        labels=labels,
        near=tuple(
            (int(c), d, int(t)) for c, (_, d, _), t in zip(near_cols, near, to_cols, strict=True) if c >= 0 and t >= 0
        ),
        ages=tuple(a for a in order.target_age if a in scoring.AGE_BUCKETS),
        genders=tuple(g for g in order.target_gender if g in scoring.GENDERS),
        regions=regions,
        min_region_share=order.min_region_share,
        window=_window(order),
        excluded_rows=rows[rows >= 0],
        min_followers=filters.get("min_followers"),
        max_followers=filters.get("max_followers"),
        max_price=filters.get("max_price"),
    )


def near_labels(label_ids: list[int]) -> list[tuple[int, int, int]]:
    """Labels next to ``label_ids`` in the taxonomy tree, up to scoring.NEAR_DISTANCE steps away (parent
    and children at 1; siblings, grandparent and grandchildren at 2), each once at its shortest distance:
    (label id, distance, the order label it is next to). The labels themselves are left out."""
    if not label_ids:
        return []
    parent = dict(Label.objects.values_list("id", "parent_id"))
    children: dict[int, list[int]] = {}
    for node, up in parent.items():
        if up is not None:
            children.setdefault(up, []).append(node)
    targets = set(label_ids)
    best: dict[int, tuple[int, int]] = {}
    for target in sorted(targets):
        seen, frontier = {target}, [target]
        for distance in range(1, scoring.NEAR_DISTANCE + 1):
            step = []
            for node in frontier:
                for other in (parent.get(node), *children.get(node, ())):
                    if other is not None and other not in seen:
                        seen.add(other)
                        step.append(other)
            for node in step:
                if node not in targets and (node not in best or best[node][0] > distance):
                    best[node] = (distance, target)
            frontier = step
    return sorted((node, d, t) for node, (d, t) in best.items())


def _window(order: Order) -> tuple[int, int] | None:
    start = order.script_by.date() if order.script_by else order.publish_from
    end = order.publish_until or order.publish_from
    if start is None and end is None:
        return None
    start = start or date.today()
    end = end or start
    return (min(start, end).toordinal(), max(start, end).toordinal())


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


def candidate_features(
    snap: Snapshot, query: scoring.OrderQuery, rows, hand_scores, comps, *, metrics=None
) -> np.ndarray:
    """The re-ranker's features of ``rows`` (``metrics``: the snapshot's, or training's as of a past date)."""
    price = snap.price[scoring.FORMATS.index(query.format), rows].astype(np.float64)
    metrics = snap.metrics[:, rows] if metrics is None else metrics
    return learn.features(comps, hand_scores, metrics, price / max(query.budget, 1))


def rerank(snap: Snapshot, query: scoring.OrderQuery, rows, hand_scores, comps) -> tuple[np.ndarray, str, object]:
    """(final scores, the version that ranked, the features the learned model saw — None for the hand score)."""
    active = active_model()
    if active is None or len(rows) == 0:
        return hand_scores, HAND_VERSION, None
    version, model = active
    x = candidate_features(snap, query, rows, hand_scores, comps)
    return learn.predict(model, x), version, (model, x)


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
    """Rank one id range of the snapshot for the run's order; plain data so it crosses Celery."""
    run = RankingRun.objects.select_related("order").get(pk=run_id)
    snap = engine.current()
    lo, hi = shard_bounds(snap.n, shard, shards)
    query = order_query(run.order, snap)
    ranking = scoring.rank(snap, query, pool_size(), lo=lo, hi=hi)
    return {
        "snapshot": snap.version,
        "creator_ids": snap.creator_ids[ranking.rows].tolist(),
        "scores": ranking.scores.tolist(),
        "components": {c: v.tolist() for c, v in ranking.components.items()},
        "eligible": ranking.eligible_count,
        "considered": ranking.considered,
    }


def shard_bounds(n: int, shard: int, shards: int) -> tuple[int, int]:
    edges = np.linspace(0, n, shards + 1).astype(np.int64)
    return int(edges[shard]), int(edges[shard + 1])


def pool_size() -> int:
    """How many hand-ranked candidates each shard returns: enough for the re-ranker to reorder."""
    return max(TOP_K, learn.RERANK_POOL)


@transaction.atomic
def ranking_finish(*, run_id: int, parts: list[dict]) -> RankingRun | None:
    """Merge shard results, apply the learned re-ranker if it is active, store the top list."""
    run = RankingRun.objects.select_for_update(no_key=True).select_related("order").get(pk=run_id)
    if run.status != RankingRun.Status.RUNNING:
        return None  # a duplicate delivery of the merge: the first one stored the results
    snap = engine.current(refresh=False)
    ids = np.concatenate([np.asarray(p["creator_ids"], dtype=np.int64) for p in parts])
    scores = np.concatenate([np.asarray(p["scores"], dtype=np.float32) for p in parts])
    comps = {
        c: np.concatenate([np.asarray(p["components"][c], dtype=np.float32) for p in parts]) for c in scoring.COMPONENTS
    }
    order = np.lexsort((ids, -scores))[: pool_size()]
    ids, scores, comps = ids[order], scores[order], {c: v[order] for c, v in comps.items()}
    rows = snap.rows_of(ids)
    query = order_query(run.order, snap)
    final, model_version, seen = rerank(snap, query, rows, scores, comps)
    top = np.lexsort((ids, -final))[:TOP_K]
    moves = model_moves(ids, scores, top, seen)
    reasons = explain.reasons_for(snap, query, rows[top], {c: v[top] for c, v in comps.items()}, moves=moves)
    fmt = scoring.FORMATS.index(query.format)
    RankingResult.objects.bulk_create(
        [
            RankingResult(
                run=run,
                rank=rank,
                creator_id=int(ids[i]),
                score=float(final[i]),
                hand_score=float(scores[i]),
                price=int(snap.price[fmt, rows[i]]),
                expected_views=expected_views(snap, int(rows[i])),
                reasons=reasons[rank - 1],
                **{c: float(comps[c][i]) for c in scoring.COMPONENTS},
            )
            for rank, i in enumerate(top, start=1)
        ]
    )
    now = timezone.now()
    run.status = RankingRun.Status.DONE
    run.snapshot_version = parts[0]["snapshot"] if parts else snap.version
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
        log.exception("ranking run %s failed", run_id)
        ranking_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
        raise
    log.info("ranking run %s done in %.0f ms", run_id, (time.perf_counter() - started) * 1000)
    return run
