import pytest

from marketplace.core import format_money, minor_to_decimal_str, parse_money


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
