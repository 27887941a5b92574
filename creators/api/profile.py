"""Creator operations of the API: the caller's own profile, rate card and blackout dates.

A creator edits only their own profile (there is no creator id in these routes); anyone else
gets 403. Prices are integer minor units of the platform currency.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from creators import selectors, services
from creators.models import MAX_CONTENT_SAMPLES, ContentSample, Creator, CreatorLabel, Platform, UsageRight
from marketplace.core import NotAllowed
from marketplace.core.api.common import ERROR_BODY, IF_MATCH_HEADER, JSONParser, check_if_match, etag_for
from marketplace.core.api.fields import (
    CatalogueRefField,
    MinorAmountField,
    RequestSerializer,
    StrictCharField,
    StrictFloatField,
    StrictIntegerField,
    WeightedLabelOutSerializer,
    resolve_refs,
    service_errors,
    validated,
    web_link_field,
)
from marketplace.core.models import ContentFormat, Label
from marketplace.core.roles import role_of
from marketplace.core.templatetags.cards import avatar_version

BASIC_FIELDS = ("display_name", "bio", "platform", "country", "content_sample", "max_concurrent", "external_load")
# Service error keys → the API's field names.
RENAMES = {
    "audience_age": "audience",
    "audience_gender": "audience",
    "audience_region": "audience",
    "amount": "prices",
    "format": "prices",
}
ERRORS = {400: ERROR_BODY, 401: ERROR_BODY, 403: ERROR_BODY}


def _own_creator(request) -> Creator:
    """The caller's creator profile; 403 for callers who are not creators."""
    role = role_of(request.user)
    if role is None or not role.is_creator:
        raise NotAllowed(_("Only creators have a creator profile."))
    return request.user.creator


def _profile_creator(pk: int) -> Creator:
    """The creator with what the profile shows prefetched (labels in display order, prices)."""
    links = CreatorLabel.objects.select_related("label").order_by("-weight", "label__path")
    samples = ContentSample.objects.order_by("position", "id")
    return Creator.objects.prefetch_related(
        Prefetch("label_links", queryset=links),
        "rate_prices",
        "rights_rates",
        Prefetch("content_samples", queryset=samples),
    ).get(pk=pk)


# ------------------------------------------------------------- serializers


class PriceSerializer(serializers.Serializer):
    price_minor = serializers.IntegerField(
        source="amount", allow_null=True, help_text="Null on a pending change: the format stops being offered then."
    )
    currency = serializers.CharField()
    effective_from = serializers.DateField()


class RateCardLineSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=ContentFormat.choices)
    in_force = PriceSerializer(allow_null=True, help_text="The price quotes are made at today.")
    pending = PriceSerializer(allow_null=True, help_text="A change that takes effect on the first of next month.")


class AudienceSerializer(serializers.Serializer):
    age = serializers.DictField(child=serializers.FloatField(), source="audience_age")
    gender = serializers.DictField(child=serializers.FloatField(), source="audience_gender")
    region = serializers.DictField(child=serializers.FloatField(), source="audience_region")


class BlackoutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    note = serializers.CharField()


class ContentSampleSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="A link to one of the creator's own posts (http or https).")
    title = serializers.CharField()
    platform = serializers.ChoiceField(choices=[("", ""), *Platform.choices], help_text="Empty when not said.")


class CreatorPublicSerializer(serializers.Serializer):
    """What brands see of a creator (the same fields as the creator page)."""

    id = serializers.IntegerField()
    handle = serializers.CharField()
    display_name = serializers.CharField()
    bio = serializers.CharField()
    platform = serializers.ChoiceField(choices=Platform.choices)
    platform_handle = serializers.CharField(help_text="The account name on the platform; empty when unknown.")
    country = serializers.CharField()
    is_active = serializers.BooleanField()
    verification = serializers.CharField()
    followers = serializers.IntegerField()
    # Metrics: null is "unknown", which is not zero (an image-only creator has no views).
    median_views_30d = serializers.IntegerField(allow_null=True)
    median_views_90d = serializers.IntegerField(allow_null=True)
    engagement_rate = serializers.FloatField(allow_null=True)
    completion_rate = serializers.FloatField(allow_null=True)
    follower_growth_30d = serializers.FloatField(allow_null=True)
    fulfilment_rate = serializers.FloatField(allow_null=True)
    avg_rating = serializers.FloatField(allow_null=True)
    completed_orders = serializers.IntegerField()
    audience = serializers.SerializerMethodField()
    labels = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()
    rate_card = serializers.SerializerMethodField()
    content_samples = serializers.SerializerMethodField()
    avatar_url = serializers.SerializerMethodField(
        help_text="The uploaded profile picture (a 256 px square WebP; signed-in users who may see the creator), "
        "or null: pages then show the initials."
    )

    @extend_schema_field(ContentSampleSerializer(many=True))
    def get_content_samples(self, creator: Creator) -> list:
        return ContentSampleSerializer(creator.content_samples.all(), many=True).data

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_avatar_url(self, creator: Creator) -> str | None:
        if not creator.avatar:
            return None
        return f"{reverse('creators:avatar', args=[creator.handle])}?v={avatar_version(creator.avatar.name)}"

    @extend_schema_field(AudienceSerializer)
    def get_audience(self, creator: Creator) -> dict:
        return AudienceSerializer(creator).data

    @extend_schema_field(WeightedLabelOutSerializer(many=True))
    def get_labels(self, creator: Creator) -> list:
        # Both readers prefetch the links with their labels, in display order.
        return WeightedLabelOutSerializer(creator.label_links.all(), many=True).data

    def get_currency(self, creator: Creator) -> str:
        return settings.CURRENCY

    @extend_schema_field(RateCardLineSerializer(many=True))
    def get_rate_card(self, creator: Creator) -> list:
        return RateCardLineSerializer(selectors.current_rate_card(creator), many=True).data


class RightsRateSerializer(serializers.Serializer):
    right = serializers.ChoiceField(choices=UsageRight.choices)
    percent_bps = serializers.IntegerField(
        allow_null=True, help_text="Share of the deal's fee for the work per month, in basis points (1–10,000)."
    )
    monthly_amount_minor = serializers.IntegerField(
        source="monthly_amount", allow_null=True, help_text="Or an amount per month, in minor units."
    )


class CreatorProfileSerializer(CreatorPublicSerializer):
    """The creator's own profile: everything brands see, plus recent content, capacity and blackouts."""

    content_sample = serializers.CharField()
    max_concurrent = serializers.IntegerField()
    external_load = serializers.IntegerField(help_text="Collaborations running elsewhere; they take slots too.")
    hit_video_share = serializers.FloatField(allow_null=True)
    blackouts = serializers.SerializerMethodField()
    rights_rates = serializers.SerializerMethodField(
        help_text="What each usage right costs per month beyond the creator's own post (docs/deals.md)."
    )
    updated_at = serializers.DateTimeField()

    @extend_schema_field(RightsRateSerializer(many=True))
    def get_rights_rates(self, creator: Creator) -> list:
        return RightsRateSerializer(selectors.rights_rate_lines(creator), many=True).data

    @extend_schema_field(BlackoutSerializer(many=True))
    def get_blackouts(self, creator: Creator) -> list:
        return BlackoutSerializer(selectors.upcoming_blackouts(creator), many=True).data


class LabelInSerializer(RequestSerializer):
    label = CatalogueRefField()
    weight = StrictFloatField(min_value=0.01, max_value=1, required=False)


class ContentSampleInSerializer(RequestSerializer):
    url = web_link_field(message=_("Enter a web address starting with https:// or http://."), help_text="http(s) only.")
    title = StrictCharField(max_length=120)
    platform = serializers.ChoiceField(choices=Platform.choices, required=False, allow_blank=True)


class AudienceInSerializer(RequestSerializer):
    """Shares from 0 to 1 that sum to 1 per distribution; an empty object means "unknown"."""

    age = serializers.DictField(child=StrictFloatField(min_value=0, max_value=1), required=False)
    gender = serializers.DictField(child=StrictFloatField(min_value=0, max_value=1), required=False)
    region = serializers.DictField(child=StrictFloatField(min_value=0, max_value=1), required=False)


class CreatorProfileWriteSerializer(RequestSerializer):
    """The parts of the profile a creator edits. Handle, status, verification and metrics are not
    fields here: sending them gets a 400 naming them."""

    display_name = StrictCharField(max_length=120)
    bio = StrictCharField(max_length=2000, allow_blank=True)
    platform = serializers.ChoiceField(choices=Platform.choices)
    country = StrictCharField(max_length=8, allow_blank=True, help_text="ISO 3166-1 code, e.g. CN.")
    content_sample = StrictCharField(max_length=5000, allow_blank=True)
    max_concurrent = StrictIntegerField(min_value=1, max_value=50)
    external_load = StrictIntegerField(
        min_value=0, max_value=50, help_text="Collaborations running elsewhere now; they take slots too."
    )
    audience = AudienceInSerializer()
    # A ListField, not many=True: drf-spectacular puts a ListField's length limits into the schema.
    labels = serializers.ListField(child=LabelInSerializer(), max_length=services.MAX_LABELS)
    content_samples = serializers.ListField(
        child=ContentSampleInSerializer(),
        max_length=MAX_CONTENT_SAMPLES,
        help_text="Links to your own posts, shown on your page in this order; the list replaces the stored one.",
    )

    def validate_labels(self, value: list[dict]) -> list[tuple[int, float]]:
        if any("label" not in item for item in value):
            raise serializers.ValidationError(_("Give each label its label."))
        found, missing = resolve_refs(Label, [item["label"] for item in value])
        if missing:
            raise serializers.ValidationError(
                _("Unknown labels: %(refs)s.") % {"refs": ", ".join(str(r) for r in missing)}
            )
        return [(found[item["label"]], item.get("weight", 1.0)) for item in value]


# ----------------------------------------------------------------- profile


def _profile_response(creator: Creator) -> Response:
    creator = _profile_creator(creator.pk)
    response = Response(CreatorProfileSerializer(creator).data)
    response["ETag"] = etag_for(creator)
    return response


def _save_profile(*, locked: Creator, actor, data: dict) -> None:
    """Each section sent goes through its service; sections left out stay as they are."""
    if any(name in data for name in BASIC_FIELDS):
        values = {name: data.get(name, getattr(locked, name)) for name in BASIC_FIELDS}
        services.creator_update_profile(creator=locked, actor=actor, **values)
    if "audience" in data:
        shares = data["audience"]
        services.creator_set_audience(
            creator=locked,
            actor=actor,
            age=shares.get("age", locked.audience_age),
            gender=shares.get("gender", locked.audience_gender),
            region=shares.get("region", locked.audience_region),
        )
    if "labels" in data:
        services.creator_set_labels(creator=locked, actor=actor, labels=data["labels"])
    if "content_samples" in data:
        services.creator_set_content_samples(creator=locked, actor=actor, samples=data["content_samples"])


class CreatorProfileApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="creator_profile_retrieve",
        summary="Your creator profile",
        responses={200: CreatorProfileSerializer, 401: ERROR_BODY, 403: ERROR_BODY},
    )
    def get(self, request):
        return _profile_response(_own_creator(request))

    @extend_schema(
        operation_id="creator_profile_update",
        summary="Edit your creator profile",
        description="Send only the sections to change: basics, capacity, audience (each distribution sent "
        "replaces the stored one) or labels (the list replaces all labels). With If-Match, a profile "
        "changed since you read it gets 412.",
        parameters=[IF_MATCH_HEADER],
        request=CreatorProfileWriteSerializer(partial=True),
        responses={200: CreatorProfileSerializer, **ERRORS, 412: ERROR_BODY},
    )
    def patch(self, request):
        creator = _own_creator(request)
        data = validated(CreatorProfileWriteSerializer(data=request.data, partial=True))
        # One transaction: a profile edit that fails in one section saves no section.
        with transaction.atomic():
            locked = Creator.objects.select_for_update().get(pk=creator.pk)
            check_if_match(request, locked)
            try:
                _save_profile(locked=locked, actor=request.user, data=data)
            except DjangoValidationError as exc:
                raise service_errors(exc, RENAMES) from None
        return _profile_response(creator)


# --------------------------------------------------------------- rate card


class RateCardPriceInSerializer(RequestSerializer):
    format = serializers.ChoiceField(choices=ContentFormat.choices)
    price_minor = MinorAmountField(
        allow_null=True,
        help_text="The price in minor units (100 to 1,000,000,000), or null to stop offering the format "
        "from the first of next month.",
    )


class RateCardInSerializer(RequestSerializer):
    prices = serializers.ListField(
        child=RateCardPriceInSerializer(), min_length=1, max_length=len(ContentFormat.choices)
    )

    def validate_prices(self, value: list[dict]) -> dict[str, int]:
        prices = {item["format"]: item["price_minor"] for item in value}
        if len(prices) != len(value):
            raise serializers.ValidationError(_("Give each format once."))
        return prices


class RateCardSerializer(serializers.Serializer):
    currency = serializers.CharField()
    rate_card = RateCardLineSerializer(many=True)


class CreatorRateCardApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="creator_rate_card_set",
        summary="Set prices on your rate card",
        description="With no price in force for a format, the price applies from this month; otherwise from "
        "the first of next month (quotes already made keep their price). Sending the price in force "
        "withdraws a pending change; null stops offering the format from the first of next month.",
        request=RateCardInSerializer,
        responses={200: RateCardSerializer, **ERRORS},
    )
    def post(self, request):
        creator = _own_creator(request)
        prices = validated(RateCardInSerializer(data=request.data))["prices"]
        try:
            services.rate_card_set_prices(creator=creator, actor=request.user, prices=prices)
        except DjangoValidationError as exc:
            raise service_errors(exc, RENAMES) from None
        lines = selectors.current_rate_card(_profile_creator(creator.pk))
        return Response({"currency": settings.CURRENCY, "rate_card": RateCardLineSerializer(lines, many=True).data})


# ------------------------------------------------------------ rights rates


class RightsRateInSerializer(RequestSerializer):
    right = serializers.ChoiceField(choices=UsageRight.choices)
    percent_bps = serializers.IntegerField(allow_null=True, required=False, default=None, min_value=1, max_value=10_000)
    monthly_amount_minor = MinorAmountField(allow_null=True, required=False, default=None)


class RightsRatesInSerializer(RequestSerializer):
    rates = serializers.ListField(child=RightsRateInSerializer(), min_length=1, max_length=len(UsageRight.choices))

    def validate_rates(self, value: list[dict]) -> dict[str, tuple[int | None, int | None]]:
        rates = {item["right"]: (item["percent_bps"], item["monthly_amount_minor"]) for item in value}
        if len(rates) != len(value):
            raise serializers.ValidationError(_("Give each right once."))
        return rates


class RightsRatesSerializer(serializers.Serializer):
    currency = serializers.CharField()
    rights_rates = RightsRateSerializer(many=True)


class CreatorRightsRatesApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="creator_rights_rates_set",
        summary="Price usage rights per month: a share of the fee for the work or an amount",
        description="Each right beyond your own post (brand accounts, brand website, paid advertising, offline, "
        "paid-ad authorisation codes) is priced per started month of use: percent_bps of the deal's fee, or "
        "monthly_amount_minor. Both null: the right is included at no charge. In force at once; deals keep the "
        "rates they were offered at.",
        request=RightsRatesInSerializer,
        responses={200: RightsRatesSerializer, **ERRORS},
    )
    def post(self, request):
        creator = _own_creator(request)
        rates = validated(RightsRatesInSerializer(data=request.data))["rates"]
        try:
            services.rights_rates_set(creator=creator, actor=request.user, rates=rates)
        except DjangoValidationError as exc:
            raise service_errors(exc, {"right": "rates", "percent_bps": "rates", "amount": "rates"}) from None
        lines = selectors.rights_rate_lines(_profile_creator(creator.pk))
        return Response({"currency": settings.CURRENCY, "rights_rates": RightsRateSerializer(lines, many=True).data})


# --------------------------------------------------------------- blackouts


class BlackoutInSerializer(RequestSerializer):
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    note = StrictCharField(max_length=200, allow_blank=True, required=False, default="")


class CreatorBlackoutListApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="creator_blackouts_create",
        summary="Add dates on which you take no new work",
        request=BlackoutInSerializer,
        responses={201: BlackoutSerializer, **ERRORS},
    )
    def post(self, request):
        creator = _own_creator(request)
        data = validated(BlackoutInSerializer(data=request.data))
        try:
            period = services.blackout_add(creator=creator, actor=request.user, **data)
        except DjangoValidationError as exc:
            raise service_errors(exc) from None
        return Response(BlackoutSerializer(period).data, status=status.HTTP_201_CREATED)


class CreatorBlackoutDetailApi(APIView):
    @extend_schema(
        operation_id="creator_blackouts_destroy",
        summary="Remove one of your blackout periods",
        request=None,
        responses={204: None, 401: ERROR_BODY, 403: ERROR_BODY, 404: ERROR_BODY},
    )
    def delete(self, request, pk: int):
        creator = _own_creator(request)
        services.blackout_remove(creator=creator, actor=request.user, blackout_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
