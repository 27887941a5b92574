"""Collaborations: lists, detail, every step, deliverables and downloads."""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core.api.common import IDEMPOTENCY_HEADER, IdFilter, error_responses
from orders.api.common import (
    MONEY_STEPS,
    JsonPost,
    UploadPost,
    _caller_scope,
    _fresh,
    _party,
    _valid,
    _visible_collaborations,
)
from orders.api.offers import OrderCollaborationFilter
from orders.api.serializers import (
    CollaborationDetailSerializer,
    CollaborationEventSerializer,
    CollaborationSerializer,
    CounterRequestSerializer,
    DisputeRequestSerializer,
    DisputeSerializer,
    ExtendRightsRequestSerializer,
    MessageRequestSerializer,
    PublishRequestSerializer,
    RatingRequestSerializer,
    ScriptRequestSerializer,
    StepCommentSerializer,
    StepReasonSerializer,
    VideoRequestSerializer,
)
from orders.models import Collaboration, Dispute
from orders.selectors import deals as reads
from orders.services import deals, deliverables
from orders.services.collaborations import ACTIONS, collaboration_transition
from payouts.api import (
    FieldNames,
    MoneyPost,
    caller_key,
    replayable,
)
from payouts.services.idempotency import idempotent

# ------------------------------------------------------------------ collaborations


class CollaborationFilter(OrderCollaborationFilter):
    order = IdFilter(field_name="order_id")

    class Meta:
        model = Collaboration
        fields = ["status", "order"]


@extend_schema(
    summary="The caller's collaborations: a brand's (members), a creator's own, all (staff)",
    responses={200: CollaborationSerializer(many=True), **error_responses(400, 401, 404)},
)
class CollaborationListApi(generics.ListAPIView):
    serializer_class = CollaborationSerializer
    filterset_class = CollaborationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Collaboration.objects.none()
        return _visible_collaborations(self.request.user)


class CollaborationDetailApi(APIView):
    @extend_schema(
        summary="One collaboration: the caller's allowed actions, timeline, deliverables, disputes",
        responses={200: CollaborationDetailSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        c, side = reads.collaboration_for_viewer(user=request.user, pk=pk)
        return Response(CollaborationDetailSerializer(c, context={"request": request, "side": side}).data)


def _take_step(request, pk: int, action: str, serializer_class) -> Response:
    c, side = _party(request, pk)
    key = caller_key(request) if action in MONEY_STEPS else None
    comment = _valid(serializer_class, request)["comment"]

    def step() -> Collaboration:
        if action in ("report_down", "dispute_plays"):
            return deliverables.dispute_open(collaboration_id=c.pk, actor=request.user, reason=comment, action=action)
        return collaboration_transition(collaboration_id=c.pk, action=action, actor=request.user, comment=comment)

    if key is None:
        return Response(CollaborationSerializer(_fresh(step().pk)).data)
    scope = _caller_scope(request, c, side)
    return replayable(
        scope=scope,
        key=key,
        call=lambda: idempotent(
            scope=scope,
            key=key,
            operation=f"collab_{action}",
            params={"collaboration_id": c.pk, "comment": comment},
            perform=step,
        ),
        render=lambda result: CollaborationSerializer(_fresh(result.pk)).data,
    )


def _step_api(action: str, summary: str) -> type[APIView]:
    """The view of one step that takes nothing but an optional (or, where the step says so, required) comment."""
    money = action in MONEY_STEPS
    body = StepReasonSerializer if ACTIONS[action].needs_comment else StepCommentSerializer

    def post(self, request, pk: int):
        return _take_step(request, pk, action, body)

    post = extend_schema(
        summary=summary,
        request=body,
        parameters=[IDEMPOTENCY_HEADER] if money else [],
        responses={
            200: CollaborationSerializer,
            **error_responses(400, 401, 403, 404, 409, *((422, 429) if money else ())),
        },
    )(post)
    name = "Collaboration" + "".join(part.title() for part in action.split("_")) + "Api"
    return type(name, (MoneyPost if money else JsonPost, APIView), {"post": post, "__module__": __name__})


CollaborationAcceptApi = _step_api("accept", "Accept an offer (creator); the held money goes into escrow")
CollaborationDeclineApi = _step_api("decline", "Decline an offer (creator); the hold is released")
CollaborationWithdrawApi = _step_api("withdraw", "Withdraw an offer (brand); the hold is released")
CollaborationAcceptCounterApi = _step_api(
    "accept_counter", "Accept the creator's counter-offer (brand); the hold takes its price and goes into escrow"
)
CollaborationDeclineCounterApi = _step_api(
    "decline_counter", "Decline the creator's counter-offer (brand); the offer stands at its price"
)
CollaborationSelectApi = _step_api("select", "Select an applicant (brand); their quote is held in escrow")
CollaborationRejectApplicationApi = _step_api("reject_application", "Do not select an applicant (brand)")
CollaborationWithdrawApplicationApi = _step_api("withdraw_application", "Withdraw an application (creator)")
CollaborationApproveScriptApi = _step_api("approve_script", "Approve the script (brand)")
CollaborationRejectScriptApi = _step_api("reject_script", "Send the script back with what should change (brand)")
CollaborationApproveVideoApi = _step_api("approve_video", "Approve the video (brand)")
CollaborationRequestRevisionApi = _step_api("request_revision", "Ask for a video revision (brand)")
CollaborationAcceptWorkApi = _step_api("accept_work", "Accept the published work (brand)")
CollaborationConfirmLiveApi = _step_api("confirm_live", "Confirm the post stayed live; the creator is paid")
CollaborationReportDownApi = _step_api("report_down", "Report the post is down; a dispute opens")
CollaborationReserveApi = _step_api(
    "reserve", "Accept a deposit offer (creator); the deposit held with it reserves you, the balance is due in 7 days"
)
CollaborationDeclineRequoteApi = _step_api(
    "decline_requote", "Decline the creator's re-quote (brand); the price stands"
)
CollaborationPayBalanceApi = _step_api(
    "pay_balance", "Pay a deposit deal's balance within 7 days (brand); the whole price goes into escrow"
)
CollaborationConfirmPlaysApi = _step_api(
    "confirm_plays", "Confirm the counted plays of a pay-per-play deal (brand); the creator is paid on them"
)
CollaborationDisputePlaysApi = _step_api(
    "dispute_plays", "Dispute the counted plays of a pay-per-play deal; the figures and the money are frozen"
)
CollaborationCancelApi = _step_api("cancel", "Cancel (brand); the creator keeps the stage's share")


class CollaborationCounterApi(JsonPost, APIView):
    @extend_schema(
        summary="Counter an offer once, within ±20 % of its price and its 72 hours (creator)",
        request=CounterRequestSerializer,
        responses={200: CollaborationSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        c, _side = _party(request, pk)
        data = _valid(CounterRequestSerializer, request)
        with FieldNames(price="price_minor"):
            deals.offer_counter(collaboration_id=c.pk, actor=request.user, price=data["price_minor"], note=data["note"])
        return Response(CollaborationSerializer(_fresh(c.pk)).data)


class CollaborationRequoteApi(JsonPost, APIView):
    @extend_schema(
        summary="Re-quote a deposit deal once, within ±20 % of its price and 24 hours of accepting (creator)",
        request=CounterRequestSerializer,
        responses={200: CollaborationSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        c, _side = _party(request, pk)
        data = _valid(CounterRequestSerializer, request)
        with FieldNames(price="price_minor"):
            deals.deposit_requote(
                collaboration_id=c.pk, actor=request.user, price=data["price_minor"], note=data["note"]
            )
        return Response(CollaborationSerializer(_fresh(c.pk)).data)


class CollaborationExtendRightsApi(MoneyPost, APIView):
    @extend_schema(
        summary="Pay for more months of the deal's usage rights (brand), at the rates agreed; the creator is paid",
        request=ExtendRightsRequestSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: CollaborationSerializer, **error_responses(400, 401, 403, 404, 409, 422, 429)},
    )
    def post(self, request, pk: int):
        c, side = _party(request, pk)
        key = caller_key(request)
        data = _valid(ExtendRightsRequestSerializer, request)
        scope = _caller_scope(request, c, side)
        return replayable(
            scope=scope,
            key=key,
            call=lambda: idempotent(
                scope=scope,
                key=key,
                operation="collab_extend_rights",
                params={
                    "collaboration_id": c.pk,
                    "months": data["months"],
                    "rights_until": data["rights_until"].isoformat(),
                },
                perform=lambda: collaboration_transition(
                    collaboration_id=c.pk, action="extend_rights", actor=request.user, payload=dict(data)
                ),
            ),
            render=lambda result: CollaborationSerializer(_fresh(result.pk)).data,
        )


class CollaborationScriptApi(JsonPost, APIView):
    @extend_schema(
        summary="Submit the script (creator)",
        request=ScriptRequestSerializer,
        responses={200: CollaborationSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        c, _side = _party(request, pk)
        text = _valid(ScriptRequestSerializer, request)["text"]
        with FieldNames(script="text"):
            deliverables.script_submit(collaboration_id=c.pk, actor=request.user, text=text)
        return Response(CollaborationSerializer(_fresh(c.pk)).data)


class CollaborationVideoApi(UploadPost, APIView):
    @extend_schema(
        summary="Upload the video (creator; multipart)",
        request={"multipart/form-data": VideoRequestSerializer},
        responses={200: CollaborationSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        c, _side = _party(request, pk)
        upload = _valid(VideoRequestSerializer, request)["file"]
        with FieldNames(video="file"):
            deliverables.video_submit(collaboration_id=c.pk, actor=request.user, upload=upload)
        return Response(CollaborationSerializer(_fresh(c.pk)).data)


class CollaborationPublishApi(JsonPost, APIView):
    @extend_schema(
        summary="Give the published post's address (creator)",
        request=PublishRequestSerializer,
        responses={200: CollaborationSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        c, _side = _party(request, pk)
        url = _valid(PublishRequestSerializer, request)["post_url"]
        collaboration_transition(collaboration_id=c.pk, action="publish", actor=request.user, payload={"post_url": url})
        return Response(CollaborationSerializer(_fresh(c.pk)).data)


class CollaborationDisputeApi(UploadPost, APIView):
    @extend_schema(
        summary="Open a dispute with a reason and evidence files (either side; multipart); the money freezes",
        request={"multipart/form-data": DisputeRequestSerializer},
        responses={201: DisputeSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        c, _side = _party(request, pk)
        data = _valid(DisputeRequestSerializer, request)
        with FieldNames(comment="reason"):
            deliverables.dispute_open(
                collaboration_id=c.pk, actor=request.user, reason=data["reason"], evidence=data.get("evidence", [])
            )
        dispute = Dispute.objects.prefetch_related(reads.EVIDENCE).get(collaboration=c, status=Dispute.Status.OPEN)
        return Response(DisputeSerializer(dispute, context={"request": request}).data, status=201)


class CollaborationMessageApi(JsonPost, APIView):
    @extend_schema(
        summary="Write a message on the collaboration's timeline (the parties, admins)",
        request=MessageRequestSerializer,
        responses={201: CollaborationEventSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, pk: int):
        c, _side = _party(request, pk)
        text = _valid(MessageRequestSerializer, request)["text"]
        event = deals.collaboration_comment(collaboration_id=c.pk, actor=request.user, text=text)
        return Response(CollaborationEventSerializer(event).data, status=201)


class CollaborationRatingApi(JsonPost, APIView):
    @extend_schema(
        summary="Rate the other side once the work is completed (1–5)",
        request=RatingRequestSerializer,
        responses={200: CollaborationSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        c, _side = _party(request, pk)
        data = _valid(RatingRequestSerializer, request)
        deals.collaboration_rate(
            collaboration_id=c.pk, actor=request.user, rating=data["rating"], comment=data["comment"]
        )
        return Response(CollaborationSerializer(_fresh(c.pk)).data)


class DeliverableDownloadApi(APIView):
    @extend_schema(
        summary="Download a video or evidence file (the parties and staff; always as an attachment)",
        responses={
            # The file's own type, as its bytes said on upload (orders.services.deliverables), else octet-stream.
            **{
                (200, content_type): OpenApiResponse(OpenApiTypes.BINARY)
                for content_type in sorted({*deliverables.EVIDENCE_TYPES.values(), "application/octet-stream"})
            },
            **error_responses(401, 404),
        },
    )
    def get(self, request, pk: int):
        item = deliverables.deliverable_for_party(deliverable_id=pk, user=request.user)
        response = FileResponse(
            item.file.open("rb"),
            as_attachment=True,
            filename=f"{item.kind}-{item.collaboration_id}-{item.round}{item.extension}",
            content_type=item.content_type or "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
