"""Order operations of the API for brand members: list, create, read, edit a draft, publish, close.

Every member of the order's brand reads; owners and managers write (403 for viewers); another
brand's order is a 404 on every route. Money is in integer minor units (``*_minor``).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from brands.access import EDITOR, MEMBER, brand_seat, refusal, seat_allows
from brands.models import BrandMembership
from marketplace.core import NotAllowed
from marketplace.core.api.common import (
    ERROR_BODY,
    IF_MATCH_HEADER,
    FilterBackend,
    JSONParser,
    Pagination,
    check_if_match,
    etag_for,
)
from marketplace.core.api.fields import (
    REGION_CODE,
    CatalogueNodeSerializer,
    CatalogueRefField,
    MinorAmountField,
    RequestSerializer,
    StrictBooleanField,
    StrictCharField,
    StrictFloatField,
    StrictIntegerField,
    WeightedLabelOutSerializer,
    resolve_refs,
    service_errors,
    validated,
)
from marketplace.core.audience import AGE_BUCKETS, GENDERS
from marketplace.core.fastpaths import PlainRows
from marketplace.core.models import ContentFormat, Label, ProductCategory
from orders.models import Order
from orders.selectors.orders import order_get_for_member, order_list_for_brand, order_target_labels
from orders.services.orders import OrderBrief, order_close, order_create, order_publish, order_update

DESCRIPTION_MAX = 20_000
MAX_TARGET_LABELS = 30
# The brief's field names where the API's differ (money says its unit).
API_NAMES = {
    "price_per_creator": "price_per_creator_minor",
    "total_budget": "total_budget_minor",
    "play_base": "play_base_minor",
    "play_rate": "play_rate_minor",
}
BRIEF_FIELDS = tuple(f.name for f in dataclasses.fields(OrderBrief))


# ------------------------------------------------------------------ access


def brand_membership(request, *, editor: bool = False) -> BrandMembership:
    """The caller's seat in their brand; 403 for non-members (and for viewers when ``editor``)."""
    return brand_seat(request.user, need=EDITOR if editor else MEMBER)


def order_for(request, pk: int, *, editor: bool = False) -> Order:
    """The caller's brand's order ``pk``: 403 for non-members, 404 for any other brand's order, then
    403 for a viewer when ``editor`` (so a viewer learns nothing about other brands' ids either)."""
    order = order_get_for_member(user=request.user, pk=pk)
    if order is None:
        brand_membership(request)  # a caller with no brand is refused for that, not told "not found"
        raise exceptions.NotFound(_("No such order."))
    if editor and not seat_allows(BrandMembership(role=order.member_role), EDITOR):
        raise NotAllowed(refusal(EDITOR))
    return order


# ------------------------------------------------------------- serializers


class TargetLabelInSerializer(RequestSerializer):
    label = CatalogueRefField()
    weight = StrictFloatField(min_value=0.01, max_value=1, required=False, default=1.0)


class OrderWriteSerializer(RequestSerializer):
    """The brief as a brand writes it. Status, brand, currency and dates set by the platform are not
    fields here: a client sending them gets a 400 naming them."""

    title = StrictCharField(max_length=200)
    description = StrictCharField(max_length=DESCRIPTION_MAX, allow_blank=True, required=False)
    product_name = StrictCharField(max_length=200)
    product_category = CatalogueRefField(
        required=False,
        allow_null=True,
        help_text="IAB Ad Product 2.0 id (string) or Starmap id (integer); a draft may leave it out, not a publish.",
    )
    goal = serializers.ChoiceField(choices=Order.Goal.choices, required=False)
    mode = serializers.ChoiceField(choices=Order.Mode.choices, required=False)
    format = serializers.ChoiceField(choices=ContentFormat.choices)
    # A ListField, not many=True: drf-spectacular puts a ListField's length limits into the schema.
    target_labels = serializers.ListField(child=TargetLabelInSerializer(), required=False, max_length=MAX_TARGET_LABELS)
    target_age = serializers.ListField(
        child=serializers.ChoiceField(choices=AGE_BUCKETS), required=False, max_length=len(AGE_BUCKETS)
    )
    target_gender = serializers.ListField(
        child=serializers.ChoiceField(choices=GENDERS), required=False, max_length=len(GENDERS)
    )
    target_regions = serializers.ListField(
        child=StrictCharField(max_length=8, validators=[RegexValidator(REGION_CODE)]),
        required=False,
        max_length=400,
        help_text="ISO 3166 region codes.",
    )
    min_region_share = StrictFloatField(min_value=0, max_value=1, required=False)
    price_per_creator_minor = MinorAmountField(required=False, allow_null=True)
    total_budget_minor = MinorAmountField(required=False, allow_null=True)
    price_tolerance_bps = StrictIntegerField(min_value=0, max_value=10_000, required=False)
    creators_wanted = StrictIntegerField(min_value=1, max_value=10_000, required=False)
    apply_by = serializers.DateTimeField(required=False, allow_null=True)
    script_by = serializers.DateTimeField(required=False, allow_null=True)
    publish_from = serializers.DateField(required=False, allow_null=True)
    publish_until = serializers.DateField(required=False, allow_null=True)
    usage_channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Order.UsageChannel.choices),
        required=False,
        max_length=len(Order.UsageChannel.choices),
    )
    usage_days = StrictIntegerField(min_value=0, max_value=3650, required=False)
    paid_ads_authorised = StrictBooleanField(required=False)
    script_rejection_limit = StrictIntegerField(min_value=0, max_value=10, required=False)
    video_revision_limit = StrictIntegerField(min_value=0, max_value=10, required=False)
    pricing = serializers.ChoiceField(
        choices=Order.Pricing.choices,
        required=False,
        help_text="per_play: base + rate per 10,000 plays, at most the price per creator (docs/deals.md).",
    )
    play_base_minor = MinorAmountField(required=False, allow_null=True, allow_zero=True)
    play_rate_minor = MinorAmountField(required=False, allow_null=True)

    def validate_product_category(self, value) -> ProductCategory | None:
        if value is None:
            return None
        category = ProductCategory.objects.filter(**{"pk" if isinstance(value, int) else "iab_id": value}).first()
        if category is None:
            raise serializers.ValidationError(_("No such product category."))
        return category

    def validate_target_labels(self, value: list[dict]) -> dict[int, float]:
        # A partial (PATCH) serializer skips missing nested fields instead of requiring them.
        if any("label" not in item for item in value):
            raise serializers.ValidationError(_("Give each target label its label."))
        found, missing = resolve_refs(Label, [item["label"] for item in value])
        if missing:
            raise serializers.ValidationError(
                _("Unknown labels: %(refs)s.") % {"refs": ", ".join(str(r) for r in missing)}
            )
        chosen = {found[item["label"]]: item.get("weight", 1.0) for item in value}
        if len(chosen) != len(value):
            raise serializers.ValidationError(_("Each label can be chosen only once."))
        return chosen


class OrderSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    product_name = serializers.CharField()
    product_category = CatalogueNodeSerializer(allow_null=True, help_text="null only on imported history without one.")
    goal = serializers.CharField()
    mode = serializers.CharField()
    format = serializers.CharField()
    status = serializers.CharField()
    currency = serializers.CharField()
    price_per_creator_minor = serializers.IntegerField(source="price_per_creator", allow_null=True)
    total_budget_minor = serializers.IntegerField(source="total_budget", allow_null=True)
    creators_wanted = serializers.IntegerField()
    apply_by = serializers.DateTimeField(allow_null=True)
    script_by = serializers.DateTimeField(allow_null=True)
    publish_from = serializers.DateField(allow_null=True)
    publish_until = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)


# A list row is read as plain values (no model instances: a page of 20 orders was 42 of them, each with
# every column of the brief decoded) and written without a serializer per row (a tenth of a list
# request): the fast path copies OrderSummarySerializer's fields (marketplace/core/fastpaths.py).
order_summaries = PlainRows(OrderSummarySerializer)
SUMMARY_COLUMNS = order_summaries.columns


class OrderSerializer(OrderSummarySerializer):
    description = serializers.CharField()
    target_labels = serializers.SerializerMethodField()
    target_age = serializers.ListField(child=serializers.CharField())
    target_gender = serializers.ListField(child=serializers.CharField())
    target_regions = serializers.ListField(child=serializers.CharField())
    min_region_share = serializers.FloatField()
    price_tolerance_bps = serializers.IntegerField()
    usage_channels = serializers.ListField(child=serializers.CharField())
    usage_days = serializers.IntegerField()
    paid_ads_authorised = serializers.BooleanField()
    script_rejection_limit = serializers.IntegerField()
    video_revision_limit = serializers.IntegerField()
    cancellation_schedule = serializers.DictField(
        child=serializers.IntegerField(), help_text="Step → share of the agreed price paid, in basis points."
    )
    pricing = serializers.CharField()
    play_base_minor = serializers.IntegerField(source="play_base", allow_null=True)
    play_rate_minor = serializers.IntegerField(source="play_rate", allow_null=True)

    @extend_schema_field(WeightedLabelOutSerializer(many=True))
    def get_target_labels(self, order: Order) -> list[dict]:
        return WeightedLabelOutSerializer(order_target_labels(order_id=order.pk), many=True).data


def _order_response(order: Order, *, status_code: int = status.HTTP_200_OK, headers: dict | None = None) -> Response:
    response = Response(OrderSerializer(order).data, status=status_code, headers=headers)
    response["ETag"] = etag_for(order)
    return response


def _brief(data: dict, base: Order | None = None) -> OrderBrief:
    """An OrderBrief from validated API data; fields not sent keep ``base``'s values (or the defaults)."""
    values = {}
    for name in BRIEF_FIELDS:
        api_name = API_NAMES.get(name, name)
        if api_name in data:
            values[name] = data[api_name]
        elif base is not None and name == "target_labels":
            values[name] = dict(base.target_label_links.values_list("label_id", "weight"))
        elif base is not None:
            values[name] = getattr(base, name)
    brief = OrderBrief(**values)
    if not brief.price_per_creator and not brief.total_budget:
        raise serializers.ValidationError(
            {"price_per_creator_minor": [_("Give a price per creator or a total budget.")]}
        )
    return brief


# -------------------------------------------------------------------- list


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time, moved to UTC: PostgreSQL refuses offsets beyond ±15:59 that Python accepts."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(_("Enter a date and time within the years 1 to 9999.")) from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Order.Status.choices)
    mode = django_filters.ChoiceFilter(choices=Order.Mode.choices)
    goal = django_filters.ChoiceFilter(choices=Order.Goal.choices)
    format = django_filters.ChoiceFilter(choices=ContentFormat.choices)
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Order
        fields = ["status", "mode", "goal", "format", "created_after", "created_before"]


WRITE_ERRORS = {400: ERROR_BODY, 401: ERROR_BODY, 403: ERROR_BODY}


class OrderListApi(generics.ListAPIView):
    """GET: the caller's brand's orders, newest first (cursor pages). POST: a new draft order."""

    parser_classes = [JSONParser]
    serializer_class = OrderSummarySerializer
    pagination_class = Pagination
    filter_backends = [FilterBackend]
    filterset_class = OrderFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        return order_list_for_brand(brand_id=brand_membership(self.request).brand_id)

    @extend_schema(
        operation_id="orders_list",
        summary="List the brand's orders",
        description="Newest first, in cursor pages of up to 100 (page_size). Invalid filter values are a 400; "
        "an invalid cursor is a 404.",
        responses={
            200: OrderSummarySerializer(many=True),
            400: ERROR_BODY,
            401: ERROR_BODY,
            403: ERROR_BODY,
            404: ERROR_BODY,
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()).values(*SUMMARY_COLUMNS))
        return self.get_paginated_response(order_summaries(page))

    @extend_schema(
        operation_id="orders_create",
        summary="Create a draft order (owners and managers)",
        description="The whole brief; money in integer minor units. Publishing later needs target labels, "
        "deadlines and a price or budget.",
        request=OrderWriteSerializer,
        responses={201: OrderSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        membership = brand_membership(request, editor=True)
        brief = _brief(validated(OrderWriteSerializer(data=request.data)))
        try:
            order = order_create(brand=membership.brand, actor=request.user, brief=brief)
        except DjangoValidationError as exc:
            raise service_errors(exc, API_NAMES) from None
        location = reverse("api:order-detail", args=[order.pk])
        return _order_response(order, status_code=status.HTTP_201_CREATED, headers={"Location": location})


# ------------------------------------------------------------------ detail


class OrderDetailApi(APIView):
    """GET: one order of the caller's brand, with its ETag. PATCH: edit a draft (If-Match guards it)."""

    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="orders_retrieve",
        summary="Read an order",
        responses={200: OrderSerializer, 401: ERROR_BODY, 403: ERROR_BODY, 404: ERROR_BODY},
    )
    def get(self, request, pk: int):
        return _order_response(order_for(request, pk))

    @extend_schema(
        operation_id="orders_update",
        summary="Edit a draft order (owners and managers)",
        description="Send only the fields to change. With If-Match, an order changed since you read it gets 412. "
        "A published or closed order cannot be edited (409).",
        parameters=[IF_MATCH_HEADER],
        request=OrderWriteSerializer(partial=True),
        responses={200: OrderSerializer, **WRITE_ERRORS, 404: ERROR_BODY, 409: ERROR_BODY, 412: ERROR_BODY},
    )
    def patch(self, request, pk: int):
        order = order_for(request, pk, editor=True)
        data = validated(OrderWriteSerializer(data=request.data, partial=True))
        # The ETag check and the write share the row lock, so no edit slips in between them.
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            check_if_match(request, locked)
            try:
                order = order_update(order_id=order.pk, actor=request.user, brief=_brief(data, base=locked))
            except DjangoValidationError as exc:
                raise service_errors(exc, API_NAMES) from None
        return _order_response(order)


# -------------------------------------------------------------- transitions

TRANSITION_RESPONSES = {
    200: OrderSerializer,
    **WRITE_ERRORS,
    404: ERROR_BODY,
    409: ERROR_BODY,
    412: ERROR_BODY,
}


def _transition(request, pk: int, service) -> Response:
    order = order_for(request, pk, editor=True)
    with transaction.atomic():
        try:
            # The If-Match is checked on the order the step has locked (order_transition's ``check``): locking it
            # here first would take the order before its open deals, the other way round from a deal's step.
            order = service(order_id=order.pk, actor=request.user, check=lambda locked: check_if_match(request, locked))
        except DjangoValidationError as exc:
            raise service_errors(exc, API_NAMES) from None
    return _order_response(order)


class OrderPublishApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="orders_publish",
        summary="Publish a draft order (owners and managers)",
        description="Needs a complete brief (400 names what is missing) and queues the order's ranking. "
        "A published or closed order cannot be published again (409).",
        parameters=[IF_MATCH_HEADER],
        request=None,
        responses=TRANSITION_RESPONSES,
    )
    def post(self, request, pk: int):
        return _transition(request, pk, order_publish)


class OrderCloseApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="orders_close",
        summary="Close an order (owners and managers)",
        description="Closing withdraws every open offer (its hold goes back to the wallet) and turns down every open "
        "application; deals already made run on. A closed order cannot be closed again (409).",
        parameters=[IF_MATCH_HEADER],
        request=None,
        responses=TRANSITION_RESPONSES,
    )
    def post(self, request, pk: int):
        return _transition(request, pk, order_close)
