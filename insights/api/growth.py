"""The creator's growth path through the API: the same figures as the growth page (insights.growth)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from creators.models import STAGE_NAMES
from insights import growth
from marketplace.core import NotAllowed
from marketplace.core.api.common import ERROR_BODY
from marketplace.core.roles import role_of


class StageMarkSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=STAGE_NAMES, source="key")
    name = serializers.CharField()
    state = serializers.ChoiceField(choices=["passed", "current", "ahead"])


class GrowthFiguresSerializer(serializers.Serializer):
    completed_orders = serializers.IntegerField()
    accepted_orders = serializers.IntegerField()
    five_star_ratings = serializers.IntegerField()
    rating = serializers.FloatField(allow_null=True, help_text="Average brand rating, 1–5.")
    income_12m_minor = serializers.IntegerField(
        source="income_12m", help_text="Settled creator shares over the last 365 days, minor units."
    )


class StepSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    hint = serializers.CharField()
    url = serializers.CharField(help_text="The page where the step is taken.")
    progress = serializers.IntegerField()
    target = serializers.IntegerField()
    done = serializers.BooleanField()


class MissingSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["orders", "income", "rating"])
    have = serializers.SerializerMethodField(help_text="Orders, income in minor units, or rating (null: no rating).")
    need = serializers.SerializerMethodField()
    text = serializers.CharField()

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_have(self, item: growth.Missing) -> float | int | None:
        return item.have

    @extend_schema_field(OpenApiTypes.NUMBER)
    def get_need(self, item: growth.Missing) -> float | int:
        return item.need


class NextStageSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=STAGE_NAMES)
    name = serializers.CharField()
    missing = MissingSerializer(many=True)


class MonthIncomeSerializer(serializers.Serializer):
    month = serializers.SerializerMethodField(help_text="YYYY-MM, a calendar month in your time zone.")
    income_minor = serializers.IntegerField(source="amount")

    def get_month(self, item: growth.MonthIncome) -> str:
        return item.month.strftime("%Y-%m")


class NoviceTaskSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    done = serializers.BooleanField(help_text="Checked off from the data (the profile, the practice deal).")
    url = serializers.CharField(help_text="The page where the task is done.")


class GrowthSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=STAGE_NAMES, help_text="On today's figures, by the nightly job's rule.")
    stage_name = serializers.CharField()
    stages = StageMarkSerializer(many=True, source="path")
    figures = GrowthFiguresSerializer()
    currency = serializers.CharField()
    checklist = StepSerializer(many=True)
    income_by_month = MonthIncomeSerializer(many=True, source="income", help_text="The last 12 months, oldest first.")
    next_stage = NextStageSerializer(allow_null=True, help_text="Null at the last stage.")
    novice_tasks = serializers.SerializerMethodField(
        help_text="The novice tasks of the departure stage (docs/indices.md); empty past departure."
    )

    @extend_schema_field(NoviceTaskSerializer(many=True))
    def get_novice_tasks(self, data: growth.Growth) -> list:
        return NoviceTaskSerializer(data.novice.tasks if data.shows_novice else [], many=True).data


class CreatorGrowthApi(APIView):
    @extend_schema(
        operation_id="creator_growth_retrieve",
        summary="Your growth path: stage, next steps, income by month and what the next stage needs",
        description="Stage thresholds: GROWTH_STAGE_THRESHOLDS (docs/indices.md). Creators only.",
        responses={200: GrowthSerializer, 401: ERROR_BODY, 403: ERROR_BODY},
    )
    def get(self, request):
        role = role_of(request.user)
        if role is None or not role.is_creator:
            raise NotAllowed(_("Only creators have a growth path."))
        return Response(GrowthSerializer(growth.creator_growth(request.user.creator)).data)
