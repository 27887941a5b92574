"""Matching operations of the API: an order's ranked creators, "why not?", re-ranking, and search.

Ranked lists and "why not?" belong to the order's brand (another brand's order is a 404);
search is for brand members and staff (creators get 403).
"""

from __future__ import annotations

import math

from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from brands.access import EDITOR, seat_allows
from brands.selectors import membership_for_user
from creators.models import MAX_FOLLOWERS, Creator
from creators.selectors import active_creator_by_handle
from marketplace.core import MAX_AMOUNT, Conflict, NotAllowed
from marketplace.core.api.common import ERROR_BODY, JSONParser, Pagination, page_size_parameter
from marketplace.core.api.fields import StrictCharField, query_data, validated
from marketplace.core.audience import canonical_region, regions
from marketplace.core.fastpaths import PlainRows
from marketplace.core.models import ProductCategory
from marketplace.core.params import whole_number
from marketplace.core.roles import role_of
from marketplace.core.throttles import FailOpen
from matching import scoring, selectors, services
from orders.api.orders import order_for

MAX_TOP = 100
READ_ERRORS = {400: ERROR_BODY, 401: ERROR_BODY, 403: ERROR_BODY}


def _number(value: float) -> float:
    """A score as JSON can carry it: rounded, and 0 for the non-finite values JSON has no word for."""
    return round(float(value), 6) if math.isfinite(value) else 0.0


# ------------------------------------------------------------- serializers


class CreatorBasicsSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    handle = serializers.CharField()
    display_name = serializers.CharField()
    followers = serializers.IntegerField()
    platform = serializers.CharField()
    country = serializers.CharField()


# What CreatorBasicsSerializer gives, built directly for lists: a serializer per row (its fields deep-copied
# each time) cost more than everything else in a ranked page (marketplace/core/fastpaths.py).
creator_basics = PlainRows(CreatorBasicsSerializer).one


class RankingRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField(source="order_id")
    status = serializers.CharField(help_text="queued, running, done or failed.")
    trigger = serializers.CharField()
    model_version = serializers.CharField()
    snapshot_version = serializers.CharField()
    eligible = serializers.IntegerField(source="eligible_count", allow_null=True)
    considered = serializers.IntegerField(source="considered_count", allow_null=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    duration_ms = serializers.IntegerField(allow_null=True)


class MatchReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField(help_text="The reason in the caller's language.")
    data = serializers.DictField(help_text="The reason as stored: its code and the numbers behind the text.")


MatchComponentsSerializer = inline_serializer(
    name="MatchComponents", fields={c: serializers.FloatField() for c in scoring.COMPONENTS}
)


class MatchSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    creator = CreatorBasicsSerializer()
    price_minor = serializers.IntegerField(help_text="The creator's rate-card price for the order's format.")
    currency = serializers.CharField()
    expected_views = serializers.IntegerField(
        allow_null=True, help_text="The creator's median views; null when unknown (not zero)."
    )
    match_score = serializers.IntegerField(
        help_text="0–100: the score on the hand score's scale (the learned model's adjustment included)."
    )
    score = serializers.FloatField()
    hand_score = serializers.FloatField()
    components = MatchComponentsSerializer
    reasons = MatchReasonSerializer(many=True)


class MatchPageSerializer(serializers.Serializer):
    run = RankingRunSerializer(allow_null=True, help_text="The order's latest ranking run; null before any.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = MatchSerializer(many=True)


class MatchFilterSerializer(serializers.Serializer):
    min_followers = serializers.IntegerField(min_value=0, max_value=MAX_FOLLOWERS, required=False)
    max_followers = serializers.IntegerField(min_value=0, max_value=MAX_FOLLOWERS, required=False)
    max_price_minor = serializers.IntegerField(min_value=1, max_value=MAX_AMOUNT, required=False)
    region = serializers.CharField(
        max_length=8, required=False, help_text="Region code; keeps creators with at least 20 % audience there."
    )

    def validate_region(self, value: str) -> str:
        value = canonical_region(value)
        if value not in regions():
            raise serializers.ValidationError(_("Unknown region code."))
        return value

    def filters(self) -> dict:
        data = dict(self.validated_data)
        if "max_price_minor" in data:
            data["max_price"] = data.pop("max_price_minor")
        return data


class MatchPagination(Pagination):
    """The ranked list in rank order, 25 a page; page sizes as every list reads them."""

    ordering = "rank"
    page_size = 25


PAGE_PARAMETERS = [
    OpenApiParameter("cursor", OpenApiTypes.STR, description="The cursor from a previous page's next/previous."),
    page_size_parameter(default=MatchPagination.page_size, most=MatchPagination.max_page_size),
]


def _reasons(result, names: dict, currency: str) -> list[dict]:
    return [
        {"code": str(x.get("code", "")), "text": selectors.reason_text(x, names, currency), "data": x}
        for x in result.reasons
    ]


def _match_row(result, names: dict, currency: str) -> dict:
    return {
        "rank": result.rank,
        "creator": creator_basics(result.creator),
        "price_minor": result.price,
        "currency": currency,
        "expected_views": result.expected_views,
        "match_score": selectors.match_score(result.score),
        "score": _number(result.score),
        "hand_score": _number(result.hand_score),
        "components": {c: _number(getattr(result, c)) for c in scoring.COMPONENTS},
        "reasons": _reasons(result, names, currency),
    }


# ------------------------------------------------------------- ranked list


class OrderMatchesApi(APIView):
    @extend_schema(
        operation_id="orders_matches",
        summary="The order's latest ranking and its ranked creators",
        description="Results of the latest run, best first, with the six score components and the reasons "
        "(as text and as stored). Filters narrow the stored list; they do not start a new run. `run` is null "
        "until the order has a ranking run: for a moment after publishing (the worker queues the run from the "
        "publish), so poll until `run.status` is done or failed.",
        parameters=[MatchFilterSerializer, *PAGE_PARAMETERS],
        responses={200: MatchPageSerializer, **READ_ERRORS, 404: ERROR_BODY},
    )
    def get(self, request, pk: int):
        order = order_for(request, pk)
        query = MatchFilterSerializer(data=query_data(request, MatchFilterSerializer))
        validated(query)
        run = selectors.latest_run(order)
        body = {"run": None, "next": None, "previous": None, "results": []}
        if run is None:
            return Response(body)
        paginator = MatchPagination()
        page = paginator.paginate_queryset(selectors.results_query(run, filters=query.filters()), request, view=self)
        names = selectors.reason_names(page)
        body.update(
            run=RankingRunSerializer(run).data,
            next=paginator.get_next_link(),
            previous=paginator.get_previous_link(),
            results=[_match_row(r, names, order.currency) for r in page],
        )
        return Response(body)


class RerankThrottle(FailOpen, SimpleRateThrottle):
    """ "Rank again" per brand (THROTTLE_RERANK): every editor of a brand, on the page or through the API,
    counts against one rate. Others are refused before a ranking is asked for, so they are not counted.
    While Redis is down it fails open (FailOpen): a rerank is queued through the outbox and runs after."""

    scope = "rerank"

    def get_rate(self):
        # Read on every request (DRF reads rates once at import): an operator's setting and a test's both apply.
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].get(self.scope)

    def get_cache_key(self, request, view):
        membership = membership_for_user(request.user)
        if not seat_allows(membership, EDITOR):
            return None
        return self.cache_format % {"scope": self.scope, "ident": f"brand-{membership.brand_id}"}


class OrderRerankApi(APIView):
    parser_classes = [JSONParser]
    throttle_classes = [RerankThrottle]

    @extend_schema(
        operation_id="orders_matches_rerank",
        summary="Rank a published order again (owners and managers)",
        description="Queues a new ranking run and returns it (202), or, while a run of the order is queued or "
        "running, returns that run; poll the matches for its status. At most THROTTLE_RERANK (default 30/hour) "
        "per brand, with the page's button.",
        request=None,
        responses={202: RankingRunSerializer, **READ_ERRORS, 404: ERROR_BODY, 409: ERROR_BODY, 429: ERROR_BODY},
    )
    def post(self, request, pk: int):
        order = order_for(request, pk, editor=True)
        if refusal := services.ranking_refusal(order):
            raise Conflict(refusal)
        run = services.ranking_request(order=order, actor=request.user, trigger="manual")
        return Response(RankingRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class WhyNotQuerySerializer(serializers.Serializer):
    creator = StrictCharField(max_length=65, help_text="The creator's handle (a leading @ is fine).")


class WhyNotReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()


class WhyNotSerializer(serializers.Serializer):
    creator = CreatorBasicsSerializer()
    eligible = serializers.BooleanField(help_text="True when the creator passes every eligibility filter.")
    reasons = WhyNotReasonSerializer(many=True)
    rank = serializers.IntegerField(
        allow_null=True,
        help_text="Rank in the latest finished run; for an eligible creator below it, their rank among every "
        "eligible creator now (by the hand score, computed on request).",
    )
    ranked_in_run = serializers.BooleanField(help_text="True when ``rank`` comes from the latest finished run.")
    match_score = serializers.IntegerField(
        allow_null=True, help_text="0–100 match score now, for an eligible creator below the stored list."
    )
    match_reasons = serializers.ListField(
        child=serializers.CharField(), help_text="What made that match score, largest first (empty otherwise)."
    )


class OrderWhyNotApi(APIView):
    @extend_schema(
        operation_id="orders_why_not",
        summary="Why a creator is or is not eligible for the order",
        parameters=[WhyNotQuerySerializer],
        responses={200: WhyNotSerializer, **READ_ERRORS, 404: ERROR_BODY},
    )
    def get(self, request, pk: int):
        order = order_for(request, pk)
        query = validated(WhyNotQuerySerializer(data=query_data(request, WhyNotQuerySerializer)))
        creator = active_creator_by_handle(query["creator"])
        if creator is None:
            raise exceptions.NotFound(_("No active creator has this handle."))
        codes = selectors.why_not(order, creator)
        rank = selectors.rank_of(order, creator)
        now = selectors.standing(order, creator) if not codes and rank is None else None
        return Response(
            {
                "creator": CreatorBasicsSerializer(creator).data,
                "eligible": not codes,
                "reasons": [{"code": c, "text": str(selectors.ELIGIBILITY_TEXT.get(c, c))} for c in codes],
                "rank": rank if rank is not None else (now or {}).get("rank"),
                "ranked_in_run": rank is not None,
                "match_score": (now or {}).get("match_score"),
                "match_reasons": (now or {}).get("reasons", []),
            }
        )


# ------------------------------------------------------------------ search


def _searcher(request) -> bool:
    """Brand members and staff may search (403 for anyone else); True when the caller is staff."""
    role = role_of(request.user)
    if role is None or not (role.is_brand or role.is_staff):
        raise NotAllowed(_("Only brand members and staff can search creators."))
    return role.is_staff


def _visible(results: list[dict], *, staff: bool) -> list[dict]:
    """Brand members see active creators only, as on the creator pages."""
    return [r for r in results if staff or r["creator"].is_active]


class TopSerializer(serializers.Serializer):
    top = serializers.IntegerField(min_value=1, max_value=MAX_TOP, default=20, help_text="How many results.")


class ContentQuerySerializer(TopSerializer):
    q = StrictCharField(max_length=200, help_text="Words to look for in labels, bios and recent titles.")


class ProductQuerySerializer(TopSerializer):
    category = StrictCharField(max_length=16, help_text="The IAB Ad Product 2.0 id of the product category.")

    def validate_category(self, value: str) -> ProductCategory:
        category = ProductCategory.objects.filter(iab_id=value).first()
        if category is None:
            raise serializers.ValidationError(_("No product category has this IAB id."))
        return category


# 1 to selectors.MAX_SEEDS ids of up to 9 digits, separated by commas (empty parts and spaces around them are fine).
SEED_LIST = rf"^[\s,]*[0-9]{{1,9}}(\s*,[\s,]*[0-9]{{1,9}}){{0,{selectors.MAX_SEEDS - 1}}}[\s,]*$"


def _seed_list_error() -> str:
    return _("Give between 1 and %(n)d creator ids separated by commas.") % {"n": selectors.MAX_SEEDS}


class LookalikeQuerySerializer(TopSerializer):
    creators = StrictCharField(
        max_length=400,
        validators=[RegexValidator(SEED_LIST, message=lazy(_seed_list_error, str)())],
        help_text="Comma-separated ids of up to 20 seed creators.",
    )

    def validate_creators(self, value: str) -> list[int]:
        ids = [whole_number(p.strip(), most=10**9 - 1) for p in value.split(",") if p.strip()]
        if not ids or len(ids) > selectors.MAX_SEEDS or any(i is None or i >= 10**9 for i in ids):
            raise serializers.ValidationError(_seed_list_error())
        return list(dict.fromkeys(ids))


class SearchResultSerializer(serializers.Serializer):
    creator = CreatorBasicsSerializer()
    score = serializers.FloatField()


class ContentResultSerializer(SearchResultSerializer):
    matched = serializers.ListField(child=serializers.CharField(), help_text="Query terms the creator matched.")


class ProductResultSerializer(SearchResultSerializer):
    prior = serializers.FloatField(help_text="How much of the creator's content suits the product (0–1).")
    history = serializers.FloatField(help_text="How their past orders in this category went (0–1).")


class ContentSearchPageSerializer(serializers.Serializer):
    results = ContentResultSerializer(many=True)


class ProductSearchPageSerializer(serializers.Serializer):
    results = ProductResultSerializer(many=True)


class LookalikeResultSerializer(SearchResultSerializer):
    shared_terms = serializers.ListField(
        child=serializers.CharField(), help_text="Words of the seeds' posts that weigh most in this creator's posts."
    )
    booked_by_same_brands = serializers.IntegerField(
        help_text="How many of the brands that booked the seeds booked this creator."
    )


class LookalikeSearchPageSerializer(serializers.Serializer):
    results = LookalikeResultSerializer(many=True)


def _creator_row(result: dict, *extra: str) -> dict:
    row = {"creator": creator_basics(result["creator"]), "score": _number(result["score"])}
    for key in extra:
        value = result[key]
        row[key] = _number(value) if isinstance(value, float) else value
    return row


class SearchContentApi(APIView):
    @extend_schema(
        operation_id="search_content",
        summary="Search creators by what their content is about",
        parameters=[ContentQuerySerializer],
        responses={200: ContentSearchPageSerializer, **READ_ERRORS},
    )
    def get(self, request):
        staff = _searcher(request)
        query = validated(ContentQuerySerializer(data=query_data(request, ContentQuerySerializer)))
        found = _visible(selectors.search_by_content(query["q"], top=query["top"]), staff=staff)
        return Response({"results": [_creator_row(r, "matched") for r in found]})


class SearchProductApi(APIView):
    @extend_schema(
        operation_id="search_product",
        summary="Search creators suited to a product category",
        parameters=[ProductQuerySerializer],
        responses={200: ProductSearchPageSerializer, **READ_ERRORS},
    )
    def get(self, request):
        staff = _searcher(request)
        query = validated(ProductQuerySerializer(data=query_data(request, ProductQuerySerializer)))
        found = _visible(selectors.search_by_product(query["category"], top=query["top"]), staff=staff)
        return Response({"results": [_creator_row(r, "prior", "history") for r in found]})


class SearchLookalikeApi(APIView):
    @extend_schema(
        operation_id="search_lookalike",
        summary="Search creators like the given ones",
        parameters=[LookalikeQuerySerializer],
        responses={200: LookalikeSearchPageSerializer, **READ_ERRORS},
    )
    def get(self, request):
        staff = _searcher(request)
        query = validated(LookalikeQuerySerializer(data=query_data(request, LookalikeQuerySerializer)))
        seeds = Creator.objects.filter(pk__in=query["creators"])
        if not staff:
            seeds = seeds.filter(is_active=True)
        known = set(seeds.values_list("pk", flat=True))
        if missing := [i for i in query["creators"] if i not in known]:
            raise serializers.ValidationError(
                {"creators": [_("Unknown creators: %(ids)s.") % {"ids": ", ".join(map(str, missing))}]}
            )
        found = _visible(selectors.search_lookalike(query["creators"], top=query["top"]), staff=staff)
        return Response({"results": [_creator_row(r, "shared_terms", "booked_by_same_brands") for r in found]})
