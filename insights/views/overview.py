"""The staff overview: platform totals by month (insights.selectors), as a table and charts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from insights.selectors import Overview, platform_overview
from marketplace.core import charts, currency_label, format_money
from marketplace.core.access import staff_required
from marketplace.core.templatetags.numbers import grouped


@staff_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    data = platform_overview()
    return render(request, "insights/platform_overview.html", {"overview": data, "charts": overview_charts(data)})


def overview_charts(data: Overview) -> list[dict]:
    """The charts in page order, ``{"key", "chart"}``; each carries its own table view."""
    labels = [m.month.strftime("%Y-%m") for m in data.months]  # short, so twelve fit under a chart
    currency = data.currency

    def money(minor: float) -> str:
        return format_money(round(minor), currency)

    def count(value: float) -> str:
        return grouped(round(value))

    def chart(title: str, series: list[charts.Series], value_format, axis_format=charts.compact):
        return charts.grouped_bar_chart(
            title,
            labels,
            series,
            category_header=_("Month"),
            horizontal=False,
            value_format=value_format,
            axis_format=axis_format,
        )

    m = data.months
    return [
        {
            "key": "orders",
            "chart": chart(
                _("Orders published"), [charts.Series(_("Orders"), "orders", [x.orders_published for x in m])], count
            ),
        },
        {
            "key": "gmv",
            "chart": chart(
                _("GMV: agreed prices of deals accepted (%(currency)s)") % {"currency": currency_label(currency)},
                [charts.Series(_("GMV"), "gmv", [x.gmv for x in m])],
                money,
                lambda minor: charts.compact(minor / 100),
            ),
        },
        {
            "key": "fees",
            "chart": chart(
                _("Platform fees (%(currency)s)") % {"currency": currency_label(currency)},
                [charts.Series(_("Fees"), "fees", [x.fees for x in m])],
                money,
                lambda minor: charts.compact(minor / 100),
            ),
        },
        {
            "key": "disputes",
            "chart": chart(
                _("Disputes opened, by outcome"),
                [
                    charts.Series(_("Released to the creator"), "release", [x.released for x in m]),
                    charts.Series(_("Refunded to the brand"), "refund", [x.refunded for x in m]),
                    charts.Series(_("Split"), "split", [x.split for x in m]),
                    charts.Series(_("Still open"), "open", [x.still_open for x in m]),
                ],
                count,
            ),
        },
        {
            "key": "first-offer",
            "chart": chart(
                _("Median time to first offer (hours)"),
                [charts.Series(_("Hours"), "time", [x.median_first_offer_hours for x in m])],
                lambda hours: number_format(hours, decimal_pos=1),
            ),
        },
        {
            "key": "fairness",
            "chart": chart(
                _("New creators offered work within 30 days (%)"),
                [charts.Series(_("Share"), "fairness", [None if x.fairness is None else 100 * x.fairness for x in m])],
                lambda pct: f"{number_format(pct, decimal_pos=1)} %",
            ),
        },
    ]
