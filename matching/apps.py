from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching")

    def ready(self):
        from marketplace.core.outbox import outbox_subscribe

        # The order's first ranking starts from the deal's own event; reranks go straight to the ranking task.
        outbox_subscribe("order.published", "matching.tasks.order_published_task")
        outbox_subscribe("matching.rank", "matching.tasks.ranking_run_task")
        # One message per shard of a sharded run (routed to the shard's queue: matching.tasks.route_task).
        outbox_subscribe("matching.rank_shard", "matching.tasks.ranking_shard_task")
