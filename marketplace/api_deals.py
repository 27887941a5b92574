"""Deals in the API: offers, applications, every collaboration step, deliverables, disputes, notifications.

Each view parses, calls the service the pages call (marketplace.services.deals, .collaborations,
.notifications) and serialises. Lookups are scoped to the caller: another brand's or creator's
collaboration is a 404 like a missing one; a side that may not take a step gets 403 (the state
machine's NotAllowed); a step from the wrong state 409. Steps that move money need an
Idempotency-Key, and a replay of the key answers with the first response (payouts.api.replayable).
"""

from __future__ import annotations

import django_filters
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from creators.models import Creator
from marketplace.api_common import ERROR_BODY, IDEMPOTENCY_HEADER, Pagination
from marketplace.models import Collaboration, CollaborationEvent, Deliverable, Dispute, Notification, Order
from marketplace.roles import role_of
from marketplace.selectors import deals as reads
from marketplace.selectors.orders import order_get_for_user
from marketplace.services import deals
from marketplace.services.collaborations import ACTIONS, allowed_actions, collaboration_transition
from marketplace.services.notifications import notifications_mark_read
from payouts.api import (
    FieldNames,
    MinorUnitsField,
    MinorUnitsOrZeroField,
    MoneyPost,
    brand_member,
    caller_key,
    replayable,
)
from payouts.services.idempotency import brand_scope, creator_scope, idempotent

MAX_ID = 2**63 - 1
S = Collaboration.Status
# Steps people take through the API (timers take expire and auto_accept; resolve is /disputes/{id}/decide/).
API_ACTIONS = [name for name in ACTIONS if name not in ("expire", "auto_accept")]
MONEY_STEPS = {"accept", "decline", "withdraw", "select", "confirm_live", "cancel"}


class JsonPost:
    parser_classes = [JSONParser]


class UploadPost:
    parser_classes = [MultiPartParser]


def _errors(*codes: int) -> dict:
    return dict.fromkeys(codes, ERROR_BODY)


# ------------------------------------------------------------------ serializers


class CollaborationSerializer(serializers.ModelSerializer):
    order_title = serializers.CharField(source="order.title")
    brand = serializers.IntegerField(source="order.brand_id")
    brand_name = serializers.CharField(source="order.brand.name")
    creator_handle = serializers.CharField(source="creator.handle")
    creator_name = serializers.CharField(source="creator.display_name")
    agreed_price_minor = serializers.IntegerField(source="agreed_price")

    class Meta:
        model = Collaboration
        fields = [
            "id",
            "order",
            "order_title",
            "brand",
            "brand_name",
            "creator",
            "creator_handle",
            "creator_name",
            "status",
            "origin",
            "currency",
            "agreed_price_minor",
            "pitch",
            "offered_at",
            "expires_at",
            "accepted_at",
            "published_at",
            "post_url",
            "completed_at",
            "settled_at",
            "closed_at",
            "script_rejections",
            "video_revisions",
            "brand_rating",
            "creator_rating",
            "updated_at",
        ]
        read_only_fields = fields


def _side_of(c: Collaboration, actor) -> str:
    if actor is None:
        return "system"
    if actor.pk == c.creator.user_id:
        return "creator"
    return "admin" if actor.is_staff else "brand"


class CollaborationEventSerializer(serializers.ModelSerializer):
    by = serializers.SerializerMethodField()

    class Meta:
        model = CollaborationEvent
        fields = ["id", "action", "old_status", "new_status", "by", "comment", "data", "created_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["brand", "creator", "admin", "system"]))
    def get_by(self, event: CollaborationEvent) -> str:
        return _side_of(event.collaboration, event.actor)


class DeliverableSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Deliverable
        fields = ["id", "kind", "round", "text", "original_name", "content_type", "size", "created_at", "download_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, item: Deliverable) -> str | None:
        if not item.file:
            return None
        path = reverse("api:deliverable-download", args=[item.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


DISPUTE_FIELDS = [
    "id",
    "collaboration",
    "status",
    "reason",
    "previous_status",
    "opened_at",
    "decision",
    "creator_amount_minor",
    "brand_amount_minor",
    "decision_reason",
    "decided_at",
]


class DisputeSerializer(serializers.ModelSerializer):
    creator_amount_minor = serializers.IntegerField(source="creator_amount", allow_null=True)
    brand_amount_minor = serializers.IntegerField(source="brand_amount", allow_null=True)
    evidence = DeliverableSerializer(many=True)

    class Meta:
        model = Dispute
        fields = [*DISPUTE_FIELDS, "evidence"]
        read_only_fields = fields


class DisputeQueueSerializer(serializers.ModelSerializer):
    creator_amount_minor = serializers.IntegerField(source="creator_amount", allow_null=True)
    brand_amount_minor = serializers.IntegerField(source="brand_amount", allow_null=True)
    order_title = serializers.CharField(source="collaboration.order.title")
    brand_name = serializers.CharField(source="collaboration.order.brand.name")
    creator_name = serializers.CharField(source="collaboration.creator.display_name")
    escrow_minor = serializers.IntegerField(source="collaboration.agreed_price")
    currency = serializers.CharField(source="collaboration.currency")
    evidence_count = serializers.IntegerField()

    class Meta:
        model = Dispute
        fields = [*DISPUTE_FIELDS, "order_title", "brand_name", "creator_name", "escrow_minor", "currency"]
        fields += ["evidence_count"]
        read_only_fields = fields


class CollaborationDetailSerializer(CollaborationSerializer):
    """One collaboration as the caller sees it: what they may do now, the timeline, the files, disputes."""

    side = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    deliverables = serializers.SerializerMethodField()
    disputes = serializers.SerializerMethodField()

    class Meta(CollaborationSerializer.Meta):
        fields = [*CollaborationSerializer.Meta.fields, "side", "allowed_actions", "events", "deliverables"]
        fields += ["disputes"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["brand", "viewer", "creator", "admin"]))
    def get_side(self, c: Collaboration) -> str:
        return self.context["side"]

    @extend_schema_field(
        serializers.ListField(
            child=serializers.ChoiceField(choices=API_ACTIONS),
            help_text="Steps the caller may take now. submit_script is POST script/, submit_video video/, "
            "open_dispute dispute/, resolve /disputes/{id}/decide/; the others POST {action}/.",
        )
    )
    def get_allowed_actions(self, c: Collaboration) -> list[str]:
        if self.context["side"] == "viewer":
            return []
        return [a for a in allowed_actions(c, self.context["request"].user) if a in API_ACTIONS]

    @extend_schema_field(CollaborationEventSerializer(many=True))
    def get_events(self, c: Collaboration) -> list:
        events = list(c.events.select_related("actor"))
        for event in events:
            event.collaboration = c
        return CollaborationEventSerializer(events, many=True).data

    @extend_schema_field(DeliverableSerializer(many=True))
    def get_deliverables(self, c: Collaboration) -> list:
        return DeliverableSerializer(c.deliverables.all(), many=True, context=self.context).data

    @extend_schema_field(DisputeSerializer(many=True))
    def get_disputes(self, c: Collaboration) -> list:
        return DisputeSerializer(reads.disputes_of(c), many=True, context=self.context).data


class NotificationSerializer(serializers.ModelSerializer):
    page_url = serializers.CharField(source="url", help_text="The dashboard page it is about.")
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "collaboration", "page_url", "created_at", "read_at", "unread"]
        read_only_fields = fields

    def get_unread(self, n: Notification) -> bool:
        return n.read_at is None


class RecommendedOrderSerializer(serializers.Serializer):
    order = inline_serializer(
        name="RecommendedOrderBrief",
        fields={
            "id": serializers.IntegerField(),
            "title": serializers.CharField(),
            "brand_name": serializers.CharField(source="brand.name"),
            "product_name": serializers.CharField(),
            "format": serializers.CharField(),
            "currency": serializers.CharField(),
            "price_minor": serializers.IntegerField(source="per_creator_budget"),
            "creators_wanted": serializers.IntegerField(),
            "apply_by": serializers.DateTimeField(allow_null=True),
            "publish_from": serializers.DateField(allow_null=True),
            "publish_until": serializers.DateField(allow_null=True),
        },
    )
    score = serializers.FloatField()
    components = serializers.DictField(child=serializers.FloatField())
    reasons = serializers.ListField(child=serializers.CharField(), source="reason_texts")


# ------------------------------------------------------------------ request bodies


class FlatListField(serializers.ListField):
    """A list whose item errors come back as one flat list of messages, the shape of every error body."""

    def run_child_validation(self, data):
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict):
                raise
            raise serializers.ValidationError(
                [
                    _("Item %(n)s: %(problem)s") % {"n": index, "problem": problem}
                    for index, problems in exc.detail.items()
                    for problem in problems
                ]
            ) from None


class OfferRequestSerializer(serializers.Serializer):
    creator = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The creator's id.")


class ApplicationRequestSerializer(serializers.Serializer):
    quote_minor = MinorUnitsField(help_text="Within ±20 % of the order's listed price.")
    pitch = serializers.CharField(max_length=2000)


class StepCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class StepReasonSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=4000, help_text="Why (the other side reads it).")


class ScriptRequestSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=deals.SCRIPT_MAX_CHARS)


class VideoRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="MP4, MOV or WebM (checked by its content, not its name).")


class PublishRequestSerializer(serializers.Serializer):
    post_url = serializers.URLField(max_length=500)


class DisputeRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)
    evidence = FlatListField(
        child=serializers.FileField(), required=False, max_length=10, help_text="Screenshots, PDF or video."
    )


class MessageRequestSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)


class RatingRequestSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class DecisionRequestSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Dispute.Decision.choices)
    creator_amount_minor = MinorUnitsOrZeroField(required=False, help_text="For a split.")
    brand_amount_minor = MinorUnitsOrZeroField(required=False, help_text="For a split; the two add up to escrow.")
    reason = serializers.CharField(max_length=4000, help_text="Both sides read it.")

    def validate(self, data):
        if data["decision"] == Dispute.Decision.SPLIT:
            missing = [n for n in ("creator_amount_minor", "brand_amount_minor") if n not in data]
            if missing:
                raise serializers.ValidationError({n: [_("Give the amount for a split.")] for n in missing})
        return data


class ReadRequestSerializer(serializers.Serializer):
    ids = FlatListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=1000,
        help_text="Leave out to mark all read.",
    )


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# ------------------------------------------------------------------ lookups


def _fresh(pk: int) -> Collaboration:
    return Collaboration.objects.select_related("order__brand", "creator").get(pk=pk)


def _party(request, pk: int) -> tuple[Collaboration, str]:
    """The collaboration for a POST: 404 unless the caller sees it, 403 for a brand's read-only viewers."""
    c, side = reads.collaboration_for_viewer(user=request.user, pk=pk)
    if side == "viewer":
        raise PermissionDenied(_("Viewers of a brand cannot act on its collaborations."))
    return c, side


def _caller_scope(request, c: Collaboration, side: str) -> str:
    """Whose keys an Idempotency-Key belongs to: the brand's, the creator's or this admin's."""
    if side == "brand":
        return brand_scope(c.order.brand_id)
    if side == "creator":
        return creator_scope(c.creator_id)
    return f"staff:{request.user.pk}"


def _own_creator(request) -> Creator:
    role = role_of(request.user)
    if role is None or not role.is_creator:
        raise PermissionDenied(_("Only creators can do this."))
    return request.user.creator


def _visible_collaborations(user):
    role = role_of(user)
    qs = Collaboration.objects.select_related("order__brand", "creator")
    if role is None:
        return qs.none()
    if role.is_staff:
        return qs
    if role.is_brand:
        return qs.filter(order__brand_id=user.brand_membership.brand_id)
    if role.is_creator:
        return qs.filter(creator=user.creator)
    return qs.none()


# ------------------------------------------------------------------ offers and applications


class OfferCreateApi(MoneyPost, APIView):
    @extend_schema(
        summary="Offer a creator a place on a published order; their rate-card price is held from the wallet",
        request=OfferRequestSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: CollaborationSerializer, **_errors(400, 401, 403, 404, 409, 422, 429)},
    )
    def post(self, request, pk: int):
        order = order_get_for_user(user=request.user, pk=pk)
        membership = brand_member(request, editor=True)
        key = caller_key(request)
        creator_id = _valid(OfferRequestSerializer, request)["creator"]
        return replayable(
            scope=brand_scope(membership.brand_id),
            key=key,
            status=201,
            call=lambda: deals.offer_send(
                order_id=order.pk, creator_id=creator_id, actor=request.user, idempotency_key=key
            ),
            render=lambda c: CollaborationSerializer(_fresh(c.pk)).data,
        )


class OrderCollaborationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=S.choices)

    class Meta:
        model = Collaboration
        fields = ["status"]


@extend_schema(
    summary="The order's collaborations (brand members)",
    responses={200: CollaborationSerializer(many=True), **_errors(400, 401, 404)},
)
class OrderCollaborationListApi(generics.ListAPIView):
    serializer_class = CollaborationSerializer
    filterset_class = OrderCollaborationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Collaboration.objects.none()
        order = order_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        return Collaboration.objects.filter(order=order).select_related("order__brand", "creator")


class ApplicationCreateApi(JsonPost, APIView):
    @extend_schema(
        summary="Apply to an open recruitment order with a quote and a pitch (creators)",
        request=ApplicationRequestSerializer,
        responses={201: CollaborationSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        _own_creator(request)
        order = Order.objects.filter(pk=pk, status=Order.Status.PUBLISHED, mode=Order.Mode.RECRUITMENT).first()
        if order is None:
            raise Http404
        data = _valid(ApplicationRequestSerializer, request)
        with FieldNames(quote="quote_minor"):
            c = deals.application_submit(
                order_id=order.pk, actor=request.user, quote=data["quote_minor"], pitch=data["pitch"]
            )
        return Response(CollaborationSerializer(_fresh(c.pk)).data, status=201)


class RecommendedOrderListApi(APIView):
    @extend_schema(
        summary="Open recruitment orders the creator fits, best match first, with reasons (creators)",
        responses={
            200: inline_serializer(name="RecommendedOrders", fields={"results": RecommendedOrderSerializer(many=True)}),
            **_errors(401, 403),
        },
    )
    def get(self, request):
        creator = _own_creator(request)
        items = reads.recommended_with_reasons(creator=creator)
        return Response({"results": RecommendedOrderSerializer(items, many=True).data})


# ------------------------------------------------------------------ collaborations


class CollaborationFilter(OrderCollaborationFilter):
    order = django_filters.NumberFilter(field_name="order_id")

    class Meta:
        model = Collaboration
        fields = ["status", "order"]


@extend_schema(
    summary="The caller's collaborations: a brand's (members), a creator's own, all (staff)",
    responses={200: CollaborationSerializer(many=True), **_errors(400, 401)},
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
        responses={200: CollaborationDetailSerializer, **_errors(401, 404)},
    )
    def get(self, request, pk: int):
        c, side = reads.collaboration_for_viewer(user=request.user, pk=pk)
        return Response(CollaborationDetailSerializer(c, context={"request": request, "side": side}).data)


def _take_step(request, pk: int, action: str, serializer_class) -> Response:
    c, side = _party(request, pk)
    key = caller_key(request) if action in MONEY_STEPS else None
    comment = _valid(serializer_class, request)["comment"]

    def step() -> Collaboration:
        if action == "report_down":
            return deals.dispute_open(collaboration_id=c.pk, actor=request.user, reason=comment, action=action)
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
        responses={200: CollaborationSerializer, **_errors(400, 401, 403, 404, 409, *((422, 429) if money else ()))},
    )(post)
    name = "Collaboration" + "".join(part.title() for part in action.split("_")) + "Api"
    return type(name, (MoneyPost if money else JsonPost, APIView), {"post": post, "__module__": __name__})


CollaborationAcceptApi = _step_api("accept", "Accept an offer (creator); the held money goes into escrow")
CollaborationDeclineApi = _step_api("decline", "Decline an offer (creator); the hold is released")
CollaborationWithdrawApi = _step_api("withdraw", "Withdraw an offer (brand); the hold is released")
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
CollaborationCancelApi = _step_api("cancel", "Cancel (brand); the creator keeps the stage's share")


class CollaborationScriptApi(JsonPost, APIView):
    @extend_schema(
        summary="Submit the script (creator)",
        request=ScriptRequestSerializer,
        responses={200: CollaborationSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        c, _side = _party(request, pk)
        text = _valid(ScriptRequestSerializer, request)["text"]
        with FieldNames(script="text"):
            deals.script_submit(collaboration_id=c.pk, actor=request.user, text=text)
        return Response(CollaborationSerializer(_fresh(c.pk)).data)


class CollaborationVideoApi(UploadPost, APIView):
    @extend_schema(
        summary="Upload the video (creator; multipart)",
        request={"multipart/form-data": VideoRequestSerializer},
        responses={200: CollaborationSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        c, _side = _party(request, pk)
        upload = _valid(VideoRequestSerializer, request)["file"]
        with FieldNames(video="file"):
            deals.video_submit(collaboration_id=c.pk, actor=request.user, upload=upload)
        return Response(CollaborationSerializer(_fresh(c.pk)).data)


class CollaborationPublishApi(JsonPost, APIView):
    @extend_schema(
        summary="Give the published post's address (creator)",
        request=PublishRequestSerializer,
        responses={200: CollaborationSerializer, **_errors(400, 401, 403, 404, 409)},
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
        responses={201: DisputeSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        c, _side = _party(request, pk)
        data = _valid(DisputeRequestSerializer, request)
        with FieldNames(comment="reason"):
            deals.dispute_open(
                collaboration_id=c.pk, actor=request.user, reason=data["reason"], evidence=data.get("evidence", [])
            )
        dispute = Dispute.objects.prefetch_related("evidence").get(collaboration=c, status=Dispute.Status.OPEN)
        return Response(DisputeSerializer(dispute, context={"request": request}).data, status=201)


class CollaborationMessageApi(JsonPost, APIView):
    @extend_schema(
        summary="Write a message on the collaboration's timeline (the parties, admins)",
        request=MessageRequestSerializer,
        responses={201: CollaborationEventSerializer, **_errors(400, 401, 403, 404)},
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
        responses={200: CollaborationSerializer, **_errors(400, 401, 403, 404, 409)},
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
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
            **_errors(401, 404),
        },
    )
    def get(self, request, pk: int):
        item = deals.deliverable_for_party(deliverable_id=pk, user=request.user)
        response = FileResponse(
            item.file.open("rb"),
            as_attachment=True,
            filename=f"{item.kind}-{item.collaboration_id}-{item.round}{item.extension}",
            content_type=item.content_type or "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


# ------------------------------------------------------------------ admin: disputes


class OldestFirst(Pagination):
    ordering = "id"


@extend_schema(
    summary="Open disputes, oldest first (staff)",
    responses={200: DisputeQueueSerializer(many=True), **_errors(400, 401, 403)},
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
        responses={200: DisputeSerializer, **_errors(400, 401, 403, 404, 409, 422, 429)},
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
        scope = f"staff:{request.user.pk}"
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


# ------------------------------------------------------------------ notifications


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")], method="filter_unread", label="Only unread (true) or read"
    )

    class Meta:
        model = Notification
        fields = ["unread"]

    def filter_unread(self, queryset, name, value):
        return queryset.filter(read_at__isnull=value == "true")


@extend_schema(
    summary="The caller's notifications, newest first",
    responses={200: NotificationSerializer(many=True), **_errors(400, 401)},
)
class NotificationListApi(generics.ListAPIView):
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return reads.notifications_for_user(user=self.request.user)


class NotificationReadApi(JsonPost, APIView):
    @extend_schema(
        summary="Mark notifications read: the given ids, or all",
        request=ReadRequestSerializer,
        responses={
            200: inline_serializer(name="NotificationsMarked", fields={"marked": serializers.IntegerField()}),
            **_errors(400, 401),
        },
    )
    def post(self, request):
        ids = _valid(ReadRequestSerializer, request).get("ids")
        return Response({"marked": notifications_mark_read(user=request.user, ids=ids)})
