"""Disputes: the parties add evidence to an open one; the admin queue and decisions."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core.api.common import IDEMPOTENCY_HEADER, Pagination, error_responses
from orders.api.common import UploadPost, _party, _valid
from orders.api.serializers import (
    DecisionRequestSerializer,
    DisputeQueueSerializer,
    DisputeSerializer,
    EvidenceRequestSerializer,
)
from orders.models import Dispute
from orders.selectors import deals as reads
from orders.services import deliverables
from orders.services.collaborations import collaboration_transition
from payouts.api import (
    FieldNames,
    MoneyPost,
    caller_key,
    replayable,
)
from payouts.services.idempotency import idempotent, staff_scope

# ------------------------------------------------------------------ parties: evidence


class CollaborationDisputeEvidenceApi(UploadPost, APIView):
    @extend_schema(
        summary="Add evidence to the open dispute: a note and/or files (the brand, the creator, the creator's agency "
        "with the power to submit work; multipart)",
        request={"multipart/form-data": EvidenceRequestSerializer},
        responses={201: DisputeSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        c, _side = _party(request, pk)
        data = _valid(EvidenceRequestSerializer, request)
        dispute = deliverables.dispute_evidence_add(
            collaboration_id=c.pk, actor=request.user, note=data["note"], files=data.get("evidence", [])
        )
        dispute = Dispute.objects.prefetch_related(reads.EVIDENCE).get(pk=dispute.pk)
        return Response(DisputeSerializer(dispute, context={"request": request}).data, status=201)


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
                        Dispute.objects.prefetch_related(reads.EVIDENCE).get(pk=dispute.pk),
                        context={"request": request},
                    ).data
                ),
            )
