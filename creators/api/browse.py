"""What brands see of creators through the API: one creator's profile with the value indices, and the
creator directory (filters, a sort by any index or followers, cursor pages).

The directory is for brand members and staff; the profile also for the creator themselves. The
authenticity score is for brands and staff only (a hint for buyers, never a verdict on the creator).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from creators import directory, selectors
from creators.api.profile import CreatorPublicSerializer
from creators.forms import COUNTRY_CODE
from creators.models import MAX_FOLLOWERS, STAGE_NAMES, Creator, Platform
from marketplace.core import NotAllowed
from marketplace.core.api.common import ERROR_BODY, Pagination, page_size_parameter
from marketplace.core.api.fields import StrictCharField, query_data, validated
from marketplace.core.models import Interest
from marketplace.core.params import SEARCH_MAX_LENGTH

READ_ERRORS = {401: ERROR_BODY, 403: ERROR_BODY}
INDEX_HELP = (
    "Percentiles (0–100) within the creator's main interest, recomputed nightly (docs/indices.md); "
    "null until first computed, for value for money without a 21–60 s price, and for conversion until the "
    "creator's delivered posts have 1,000 views."
)


class IndicesSerializer(serializers.Serializer):
    reach = serializers.FloatField(source="index_reach", allow_null=True)
    seeding = serializers.FloatField(source="index_seeding", allow_null=True)
    value = serializers.FloatField(source="index_value", allow_null=True, help_text="Value for money.")
    growth = serializers.FloatField(source="index_growth", allow_null=True)
    conversion = serializers.FloatField(
        source="index_conversion",
        allow_null=True,
        help_text="Clicks and conversions per delivered view; null until delivered posts have 1,000 views.",
    )


class AuthenticitySerializer(serializers.Serializer):
    score = serializers.FloatField(
        source="authenticity_score", allow_null=True, help_text="0 (nothing unusual) to 1 (strongly unusual)."
    )
    flags = serializers.ListField(
        child=serializers.CharField(), source="authenticity_flags", help_text="The signals behind the score."
    )
    warning = serializers.SerializerMethodField(help_text="Whether the creator page shows a warning (score ≥ 0.5).")

    def get_warning(self, creator: Creator) -> bool:
        score = creator.authenticity_score
        return score is not None and score >= selectors.AUTHENTICITY_WARNING


class CreatorDetailSerializer(CreatorPublicSerializer):
    """The creator page as data: the profile, the value indices and, for brands and staff, the anomaly score."""

    indices = serializers.SerializerMethodField(help_text=INDEX_HELP)
    indices_at = serializers.DateTimeField(allow_null=True, help_text="When the indices were last computed.")
    growth_stage = serializers.ChoiceField(choices=STAGE_NAMES, help_text="As recorded by the nightly job.")
    authenticity = serializers.SerializerMethodField(
        help_text="Brand members and staff only (null for the creator): a warning, never a ban."
    )

    @extend_schema_field(IndicesSerializer)
    def get_indices(self, creator: Creator) -> dict:
        return IndicesSerializer(creator).data

    @extend_schema_field(AuthenticitySerializer(allow_null=True))
    def get_authenticity(self, creator: Creator) -> dict | None:
        return AuthenticitySerializer(creator).data if self.context.get("show_authenticity") else None


class CreatorDetailApi(APIView):
    @extend_schema(
        operation_id="creators_retrieve",
        summary="A creator's profile as brands see it, with the value indices",
        description="Brand members see active creators, staff any creator, a creator only themselves; "
        "anything else is a 404. The authenticity score is shown to brand members and staff only.",
        responses={200: CreatorDetailSerializer, **READ_ERRORS, 404: ERROR_BODY},
    )
    def get(self, request, handle: str):
        try:
            creator = selectors.creator_detail_for_viewer(handle=handle, user=request.user)
        except Http404:
            raise exceptions.NotFound(_("No such creator.")) from None
        except PermissionDenied:
            raise NotAllowed(_("Only brand members, staff and creators can see creator profiles.")) from None
        context = {"show_authenticity": selectors.sees_authenticity(request.user)}
        return Response(CreatorDetailSerializer(creator, context=context).data)


# ------------------------------------------------------------------ directory


class DirectoryQuerySerializer(serializers.Serializer):
    q = StrictCharField(
        max_length=SEARCH_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Words of a name, handle, bio, recent content or label; every word must match, Latin words as "
        "prefixes, Chinese by characters and pairs of characters (docs/finding-creators.md).",
    )
    interest = serializers.IntegerField(min_value=1, required=False, help_text="An interest id (IAB tier 1).")
    platform = serializers.ChoiceField(choices=Platform.choices, required=False)
    country = serializers.RegexField(
        COUNTRY_CODE, max_length=8, required=False, help_text="CN also finds CN-GD, CN-SH, …; CN-GD only itself."
    )
    followers_min = serializers.IntegerField(min_value=0, max_value=MAX_FOLLOWERS, required=False)
    followers_max = serializers.IntegerField(min_value=0, max_value=MAX_FOLLOWERS, required=False)
    min_index_reach = serializers.FloatField(min_value=0, max_value=100, required=False)
    min_index_seeding = serializers.FloatField(min_value=0, max_value=100, required=False)
    min_index_value = serializers.FloatField(min_value=0, max_value=100, required=False)
    min_index_growth = serializers.FloatField(min_value=0, max_value=100, required=False)
    min_index_conversion = serializers.FloatField(min_value=0, max_value=100, required=False)
    sort = serializers.ChoiceField(
        choices=list(directory.SORTS), default=directory.DEFAULT_SORT, help_text="Always best first (descending)."
    )

    def validate_interest(self, value: int) -> int:
        if not Interest.objects.filter(pk=value).exists():
            raise serializers.ValidationError(_("Unknown interest."))
        return value

    def validate(self, data: dict) -> dict:
        low, high = data.get("followers_min"), data.get("followers_max")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"followers_max": [_("Give a maximum at or above the minimum.")]})
        return data

    def query(self) -> directory.DirectoryQuery:
        data = self.validated_data
        return directory.DirectoryQuery(
            interest=data.get("interest"),
            platform=data.get("platform", ""),
            country=data.get("country", "").upper(),
            followers_min=data.get("followers_min"),
            followers_max=data.get("followers_max"),
            min_index=tuple((name, data[f"min_{name}"]) for name in directory.INDEX_FIELDS if f"min_{name}" in data),
            sort=data["sort"],
            text=data.get("q", ""),
        )


class CreatorListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    handle = serializers.CharField()
    display_name = serializers.CharField()
    platform = serializers.ChoiceField(choices=Platform.choices)
    platform_handle = serializers.CharField(help_text="The account name on the platform; empty when unknown.")
    country = serializers.CharField()
    verification = serializers.CharField()
    followers = serializers.IntegerField()
    median_views_30d = serializers.IntegerField(allow_null=True, help_text="null: unknown (not zero).")
    engagement_rate = serializers.FloatField(allow_null=True, help_text="null: unknown (not zero).")
    indices = serializers.SerializerMethodField(help_text=INDEX_HELP)
    indices_at = serializers.DateTimeField(allow_null=True)
    authenticity_score = serializers.FloatField(allow_null=True, help_text="0–1; brand members and staff see it.")

    @extend_schema_field(IndicesSerializer)
    def get_indices(self, creator: Creator) -> dict:
        return IndicesSerializer(creator).data


CreatorPageSerializer = inline_serializer(
    name="CreatorPage",
    fields={
        "next": serializers.URLField(allow_null=True, help_text="The next page, or null on the last one."),
        "previous": serializers.URLField(allow_null=True, help_text="Always null: pages go forward only."),
        "results": CreatorListItemSerializer(many=True),
    },
)


class CursorSerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False)


class DirectoryPagination(Pagination):
    page_size = directory.PAGE_SIZE
    max_page_size = directory.MAX_PAGE_SIZE


class CreatorListApi(APIView):
    @extend_schema(
        operation_id="creators_list",
        summary="Browse creators: filters, a sort by any value index or followers (brand members and staff)",
        description="Active creators matching every filter given, best first by ``sort`` (unknown indices "
        "last, then by id). Pages are cursors: follow ``next``; there is no total count.",
        parameters=[
            DirectoryQuerySerializer,
            OpenApiParameter("cursor", OpenApiTypes.STR, description="The cursor from a previous page's next."),
            page_size_parameter(default=directory.PAGE_SIZE, most=directory.MAX_PAGE_SIZE),
        ],
        responses={200: CreatorPageSerializer, 400: ERROR_BODY, **READ_ERRORS},
    )
    def get(self, request):
        if not directory.can_browse(request.user):
            raise NotAllowed(_("Only brand members and staff can browse creators."))
        query = DirectoryQuerySerializer(data=query_data(request, DirectoryQuerySerializer))
        validated(query)
        size = DirectoryPagination().get_page_size(request)
        cursor = query_data(request, CursorSerializer).get("cursor")
        page = directory.directory_page(user=request.user, query=query.query(), cursor=cursor, size=size)
        next_url = None
        if page.next_cursor:
            next_url = replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor)
        results = CreatorListItemSerializer(page.creators, many=True).data
        return Response({"next": next_url, "previous": None, "results": results})
