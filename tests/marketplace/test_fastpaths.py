"""The fast paths of marketplace/core/fastpaths.py give what Django's and DRF's own paths give.

Each test compares the fast path with the slow one on the same objects, so a Django or DRF upgrade that
changes the slow one fails here (docs/architecture.md, "Upgrading Django", says what to re-check). The
hand-built caller instances are held equal to the ORM's in tests/brands/test_callers.py.
"""

import copy
import functools
import zoneinfo
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers

from marketplace.core.fastpaths import ChecksInOneQuery, PlainRows
from matching.api import CreatorBasicsSerializer, creator_basics
from orders.api.orders import SUMMARY_COLUMNS, OrderSummarySerializer, order_summaries
from orders.models import Order
from tests.factories import BrandFactory, CreatorFactory, MembershipFactory, OrderFactory, ProductCategoryFactory

# ------------------------------------------------------------ serializer output without the serializer


def _orders(brand):
    now = timezone.now().replace(microsecond=123456)
    bare = OrderFactory(
        brand=brand, product_category=None, script_by=None, publish_from=None, publish_until=None, total_budget=None
    )
    full = OrderFactory(
        brand=brand,
        status=Order.Status.CLOSED,
        apply_by=now + timedelta(days=2),
        total_budget=1_800_000,
        published_at=now - timedelta(days=1),
        closed_at=now,
    )
    return Order.objects.filter(pk__in=[bare.pk, full.pk]).select_related("product_category").order_by("pk")


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai"])
def test_order_summary_rows_equal_the_documented_serializer(zone):
    orders = _orders(MembershipFactory().brand)

    with timezone.override(zoneinfo.ZoneInfo(zone)):
        rows = order_summaries(orders.values(*SUMMARY_COLUMNS))
        expected = OrderSummarySerializer(list(orders), many=True).data

    assert rows == [dict(row) for row in expected]
    assert [list(row) for row in rows] == [list(row) for row in expected]  # the same key order in JSON
    assert rows[0]["product_category"] is None and rows[1]["product_category"] is not None
    assert rows[1]["closed_at"] is not None and rows[0]["total_budget_minor"] is None


@pytest.mark.django_db
@pytest.mark.parametrize("country", ["", "CN"])
def test_creator_basics_equal_the_documented_serializer(country):
    creator = CreatorFactory(country=country)

    assert creator_basics(creator) == dict(CreatorBasicsSerializer(creator).data)


def test_every_plain_rows_of_the_project_is_held_equal_above():
    """A new PlainRows (anywhere in the project) needs its own comparison with its serializer here."""
    compared = {OrderSummarySerializer, CreatorBasicsSerializer}

    built = {rows.serializer_class for rows in PlainRows.built if rows.serializer_class.__module__ != __name__}

    assert built == compared


class _Computed(serializers.Serializer):
    id = serializers.IntegerField()
    badge = serializers.SerializerMethodField()


class _OwnFormat(serializers.Serializer):
    when = serializers.DateTimeField(format="%d/%m/%Y")


class _Whole(serializers.Serializer):
    everything = serializers.DictField(source="*")


@pytest.mark.parametrize("serializer", [_Computed, _OwnFormat, _Whole])
def test_a_field_the_fast_path_cannot_copy_is_refused_when_it_is_built(serializer):
    with pytest.raises(TypeError):
        PlainRows(serializer)


# ------------------------------------------------------------ one-query constraint checks


def _errors(validate) -> dict:
    try:
        validate()
    except ValidationError as exc:
        return exc.message_dict
    return {}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values",
    [
        {},
        {"price_per_creator": None, "total_budget": None},
        {"price_per_creator": 0},
        {"price_per_creator": None, "total_budget": -5},
        {"creators_wanted": 0},
        {"price_per_creator": -1, "total_budget": 0, "creators_wanted": 0},
        {"pricing": "per_play", "play_base": 0, "play_rate": 0},
        {"pricing": "per_play", "play_base": 700_000, "play_rate": 100, "price_per_creator": 600_000},
        {"pricing": "per_play", "play_base": None, "play_rate": None, "creators_wanted": 0},
    ],
)
@pytest.mark.parametrize("exclude", [None, {"price_per_creator"}, {"creators_wanted", "total_budget"}])
def test_checks_in_one_query_give_djangos_own_errors(values, exclude):
    order = OrderFactory.build(brand=BrandFactory(), product_category=ProductCategoryFactory(), **values)

    mine = _errors(lambda: order.validate_constraints(exclude=exclude))
    django = _errors(lambda: models.Model.validate_constraints(order, exclude=exclude))
    cleaned = _errors(lambda: order.full_clean(exclude=exclude))
    plain = copy.copy(order)  # the same order, its full_clean calling Django's own constraint check
    plain.validate_constraints = functools.partial(models.Model.validate_constraints, plain)

    assert mine == django
    assert cleaned == _errors(lambda: plain.full_clean(exclude=exclude))
    if exclude is None:  # every case but the valid one breaks a constraint
        assert bool(mine) == bool(values)


@pytest.mark.django_db
def test_checks_in_one_query_run_one_select_in_one_savepoint():
    order = OrderFactory.build(brand=BrandFactory(), product_category=ProductCategoryFactory(), creators_wanted=0)

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert "__all__" in _errors(order.validate_constraints)

    statements = [query["sql"].split()[0] for query in queries]
    assert statements == ["SAVEPOINT", "SELECT", "RELEASE"]
    assert len(Order._meta.constraints) == 5  # Django would have run five of these triples


def test_every_model_with_one_query_checks_is_compared_above():
    """A model that takes the mixin later needs its own case in the comparison above."""
    assert [model for model in apps.get_models() if issubclass(model, ChecksInOneQuery)] == [Order]
