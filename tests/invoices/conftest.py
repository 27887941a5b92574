from tests.payouts.conftest import _eager_celery, _money_settings, sandbox  # noqa: F401  the money tests' set-up
