from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from marketplace.core.outbox import outbox_subscribe

        # A delivery's first attempt goes out through the outbox after the change that caused it commits.
        outbox_subscribe("webhooks.deliver", "webhooks.tasks.webhook_deliver_task")
