from django.db import models

from marketplace.core.logs import request_id_field


class OutboxMessage(models.Model):
    """A task to start after commit, written in the same transaction as the change that needs it.

    The relay sends it to Celery and sets ``dispatched_at``; the task sets ``acknowledged_at`` when
    it runs. A periodic sweep re-sends messages that were never acknowledged, so a broker outage
    at commit time delays the work but never loses it (marketplace.core.outbox).
    """

    topic = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    request_id = request_id_field()  # of the request (or task) that wrote it; the relay sends it on

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["id"], condition=models.Q(acknowledged_at__isnull=True), name="outbox_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk}"
