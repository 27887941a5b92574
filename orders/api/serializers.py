"""Request and response bodies of the deal operations."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from agencies.selectors import representation_of
from creators.models import UsageRight
from marketplace.core.api.fields import MinorAmountField, RequestSerializer, StrictIntegerField, web_link_field
from marketplace.core.models import Notification
from marketplace.core.params import MAX_ID
from orders.access import ACTOR_RELATED, actor_side
from orders.api.common import API_ACTIONS
from orders.models import Collaboration, CollaborationEvent, Deliverable, Dispute
from orders.negotiation import NOTE_MAX_CHARS
from orders.rights import MAX_EXTENSION_MONTHS
from orders.selectors import deals as reads
from orders.services import deliverables
from orders.services.collaborations import allowed_actions

# ------------------------------------------------------------------ serializers


class RightsLineSerializer(serializers.Serializer):
    right = serializers.ChoiceField(choices=UsageRight.choices)
    percent_bps = serializers.IntegerField(allow_null=True, help_text="Share of the fee for the work per month.")
    monthly_amount_minor = serializers.IntegerField(allow_null=True, help_text="Amount per month.")
    price_minor = serializers.IntegerField(help_text="This right for the deal's months; 0 when included.")


class RightsContractSerializer(serializers.Serializer):
    """The usage rights the deal's price includes (docs/deals.md, "Usage rights")."""

    work_price_minor = serializers.IntegerField(help_text="The fee for the work: the agreed price less the rights.")
    rights_price_minor = serializers.IntegerField()
    days = serializers.IntegerField(help_text="How long the rights run from publication.")
    months = serializers.IntegerField(help_text="The started months the rights are priced for.")
    lines = RightsLineSerializer(many=True)
    rights_until = serializers.DateTimeField(allow_null=True, help_text="Null until the post is published.")


def rights_contract(c: Collaboration) -> dict | None:
    if not c.rights_terms:
        return None
    return {
        "work_price_minor": c.work_price,
        "rights_price_minor": c.rights_price,
        "days": c.rights_terms["days"],
        "months": c.rights_terms["months"],
        "lines": [
            {
                "right": line["right"],
                "percent_bps": line.get("percent_bps"),
                "monthly_amount_minor": line.get("monthly_amount"),
                "price_minor": line["price"],
            }
            for line in c.rights_terms["lines"]
        ],
        "rights_until": c.rights_until,
    }


class CollaborationSerializer(serializers.ModelSerializer):
    order_title = serializers.CharField(source="order.title")
    brand = serializers.IntegerField(source="order.brand_id")
    brand_name = serializers.CharField(source="order.brand.name")
    creator_handle = serializers.CharField(source="creator.handle")
    creator_name = serializers.CharField(source="creator.display_name")
    agreed_price_minor = serializers.IntegerField(
        source="agreed_price",
        help_text="The offered price (or quote) until a counter is accepted, then the deal's.",
    )
    list_price_minor = serializers.IntegerField(
        source="list_price", allow_null=True, help_text="The creator's rate-card price when the offer was sent."
    )
    counter_price_minor = serializers.IntegerField(
        source="counter_price", allow_null=True, help_text="The creator's one counter-offer, if any."
    )
    post_url = serializers.SerializerMethodField(help_text="The published post; null until the creator publishes.")
    play_base_minor = serializers.IntegerField(
        source="play_base", allow_null=True, help_text="Pay per play: the base price (agreed_price is the maximum)."
    )
    play_rate_minor = serializers.IntegerField(
        source="play_rate", allow_null=True, help_text="Pay per play: the price per 10,000 valid plays."
    )
    deposit_minor = serializers.IntegerField(
        source="deposit", allow_null=True, help_text="Deposit order: what is held to reserve the creator (10 %)."
    )
    play_amount_minor = serializers.IntegerField(
        source="play_amount", allow_null=True, help_text="Pay per play: what the counted plays pay, capped."
    )
    rights = serializers.SerializerMethodField(
        help_text="The usage rights the agreed price includes; null when the order asks for none."
    )

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
            "list_price_minor",
            "offer_note",
            "counter_price_minor",
            "counter_note",
            "pricing",
            "play_base_minor",
            "play_rate_minor",
            "plays_counted",
            "play_amount_minor",
            "plays_counted_at",
            "deposit_minor",
            "countered_at",
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
            "rights",
        ]
        read_only_fields = fields

    @extend_schema_field(RightsContractSerializer(allow_null=True))
    def get_rights(self, c: Collaboration) -> dict | None:
        return RightsContractSerializer(rights_contract(c)).data if c.rights_terms else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_post_url(self, c: Collaboration) -> str | None:
        return c.post_url or None


class CollaborationEventSerializer(serializers.ModelSerializer):
    by = serializers.SerializerMethodField()
    # "" on the first event (the offer, the application): there was no status before it.
    old_status = serializers.ChoiceField(choices=Collaboration.Status.choices, allow_blank=True, read_only=True)

    class Meta:
        model = CollaborationEvent
        fields = ["id", "action", "old_status", "new_status", "by", "comment", "data", "created_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["brand", "creator", "agency", "admin", "system"]))
    def get_by(self, event: CollaborationEvent) -> str:
        return actor_side(event.collaboration, event.actor)


class DeliverableSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()
    by = serializers.SerializerMethodField()

    class Meta:
        model = Deliverable
        fields = ["id", "kind", "round", "text", "original_name", "content_type", "size", "by", "created_at"]
        fields += ["download_url"]
        read_only_fields = fields

    @extend_schema_field(
        serializers.ChoiceField(
            choices=["brand", "creator", "agency", "admin", "system"],
            help_text="Who handed it in: a dispute's evidence comes from either side.",
        )
    )
    def get_by(self, item: Deliverable) -> str:
        return actor_side(item.collaboration, item.uploaded_by)

    @extend_schema_field(serializers.URLField(allow_null=True, help_text="Null for a text-only deliverable."))
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


# What every view of a dispute shows alike (DISPUTE_FIELDS' own fields); no docstring: the schema would take it.
class DisputeFieldsSerializer(serializers.ModelSerializer):
    decision = serializers.ChoiceField(choices=Dispute.Decision.choices, allow_blank=True, read_only=True)  # "": open
    creator_amount_minor = serializers.IntegerField(source="creator_amount", allow_null=True)
    brand_amount_minor = serializers.IntegerField(source="brand_amount", allow_null=True)


class DisputeSerializer(DisputeFieldsSerializer):
    evidence = DeliverableSerializer(many=True)

    class Meta:
        model = Dispute
        fields = [*DISPUTE_FIELDS, "evidence"]
        read_only_fields = fields


class DisputeQueueSerializer(DisputeFieldsSerializer):
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
    represented_by = serializers.SerializerMethodField(help_text="The agency that represents the creator now.")

    class Meta(CollaborationSerializer.Meta):
        fields = [*CollaborationSerializer.Meta.fields, "side", "allowed_actions", "events", "deliverables"]
        fields += ["disputes", "represented_by"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["brand", "viewer", "creator", "agency", "admin"]))
    def get_side(self, c: Collaboration) -> str:
        return self.context["side"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_represented_by(self, c: Collaboration) -> str | None:
        rep = representation_of(c.creator_id)
        return rep.agency.name if rep is not None else None

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
        events = list(c.events.select_related(*ACTOR_RELATED))
        for event in events:
            event.collaboration = c
        return CollaborationEventSerializer(events, many=True).data

    @extend_schema_field(DeliverableSerializer(many=True))
    def get_deliverables(self, c: Collaboration) -> list:
        items = c.deliverables.select_related("uploaded_by__agency_membership__agency")
        return DeliverableSerializer(items, many=True, context=self.context).data

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


class OfferRequestSerializer(RequestSerializer):
    creator = StrictIntegerField(min_value=1, max_value=MAX_ID, help_text="The creator's id.")
    price_minor = MinorAmountField(
        required=False, allow_null=True, default=None, help_text="The brand's price; the rate-card price when left out."
    )
    note = serializers.CharField(max_length=NOTE_MAX_CHARS, required=False, allow_blank=True, default="")


class CounterRequestSerializer(RequestSerializer):
    price_minor = MinorAmountField(
        help_text="Within ±20 % of the offered price; once per offer, within its 72 hours "
        "(a deposit deal's re-quote: of its price, within 24 hours of accepting)."
    )
    note = serializers.CharField(max_length=NOTE_MAX_CHARS, required=False, allow_blank=True, default="")


class ApplicationRequestSerializer(RequestSerializer):
    quote_minor = MinorAmountField(help_text="Within ±20 % of the order's listed price.")
    pitch = serializers.CharField(max_length=2000)


class ExtendRightsRequestSerializer(RequestSerializer):
    months = StrictIntegerField(
        min_value=1, max_value=MAX_EXTENSION_MONTHS, help_text="How many more months of the deal's usage rights."
    )
    rights_until = serializers.DateTimeField(
        help_text="The end date being extended, as the collaboration shows it: a second payment for the same end "
        "date is refused (409)."
    )


class StepCommentSerializer(RequestSerializer):
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class StepReasonSerializer(RequestSerializer):
    comment = serializers.CharField(max_length=4000, help_text="Why (the other side reads it).")


class ScriptRequestSerializer(RequestSerializer):
    text = serializers.CharField(max_length=deliverables.SCRIPT_MAX_CHARS)


class VideoRequestSerializer(RequestSerializer):
    file = serializers.FileField(help_text="MP4, MOV or WebM (checked by its content, not its name).")


class PublishRequestSerializer(RequestSerializer):
    post_url = web_link_field(
        message=_("Give the post's http(s) address."),
        help_text="The published post's address, such as https://www.douyin.com/video/7301234567890123456.",
    )


def evidence_list_field() -> FlatListField:
    """A dispute's evidence files, opened or added to: the limits of orders.services.deliverables."""
    return FlatListField(
        child=serializers.FileField(),
        required=False,
        max_length=deliverables.MAX_EVIDENCE_FILES,
        help_text="Screenshots (PNG, JPEG, GIF, WebP), PDF or video, checked by their content.",
    )


class DisputeRequestSerializer(RequestSerializer):
    reason = serializers.CharField(max_length=4000)
    evidence = evidence_list_field()


class EvidenceRequestSerializer(RequestSerializer):
    note = serializers.CharField(
        max_length=deliverables.EVIDENCE_NOTE_MAX_CHARS,
        required=False,
        allow_blank=True,
        default="",
        help_text="What the files show, or what the admin should know; a note, files or both.",
    )
    evidence = evidence_list_field()


class MessageRequestSerializer(RequestSerializer):
    text = serializers.CharField(max_length=4000)


class RatingRequestSerializer(RequestSerializer):
    rating = StrictIntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class DecisionRequestSerializer(RequestSerializer):
    decision = serializers.ChoiceField(choices=Dispute.Decision.choices)
    creator_amount_minor = MinorAmountField(allow_zero=True, required=False, help_text="For a split.")
    brand_amount_minor = MinorAmountField(
        allow_zero=True, required=False, help_text="For a split; the two add up to escrow."
    )
    reason = serializers.CharField(max_length=4000, help_text="Both sides read it.")

    def validate(self, data):
        amounts = ("creator_amount_minor", "brand_amount_minor")
        if data["decision"] == Dispute.Decision.SPLIT:
            missing = [n for n in amounts if n not in data]
            if missing:
                raise serializers.ValidationError({n: [_("Give the amount for a split.")] for n in missing})
        else:
            # Amounts sent with a release or a refund would be ignored, and the whole escrow moved: a client that
            # meant a split finds out instead.
            extra = [n for n in amounts if n in data]
            if extra:
                raise serializers.ValidationError({n: [_("Only a split takes amounts.")] for n in extra})
        return data


class ReadRequestSerializer(RequestSerializer):
    ids = FlatListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=1000,
        help_text="Leave out to mark all read.",
    )
