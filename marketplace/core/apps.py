from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The kernel. Its models keep the ``marketplace`` label they were deployed with (the user model is
    ``marketplace.User``, the tables ``marketplace_*``, the migrations ``marketplace.000N``)."""

    name = "marketplace.core"
    label = "marketplace"
    verbose_name = _("Marketplace")

    def ready(self) -> None:
        from django_structlog import signals

        from marketplace.core.logs import failed_request_code

        signals.bind_extra_request_failed_metadata.connect(failed_request_code, weak=False)
