"""Campaign results in the API: record one day's counts (the creator), read a collaboration's or an order's report.

The figures are orders.reports' — the same the pages show: counts as integers, cost ratios
(CPM, CPE, cost per conversion) rounded half up to whole minor units (``*_minor``), the engagement
rate as a fraction, null while a divisor is zero.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core.api.common import error_responses
from marketplace.core.api.fields import RequestSerializer, StrictFloatField, StrictIntegerField, validated
from marketplace.core.audience import region_names
from orders.api.common import JsonPost, _party
from orders.api.orders import order_for
from orders.models import ResultSnapshot
from orders.reports import CollaborationReport, Figures, OrderReport, as_minor, collaboration_report, order_report
from orders.selectors import deals as reads
from orders.services.results import MAX_COUNT, result_record

DAYS = ResultSnapshot.Day.values


# ------------------------------------------------------------------ serializers


def _count(**kwargs) -> StrictIntegerField:
    return StrictIntegerField(min_value=0, max_value=MAX_COUNT, **kwargs)


class ResultRequestSerializer(RequestSerializer):
    """One day's counts: whole numbers as JSON integers (0 to 10^11, MAX_COUNT); completion as a fraction 0–1.

    A count left out keeps what the day holds (a correction of one count keeps the others), or is 0 on a
    new day, where views must be given."""

    day = StrictIntegerField(help_text="Days after publishing: 1, 3, 7, 14 or 30.")
    views = _count(required=False)
    likes = _count(required=False)
    comments = _count(required=False)
    shares = _count(required=False)
    completion_rate = StrictFloatField(
        min_value=0, max_value=1, required=False, allow_null=True, help_text="A fraction from 0 to 1."
    )
    clicks = _count(required=False)
    conversions = _count(required=False)

    def validate_day(self, value: int) -> int:
        if value not in DAYS:
            raise serializers.ValidationError(_("Choose day 1, 3, 7, 14 or 30."))
        return value


class ResultSnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResultSnapshot
        fields = [
            "day",
            "views",
            "likes",
            "comments",
            "shares",
            "completion_rate",
            "clicks",
            "conversions",
            "source",
            "recorded_at",
        ]
        read_only_fields = fields


class FiguresSerializer(serializers.Serializer):
    """The cost ratios (CPM, CPE, cost per conversion) are null without their denominator, and always for a
    practice deal, whose price nobody pays."""

    views = serializers.IntegerField(allow_null=True)
    engagements = serializers.IntegerField(allow_null=True, help_text="likes + comments + shares")
    conversions = serializers.IntegerField(allow_null=True)
    cpm_minor = serializers.IntegerField(allow_null=True, help_text="cost / views × 1000, in minor units")
    cpe_minor = serializers.IntegerField(allow_null=True, help_text="cost / engagements, in minor units")
    engagement_rate = serializers.FloatField(allow_null=True, help_text="engagements / views")
    cost_per_conversion_minor = serializers.IntegerField(allow_null=True)


class FlagSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="engagement, views, completion, likes_fell, comments_fell, conversions_fell")
    day = serializers.IntegerField(help_text="The newest day showing it")
    text = serializers.CharField()


class CollaborationReportSerializer(serializers.Serializer):
    collaboration = serializers.IntegerField()
    order = serializers.IntegerField()
    creator = serializers.IntegerField()
    creator_handle = serializers.CharField()
    creator_name = serializers.CharField()
    status = serializers.CharField()
    currency = serializers.CharField()
    cost_minor = serializers.IntegerField()
    expected = FiguresSerializer(help_text="Frozen when the offer was sent (docs/indices.md, Expected vs actual).")
    actual = FiguresSerializer(help_text="From the latest result snapshot; nulls until one is recorded.")
    views_vs_expected = serializers.FloatField(allow_null=True, help_text="actual views / expected views")
    latest_day = serializers.IntegerField(allow_null=True)
    flags = FlagSerializer(
        many=True, help_text="Unusual figures: possible, saved, and to be checked with the creator (the report's)."
    )
    snapshots = ResultSnapshotSerializer(many=True, required=False)


class DayTotalsSerializer(serializers.Serializer):
    day = serializers.IntegerField()
    views = serializers.IntegerField()
    engagements = serializers.IntegerField()


class ReachSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Region code (ISO 3166) or age bucket")
    name = serializers.CharField()
    views = serializers.IntegerField(help_text="Views weighted by the creators' audience mix, rounded")


class OrderReportSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    currency = serializers.CharField()
    spend_minor = serializers.IntegerField(
        help_text="What the brand pays: each deal's agreed price, or once its escrow is settled what the creator side "
        "received (money returned to the brand is not spent)"
    )
    measured = serializers.IntegerField(help_text="How many of them have results")
    measured_spend_minor = serializers.IntegerField(help_text="Their cost: the numerator of the actual ratios")
    expected = FiguresSerializer()
    actual = FiguresSerializer()
    views_vs_expected = serializers.FloatField(allow_null=True)
    collaborations = CollaborationReportSerializer(many=True)
    by_day = DayTotalsSerializer(many=True)
    audience_regions = ReachSerializer(many=True)
    audience_ages = ReachSerializer(many=True)


# ------------------------------------------------------------------ shaping


def figures_data(f: Figures) -> dict:
    return {
        "views": f.views,
        "engagements": f.engagements,
        "conversions": f.conversions,
        "cpm_minor": as_minor(f.cpm),
        "cpe_minor": as_minor(f.cpe),
        "engagement_rate": f.engagement_rate,
        "cost_per_conversion_minor": as_minor(f.cost_per_conversion),
    }


def collaboration_report_data(report: CollaborationReport, *, snapshots: bool = True) -> dict:
    c = report.collaboration
    data = {
        "collaboration": c.pk,
        "order": c.order_id,
        "creator": c.creator_id,
        "creator_handle": c.creator.handle,
        "creator_name": c.creator.display_name,
        "status": c.status,
        "currency": c.currency,
        "cost_minor": report.cost,
        "expected": figures_data(report.expected),
        "actual": figures_data(report.actual),
        "views_vs_expected": report.views_vs_expected,
        "latest_day": report.latest.day if report.latest else None,
        "flags": [{"code": f.code, "day": f.day, "text": f.text} for f in report.flags],
    }
    if snapshots:
        data["snapshots"] = report.snapshots
    return data


def order_report_data(report: OrderReport) -> dict:
    names = region_names(code for code, _v in report.audience_regions)
    return {
        "order": report.order.pk,
        "currency": report.order.currency,
        "spend_minor": report.spend,
        "measured": report.measured,
        "measured_spend_minor": report.measured_spend,
        "expected": figures_data(report.expected_totals),
        "actual": figures_data(report.totals),
        "views_vs_expected": report.views_vs_expected,
        "collaborations": [collaboration_report_data(r, snapshots=False) for r in report.rows],
        "by_day": report.by_day,
        "audience_regions": [
            {"key": code, "name": names.get(code, code), "views": round(v)} for code, v in report.audience_regions
        ],
        "audience_ages": [{"key": bucket, "name": bucket, "views": round(v)} for bucket, v in report.audience_ages],
    }


# ------------------------------------------------------------------ views


class CollaborationResultCreateApi(JsonPost, APIView):
    @extend_schema(
        summary="Record (or correct) one day's results of a published collaboration (its creator)",
        description="Entering a day again replaces its counts. The report follows the newest day.",
        request=ResultRequestSerializer,
        responses={201: ResultSnapshotSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        c, side = _party(request, pk)
        if side != "creator":  # the page's rule too: the counts are the creator's to report
            raise PermissionDenied(_("Only the creator of this collaboration records its results."))
        data = dict(validated(ResultRequestSerializer(data=request.data)))
        day = data.pop("day")
        snapshot = result_record(
            collaboration_id=c.pk, actor=request.user, day=day, values=data, source=ResultSnapshot.Source.API
        )
        return Response(ResultSnapshotSerializer(snapshot).data, status=201)


class CollaborationReportApi(APIView):
    @extend_schema(
        summary="A collaboration's results: expected vs actual and every snapshot (the parties, staff)",
        responses={200: CollaborationReportSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        c, _side = reads.collaboration_for_viewer(user=request.user, pk=pk)
        return Response(CollaborationReportSerializer(collaboration_report_data(collaboration_report(c))).data)


class OrderReportApi(APIView):
    @extend_schema(
        summary="An order's campaign report: totals, per creator, by day, audience reached (brand members)",
        responses={200: OrderReportSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        order = order_for(request, pk)
        return Response(OrderReportSerializer(order_report_data(order_report(order))).data)
