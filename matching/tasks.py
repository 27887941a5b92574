"""Celery adapters for ranking: ids in, one service call each."""

from celery import shared_task
from django.conf import settings

from marketplace.core.delivery import ran_before
from marketplace.core.outbox import outbox_acknowledge
from matching import engine, services
from matching.models import RankingRun

SHARD_TASK = "matching.tasks.ranking_shard_task"


@shared_task(bind=True, name="matching.tasks.ranking_run_task", ignore_result=True)
def ranking_run_task(self, run_id: int, outbox_id: int | None = None) -> None:
    """Rank one queued run, or fan a sharded one out to its shards. A duplicate delivery finds the run
    claimed and does nothing; a redelivery of an unsharded run (the worker that claimed it died) takes the
    run over, and whichever finishes first stores the results. A sharded run needs no take-over: its claim
    commits with the shards' outbox messages, which the relay sends again until each shard is stored."""
    outbox_acknowledge(outbox_id)
    run = RankingRun.objects.filter(pk=run_id).only("shards").first()
    if run is None:
        return
    if run.shards <= 1:
        services.ranking_execute(run_id=run_id, take_over=ran_before(self))
        return
    services.ranking_fan_out(run_id=run_id)


@shared_task(name="matching.tasks.order_published_task", ignore_result=True)
def order_published_task(order_id: int, actor_id: int | None = None, outbox_id: int | None = None) -> None:
    """A published order (the ``order.published`` outbox message): queue its first ranking."""
    services.order_published(order_id=order_id, actor_id=actor_id, outbox_id=outbox_id)


@shared_task(name=SHARD_TASK, ignore_result=True)
def ranking_shard_task(run_id: int, shard: int, shards: int, outbox_id: int | None = None) -> None:
    """One shard of a sharded run (the ``matching.rank_shard`` outbox message), on the shard's own queue."""
    services.ranking_shard(run_id=run_id, shard=shard, shards=shards, outbox_id=outbox_id)


def route_task(name, args, kwargs, options, task=None, **kw):
    """Celery router (settings.CELERY_TASK_ROUTES): a shard's task goes to that shard's queue, where only
    workers holding that shard (MATCHING_SHARD) or every shard listen."""
    if name == SHARD_TASK:
        shard = (kwargs or {}).get("shard", args[1] if args and len(args) > 1 else None)
        if shard is not None:
            return {"queue": settings.MATCHING_SHARD_QUEUE.format(shard)}
    return None


@shared_task(name="matching.tasks.snapshot_rebuild_task", ignore_result=True)
def snapshot_rebuild_task() -> str:
    return engine.rebuild().version
