from django.apps import AppConfig


class DevConfig(AppConfig):
    """Demo data and development tools (``load_demo``, ``bootstrap``, the embedded servers, the run
    script): installed for their commands; production code never imports this package."""

    name = "marketplace.dev"
    label = "dev"
    verbose_name = "Development tools"
