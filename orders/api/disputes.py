"""Admin dispute queue and decisions."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import IsAdminUser
from rest_framework.views import APIView

from marketplace.core.api.common import IDEMPOTENCY_HEADER, Pagination, error_responses
from orders.api.common import _valid
from orders.api.serializers import DecisionRequestSerializer, DisputeQueueSerializer, DisputeSerializer
from orders.models import Dispute
from orders.selectors import deals as reads
from orders.services.collaborations import collaboration_transition
from payouts.api import (
    FieldNames,
    MoneyPost,
    caller_key,
    replayable,
)
from payouts.services.idempotency import idempotent, staff_scope

# ------------------------------------------------------------------ admin: disputes


class OldestFirst(Pagination):
    ordering = "id"


@extend_schema(
    summary="Open disputes, oldest first (staff)",
    responses={200: DisputeQueueSerializer(many=True), **error_responses(400, 401, 403, 404)},
)
class DisputeListApi(generics.ListAPIView):
    serializer_class = DisputeQueueSerializer
    permission_classes = [IsAdminUser]
    pagination_class = OldestFirst

    def get_queryset(self):
        return reads.open_disputes()


class DisputeDecideApi(MoneyPost, APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        summary="Decide a dispute: release to the creator, refund the brand, or split (staff)",
        request=DecisionRequestSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: DisputeSerializer, **error_responses(400, 401, 403, 404, 409, 422, 429)},
    )
    def post(self, request, pk: int):
        dispute = Dispute.objects.filter(pk=pk).first()
        if dispute is None:
            raise Http404
        key = caller_key(request)
        data = _valid(DecisionRequestSerializer, request)
        payload = {"decision": data["decision"]}
        if data["decision"] == Dispute.Decision.SPLIT:
            payload.update(creator_amount=data["creator_amount_minor"], brand_amount=data["brand_amount_minor"])
        scope = staff_scope(request.user.pk)
        with FieldNames(creator_amount="creator_amount_minor", brand_amount="brand_amount_minor", comment="reason"):
            return replayable(
                scope=scope,
                key=key,
                call=lambda: idempotent(
                    scope=scope,
                    key=key,
                    operation="dispute_decide",
                    params={"dispute_id": dispute.pk, "reason": data["reason"], **payload},
                    perform=lambda: collaboration_transition(
                        collaboration_id=dispute.collaboration_id,
                        action="resolve",
                        actor=request.user,
                        comment=data["reason"],
                        payload=payload,
                    ),
                ),
                render=lambda c: (
                    DisputeSerializer(
                        Dispute.objects.prefetch_related("evidence").get(pk=dispute.pk), context={"request": request}
                    ).data
                ),
            )
