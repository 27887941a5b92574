"""Campaign report filters: ``{{ report.actual.cpm|cost:currency }}``, ``{{ report.views_percent|whole_percent }}``
and ``{% if board|has_results %}``."""

from django import template
from django.utils.formats import number_format

from marketplace.core import format_money
from orders import flows
from orders.reports import as_minor
from orders.selectors.deals import BOARD_COLUMNS

register = template.Library()

# The order board's columns that hold collaborations with results to report.
RESULT_COLUMNS = frozenset(key for key, _title, states in BOARD_COLUMNS if states <= flows.REPORTABLE)


@register.filter
def cost(ratio: float | None, currency: str) -> str:
    """A cost ratio in minor units (CPM, CPE, cost per conversion) as money with two decimals; "—" when unknown."""
    if ratio is None or ratio == "":
        return format_money(None, currency)
    return format_money(as_minor(float(ratio)), currency)


@register.filter
def whole_percent(value: int | None) -> str:
    """A whole percentage (orders.reports.percent_of, rounded once there) as "122 %"; "—" when unknown."""
    if value is None or value == "":
        return "—"
    return f"{number_format(int(value))} %"


@register.filter
def has_results(board: list[dict] | None) -> bool:
    """Whether the order's board (orders.selectors.deals.order_board) has anything published."""
    return any(column["key"] in RESULT_COLUMNS and column["total"] for column in board or ())
