import uuid

import pytest
from django.db import connection

from marketplace.celery import app as celery_app
from payouts import services
from payouts.providers import sandbox as sandbox_provider
from tests.factories import BrandFactory, CreatorFactory, OrderFactory


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run in-process, retries included: nothing from these tests reaches the shared Redis queue.

    (Propagating eager errors would also propagate Celery's Retry; ``.get()`` re-raises real errors.)
    """
    old = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = True, False
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = old


@pytest.fixture(autouse=True)
def sandbox():
    sandbox_provider.reset()
    yield sandbox_provider
    sandbox_provider.reset()


@pytest.fixture(autouse=True)
def _money_settings(settings):
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.PLATFORM_FEE_BPS = 1000
    settings.PAYOUT_MINIMUM = 100
    settings.CURRENCY = "CNY"


def new_key() -> str:
    return str(uuid.uuid4())


def check_deferred_constraints() -> None:
    """Run the checks PostgreSQL defers to COMMIT now, inside a test that never commits."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture
def brand():
    return BrandFactory()


@pytest.fixture
def order(brand):
    return OrderFactory(brand=brand, currency="CNY")


@pytest.fixture
def creator():
    return CreatorFactory()


def fund(brand, amount: int):
    return services.topup(brand_id=brand.pk, amount=amount, idempotency_key=new_key())


def escrowed_hold(order, creator, amount: int):
    fund(order.brand, amount)
    held = services.hold(order_id=order.pk, creator_id=creator.pk, amount=amount, idempotency_key=new_key())
    return services.escrow(hold_id=held.pk, idempotency_key=new_key())
