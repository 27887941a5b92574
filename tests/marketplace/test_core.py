import pytest
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext

from marketplace.core import format_money, minor_to_decimal_str, parse_money
from orders.models import Order
from tests.factories import BrandFactory, OrderFactory, ProductCategoryFactory


@pytest.mark.parametrize(
    ("text", "minor"),
    [("1200", 120_000), ("1200.5", 120_050), ("1200.50", 120_050), (" 7.05 ", 705), (".5", 50), ("0", 0)],
)
def test_parse_money_reads_decimal_text_into_minor_units(text, minor):
    assert parse_money(text) == minor


@pytest.mark.parametrize(
    "text",
    [
        "",
        ".",
        "1,000",
        "12,00",
        "1.234",
        "-5",
        "+5",
        "1e3",
        "NaN",
        "Infinity",
        "١٢",
        "12 00",
        "0x10",
        "9" * 20,
        "1" * 1_000_000,
    ],
)
def test_parse_money_refuses_anything_else(text):
    with pytest.raises(ValueError):
        parse_money(text)


def test_format_money_shows_the_currency_and_two_decimals():
    assert format_money(123_456_789, "CNY") == "CNY 1,234,567.89"
    assert format_money(-5, "USD") == "-USD 0.05"
    assert format_money(None, "CNY") == "—"
    assert minor_to_decimal_str(-150) == "-1.50"


# ------------------------------------------------------------ one-query checks


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
    ],
)
@pytest.mark.parametrize("exclude", [None, {"price_per_creator"}, {"creators_wanted", "total_budget"}])
def test_checks_in_one_query_give_djangos_own_errors(values, exclude):
    order = OrderFactory.build(brand=BrandFactory(), product_category=ProductCategoryFactory(), **values)

    mine = _errors(lambda: order.validate_constraints(exclude=exclude))
    django = _errors(lambda: models.Model.validate_constraints(order, exclude=exclude))

    assert mine == django
    if exclude is None:  # every case but the valid one breaks a constraint
        assert bool(mine) == bool(values)


@pytest.mark.django_db
def test_checks_in_one_query_run_one_select_in_one_savepoint():
    order = OrderFactory.build(brand=BrandFactory(), product_category=ProductCategoryFactory(), creators_wanted=0)

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert "__all__" in _errors(order.validate_constraints)

    statements = [query["sql"].split()[0] for query in queries]
    assert statements == ["SAVEPOINT", "SELECT", "RELEASE"]
    assert len(Order._meta.constraints) == 4  # Django would have run four of these triples
