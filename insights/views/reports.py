"""The campaign report of an order (brand members): totals, per-creator table, charts, CSV, results upload.

The figures come from orders.reports (the formulas live there); this module only arranges them
for the page, the CSV and the charts (marketplace.core.charts, drawn as inline SVG without scripts).
"""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from brands.access import brand_member_required
from marketplace.core import (
    CsvWriter,
    DomainError,
    NotAllowed,
    charts,
    currency_label,
    format_money,
    minor_to_decimal_str,
)
from marketplace.core.audience import region_name
from orders.forms.results import ResultsUploadForm
from orders.models import Order
from orders.reports import CollaborationReport, Figures, OrderReport, as_minor, figure_rows, order_report
from orders.results_import import MAX_ERRORS, ImportFailed, parse, results_upload
from orders.selectors.orders import order_get_for_user

# ------------------------------------------------------------------ pages


def _report_context(request, order: Order, *, upload_form=None, upload_errors=None, upload_total=0) -> dict:
    report = order_report(order)
    return {
        "order": order,
        "report": report,
        "figures": figure_rows(report.expected_totals, report.totals),
        "charts": report_charts(report),
        "can_upload": request.membership.can_edit_orders,
        "upload_form": upload_form or ResultsUploadForm(),
        "upload_errors": upload_errors or [],
        "upload_more": max(upload_total - len(upload_errors or []), 0),
    }


@brand_member_required
@require_GET
def order_report_view(request, pk: int):
    order = order_get_for_user(user=request.user, pk=pk)
    return render(request, "insights/order_report.html", _report_context(request, order))


@brand_member_required
@require_GET
def order_report_csv(request, pk: int):
    """The per-creator table and its totals row as CSV (money in major units, as decimal text)."""
    order = order_get_for_user(user=request.user, pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="campaign-report-order-{order.pk}.csv"'
    response.write(report_csv(order_report(order)))
    return response


@brand_member_required(editor=True)
@require_POST
def order_results_upload(request, pk: int):
    """Import a results CSV for this order: every row checked first, nothing imported if any is wrong."""
    order = order_get_for_user(user=request.user, pk=pk)
    form = ResultsUploadForm(request.POST, request.FILES)
    errors, total = [], 0
    if form.is_valid():
        try:
            rows = _parse_upload(form.cleaned_data["file"], order_id=order.pk)
            count = results_upload(order_id=order.pk, actor=request.user, rows=rows)
        except ImportFailed as failed:
            errors, total = failed.errors[:MAX_ERRORS], failed.total
        except NotAllowed as exc:
            raise PermissionDenied(exc.detail) from exc
        except DomainError as exc:
            errors, total = [exc.detail], 1
        else:
            messages.success(request, _("Imported %(n)s result rows.") % {"n": count})
            return redirect("orders:report", pk=order.pk)
    context = _report_context(request, order, upload_form=form, upload_errors=errors, upload_total=total)
    return render(request, "insights/order_report.html", context, status=400)


def _parse_upload(upload, *, order_id: int) -> list:
    """The checked rows of an uploaded file; unreadable text is reported like a bad row."""
    text = io.TextIOWrapper(upload.file, encoding="utf-8-sig", newline="")
    try:
        return parse(text, order_id=order_id)
    except UnicodeDecodeError as exc:
        raise ImportFailed([_("The file is not UTF-8 text (byte %(n)s).") % {"n": exc.start}], 1) from exc
    except csv.Error as exc:
        raise ImportFailed([_("The file is not a readable CSV: %(reason)s") % {"reason": exc}], 1) from exc
    finally:
        text.detach()


# ------------------------------------------------------------------ CSV

CSV_HEADER = [
    "collaboration",
    "creator",
    "handle",
    "status",
    "currency",
    "cost",
    "views",
    "expected_views",
    "engagements",
    "expected_engagements",
    "conversions",
    "engagement_rate",
    "cpm",
    "expected_cpm",
    "cpe",
    "expected_cpe",
    "cost_per_conversion",
    "views_vs_expected",
    "unusual_figures",
]


def report_csv(report: OrderReport) -> str:
    out = io.StringIO()
    writer = CsvWriter(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in report.rows:
        c = row.collaboration
        writer.writerow(
            [
                c.pk,
                c.creator.display_name,
                c.creator.handle,
                c.status,
                c.currency,
                _money(row.cost),
                *_figure_cells(row.actual, row.expected),
                _ratio(row.views_vs_expected),
                " ".join(f.text for f in row.flags),
            ]
        )
    writer.writerow(
        [
            *["total", "", "", "", report.order.currency, _money(report.spend)],
            *_figure_cells(report.totals, report.expected_totals),
            _ratio(report.views_vs_expected),
            "",
        ]
    )
    return out.getvalue()


def _figure_cells(actual: Figures, expected: Figures) -> list:
    return [
        _count(actual.views),
        _count(expected.views),
        _count(actual.engagements),
        _count(expected.engagements),
        _count(actual.conversions),
        _ratio(actual.engagement_rate),
        _money(actual.cpm),
        _money(expected.cpm),
        _money(actual.cpe),
        _money(expected.cpe),
        _money(actual.cost_per_conversion),
    ]


def _count(value: int | None) -> str:
    return "" if value is None else str(value)


def _money(minor: float | None) -> str:
    return "" if minor is None else minor_to_decimal_str(as_minor(minor))


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


# ------------------------------------------------------------------ charts


def report_charts(report: OrderReport) -> list[dict]:
    """The report's charts in page order: ``{"key", "template", "chart"}`` for the partials."""
    currency = report.order.currency
    names = [r.collaboration.creator.display_name for r in report.rows]
    days = [d["day"] for d in report.by_day]
    bars, lines = "marketplace/_chart_bars.html", "marketplace/_chart_lines.html"
    return [
        {"key": "spend", "template": bars, "chart": _spend_chart(report.rows, names, currency)},
        {"key": "views-by-day", "template": lines, "chart": _day_chart(report, days, "views", _("Views"))},
        {
            "key": "engagements-by-day",
            "template": lines,
            "chart": _day_chart(report, days, "engagements", _("Engagements")),
        },
        {"key": "expected-vs-actual", "template": bars, "chart": _expected_chart(report.rows, names)},
        {
            "key": "regions",
            "template": bars,
            "chart": charts.grouped_bar_chart(
                _("Audience reached by region (views)"),
                [region_name(code) for code, _v in report.audience_regions],
                [charts.Series(_("Views reached"), "reach", [v for _c, v in report.audience_regions])],
                category_header=_("Region"),
                value_format=_whole,
            ),
        },
        {
            "key": "ages",
            "template": bars,
            "chart": charts.grouped_bar_chart(
                _("Audience reached by age (views)"),
                [bucket for bucket, _v in report.audience_ages],
                [charts.Series(_("Views reached"), "reach", [v for _b, v in report.audience_ages])],
                category_header=_("Age"),
                horizontal=False,
                value_format=_whole,
            ),
        },
    ]


def _spend_chart(rows: list[CollaborationReport], names: list[str], currency: str) -> charts.GroupedBarChart:
    return charts.grouped_bar_chart(
        _("Spend by creator (%(currency)s)") % {"currency": currency_label(currency)},
        names,
        [charts.Series(_("Spend"), "spend", [r.cost for r in rows])],
        category_header=_("Creator"),
        axis_format=lambda minor: charts.compact(minor / 100),
        value_format=lambda minor: format_money(as_minor(minor), currency),
    )


def _day_chart(report: OrderReport, days: list[int], field: str, name: str) -> charts.LineChart:
    return charts.line_chart(
        _("%(what)s by day after publishing (all creators)") % {"what": name},
        days,
        [charts.Series(name, field, [d[field] for d in report.by_day])],
        x_header=_("Day"),
        x_format=lambda day: _("Day %(n)s") % {"n": int(day)},
        x_tick_format=lambda day: str(int(day)),
        value_format=_whole,
    )


def _expected_chart(rows: list[CollaborationReport], names: list[str]) -> charts.GroupedBarChart:
    return charts.grouped_bar_chart(
        _("Expected vs actual views per creator"),
        names,
        [
            charts.Series(_("Expected views"), "expected", [r.expected.views for r in rows]),
            charts.Series(_("Actual views"), "actual", [r.actual.views for r in rows]),
        ],
        category_header=_("Creator"),
        value_format=_whole,
    )


def _whole(value: float) -> str:
    return f"{round(value):,}"
