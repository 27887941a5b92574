"""Agency operations of the API: the roster, invitations, contracts (either side), the agency's money.

An agency's members read its roster, invitations, wallet, statement and payouts; owners invite creators, end
contracts and request payouts. A creator reads their own invitations and contract and answers them. Everyone
else is refused (403) or, for a contract they are not a side of, answered as for a missing id (404).
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies import selectors, services
from agencies.access import OWNER, agency_seat
from agencies.models import MAX_SHARE_BPS, Representation
from marketplace.core.api.common import ERROR_BODY, IDEMPOTENCY_HEADER, JSONParser
from marketplace.core.api.fields import RequestSerializer, StrictBooleanField, validated
from marketplace.core.roles import role_of
from payouts.api import (
    LIST_ERRORS,
    PAYOUT_POST_RESPONSES,
    AmountSerializer,
    FieldNames,
    MoneyPost,
    PayoutSerializer,
    StatementApi,
    StatementEntrySerializer,
    caller_key,
    replayable,
)
from payouts.models import Account, Payout
from payouts.selectors import agency_balances, agency_escrow_share, payouts_for_agency
from payouts.services.idempotency import agency_scope

ERRORS = {401: ERROR_BODY, 403: ERROR_BODY}
R = Representation.Status


class CreatorSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    handle = serializers.CharField()
    display_name = serializers.CharField()


class AgencySummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RepresentationSerializer(serializers.ModelSerializer):
    agency = AgencySummarySerializer()
    creator = CreatorSummarySerializer()

    class Meta:
        model = Representation
        fields = [
            "id",
            "agency",
            "creator",
            "status",
            "share_bps",
            "may_answer_offers",
            "may_submit_deliverables",
            "may_see_earnings",
            "note",
            "created_at",
            "accepted_at",
            "ended_at",
        ]
        read_only_fields = fields


class RosterEntrySerializer(RepresentationSerializer):
    """A creator on the roster with their record: cooperations, fulfilment rate and rating."""

    completed_orders = serializers.IntegerField(source="creator.completed_orders", help_text="Cooperations completed.")
    fulfilment_rate = serializers.FloatField(source="creator.fulfilment_rate", allow_null=True)
    avg_rating = serializers.FloatField(source="creator.avg_rating", allow_null=True)
    rating_count = serializers.IntegerField(source="creator.rating_count")

    class Meta(RepresentationSerializer.Meta):
        fields = [*RepresentationSerializer.Meta.fields, "completed_orders", "fulfilment_rate", "avg_rating"]
        fields += ["rating_count"]
        read_only_fields = fields


class InvitationRequestSerializer(RequestSerializer):
    creator_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    share_bps = serializers.IntegerField(
        min_value=0, max_value=MAX_SHARE_BPS, help_text="The agency's share of the creator's share, in basis points."
    )
    may_answer_offers = StrictBooleanField(default=True)
    may_submit_deliverables = StrictBooleanField(default=False)
    may_see_earnings = StrictBooleanField(default=False)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class EmptyRequestSerializer(RequestSerializer):
    pass


class AgencyWalletSerializer(serializers.Serializer):
    currency = serializers.CharField()
    pending_minor = serializers.IntegerField(
        help_text="The agency's share of roster deals in escrow, and shares paid but not yet settled."
    )
    available_minor = serializers.IntegerField()


@extend_schema(
    summary="Your agency's roster: the creators it represents, with their record",
    responses={200: RosterEntrySerializer(many=True), **LIST_ERRORS},
)
class AgencyRosterApi(generics.ListAPIView):
    serializer_class = RosterEntrySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Representation.objects.none()
        seat = agency_seat(self.request.user)
        return selectors.roster_for_agency(seat.agency).select_related("agency")


class AgencyInvitationApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Invite a creator to your agency under a contract (owners)",
        request=InvitationRequestSerializer,
        responses={201: RepresentationSerializer, 400: ERROR_BODY, 404: ERROR_BODY, 409: ERROR_BODY, **ERRORS},
    )
    def post(self, request):
        data = validated(InvitationRequestSerializer(data=request.data))
        rep = services.representation_invite(actor=request.user, **data)
        return Response(RepresentationSerializer(rep).data, status=status.HTTP_201_CREATED)


@extend_schema(
    summary="Your contracts and invitations: an agency member's agency's, or a creator's own",
    responses={200: RepresentationSerializer(many=True), **LIST_ERRORS},
)
class RepresentationListApi(generics.ListAPIView):
    serializer_class = RepresentationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Representation.objects.none()
        return _visible_representations(self.request.user).select_related("agency", "creator")


def _visible_representations(user):
    seat = selectors.seat_of(user)
    if seat is not None:
        return Representation.objects.filter(agency=seat.agency, status__in=Representation.LIVE)
    role = role_of(user)
    if role is not None and role.is_creator:
        return selectors.representations_for_creator(user.creator)
    raise PermissionDenied


def _transition_api(to: str, summary: str) -> type[APIView]:
    @extend_schema(
        summary=summary,
        request=EmptyRequestSerializer,
        responses={200: RepresentationSerializer, 400: ERROR_BODY, 404: ERROR_BODY, 409: ERROR_BODY, **ERRORS},
    )
    def post(self, request, pk: int):
        validated(EmptyRequestSerializer(data=request.data))
        rep = services.representation_transition(representation_id=pk, to=to, actor=request.user)
        rep = Representation.objects.select_related("agency", "creator").get(pk=rep.pk)
        return Response(RepresentationSerializer(rep).data)

    name = f"Representation{to.title()}Api"
    return type(name, (APIView,), {"post": post, "parser_classes": [JSONParser], "__module__": __name__})


RepresentationActiveApi = _transition_api(R.ACTIVE, "Accept an agency's invitation (the creator)")
RepresentationDeclinedApi = _transition_api(R.DECLINED, "Decline an agency's invitation (the creator)")
RepresentationEndedApi = _transition_api(
    R.ENDED, "End a contract or withdraw an invitation (the creator, or an owner of the agency)"
)


class AgencyWalletApi(APIView):
    @extend_schema(
        summary="Your agency's wallet: pending and available shares", responses={200: AgencyWalletSerializer, **ERRORS}
    )
    def get(self, request):
        seat = agency_seat(request.user)
        balances = agency_balances(agency_id=seat.agency_id)
        return Response(
            AgencyWalletSerializer(
                {
                    "currency": settings.CURRENCY,
                    "pending_minor": balances[Account.Kind.AGENCY_PENDING]
                    + agency_escrow_share(agency_id=seat.agency_id),
                    "available_minor": balances[Account.Kind.AGENCY_AVAILABLE],
                }
            ).data
        )


@extend_schema(
    summary="Your agency's available-balance statement (newest first, with running balance)",
    responses={200: StatementEntrySerializer(many=True), **LIST_ERRORS},
)
class AgencyStatementApi(StatementApi):
    def account(self):
        seat = agency_seat(self.request.user)
        return Account.objects.filter(
            kind=Account.Kind.AGENCY_AVAILABLE, agency_id=seat.agency_id, currency=settings.CURRENCY
        ).first()


class AgencyPayoutApi(MoneyPost, generics.ListAPIView):
    serializer_class = PayoutSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Payout.objects.none()
        return payouts_for_agency(agency_id=agency_seat(self.request.user).agency_id)

    @extend_schema(
        summary="Your agency's payouts, newest first (owners and managers)",
        responses={200: PayoutSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Pay out part of the agency's available share (owners; at least PAYOUT_MINIMUM)",
        request=AmountSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses=PAYOUT_POST_RESPONSES,
    )
    def post(self, request):
        seat = agency_seat(request.user, need=OWNER)
        key = caller_key(request)
        data = validated(AmountSerializer(data=request.data))
        with FieldNames(amount="amount_minor"):
            return replayable(
                scope=agency_scope(seat.agency_id),
                key=key,
                status=201,
                call=lambda: services.agency_payout_request(
                    actor=request.user, amount=data["amount_minor"], idempotency_key=key
                ),
                render=lambda payout: PayoutSerializer(payout).data,
            )
