"""Celery adapters for ranking: ids in, one service call each."""

from celery import chord, shared_task

from marketplace.core.delivery import redelivered
from marketplace.core.outbox import outbox_acknowledge
from matching import engine, services
from matching.models import RankingRun


@shared_task(bind=True, name="matching.tasks.ranking_run_task", ignore_result=True)
def ranking_run_task(self, run_id: int, outbox_id: int | None = None) -> None:
    """Rank one queued run. A duplicate delivery finds the run claimed and does nothing; a redelivery (the
    worker that claimed it died) takes the run over, and whichever finishes first stores the results."""
    outbox_acknowledge(outbox_id)
    run = RankingRun.objects.filter(pk=run_id).only("shards").first()
    if run is None:
        return
    take_over = redelivered(self)
    if run.shards <= 1:
        services.ranking_execute(run_id=run_id, take_over=take_over)
        return
    if not services.ranking_claim(run_id=run_id, take_over=take_over):
        return
    shards = [ranking_shard_task.s(run_id, shard, run.shards) for shard in range(run.shards)]
    chord(shards)(ranking_merge_task.s(run_id))


@shared_task(name="matching.tasks.order_published_task", ignore_result=True)
def order_published_task(order_id: int, actor_id: int | None = None, outbox_id: int | None = None) -> None:
    """A published order (the ``order.published`` outbox message): queue its first ranking."""
    services.order_published(order_id=order_id, actor_id=actor_id, outbox_id=outbox_id)


@shared_task(name="matching.tasks.ranking_shard_task")
def ranking_shard_task(run_id: int, shard: int, shards: int) -> dict:
    try:
        return services.ranking_compute_shard(run_id=run_id, shard=shard, shards=shards)
    except Exception as exc:
        services.ranking_fail(run_id=run_id, error=f"shard {shard}: {type(exc).__name__}: {exc}")
        raise


@shared_task(name="matching.tasks.ranking_merge_task", ignore_result=True)
def ranking_merge_task(parts: list[dict], run_id: int) -> None:
    try:
        services.ranking_finish(run_id=run_id, parts=parts)
    except Exception as exc:
        services.ranking_fail(run_id=run_id, error=f"merge: {type(exc).__name__}: {exc}")
        raise


@shared_task(name="matching.tasks.snapshot_rebuild_task", ignore_result=True)
def snapshot_rebuild_task() -> str:
    return engine.rebuild().version
