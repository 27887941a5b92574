import pytest
from django.core.exceptions import ValidationError

from marketplace.core import format_money, minor_to_decimal_str, parse_money
from marketplace.core.forms import MoneyField


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


@pytest.mark.parametrize(
    ("typed", "minor"),
    [("１２００", 120_000), ("１，２００．５０", 120_050), ("1,200.50", 120_050), ("．５", 50)],
)
def test_the_money_field_reads_what_a_cjk_keyboard_types(typed, minor):
    assert MoneyField().clean(typed) == minor


@pytest.mark.parametrize("typed", ["-1", "-1,200.50", "\u22125", "－５"])
def test_a_negative_amount_is_told_it_must_be_more_than_zero(typed):
    with pytest.raises(ValidationError) as exc:
        MoneyField().clean(typed)

    assert exc.value.messages == ["The amount must be more than zero."]


@pytest.mark.parametrize("typed", ["١٢", "12,50", "1e3", "-", "--5", "²", "¹⁰⁰⁰⁰", "①", "㊿", "５²"])
def test_the_money_field_still_refuses_what_is_not_an_amount(typed):
    with pytest.raises(ValidationError) as exc:
        MoneyField().clean(typed)

    assert exc.value.messages != ["The amount must be more than zero."]
