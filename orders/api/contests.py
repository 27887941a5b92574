"""Submission contests and CPM submissions: publish (the pool is held), list, read, enter, report results,
and every step of the contest and its entries (orders.services.contests)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core.api.common import IDEMPOTENCY_HEADER, error_responses
from marketplace.core.api.fields import MinorAmountField, RequestSerializer, StrictIntegerField
from orders.api.common import JsonPost, _valid
from orders.api.orders import OrderWriteSerializer, brand_membership
from orders.models import Contest, ContestEntry, ResultSnapshot
from orders.selectors.contests import visible_contests
from orders.services import contests
from orders.services.orders import OrderBrief
from payouts.api import FieldNames, MoneyPost, caller_key, replayable
from payouts.services.idempotency import brand_scope, creator_scope, idempotent, staff_scope

# ------------------------------------------------------------------ serializers


class ContestCreateSerializer(RequestSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20_000, allow_blank=True, required=False, default="")
    product_name = serializers.CharField(max_length=200)
    product_category = (
        OrderWriteSerializer()
        .fields["product_category"]
        .__class__(help_text="IAB Ad Product 2.0 id (string) or Starmap id (integer).")
    )
    format = OrderWriteSerializer().fields["format"].__class__(choices=OrderWriteSerializer().fields["format"].choices)
    target_labels = (
        OrderWriteSerializer()
        .fields["target_labels"]
        .__class__(child=OrderWriteSerializer().fields["target_labels"].child.__class__(), max_length=50)
    )
    kind = serializers.ChoiceField(choices=Contest.Kind.choices, default=Contest.Kind.PRIZES)
    ranking = serializers.ChoiceField(choices=Contest.Ranking.choices, default=Contest.Ranking.VIEWS)
    pick_from_top = StrictIntegerField(min_value=1, max_value=contests.MAX_PLACES, default=10)
    # Checked by the service (orders.services.contests.publishing._clean_tiers): a bad tier is one error on "tiers".
    tiers = serializers.ListField(
        child=serializers.JSONField(allow_null=True),  # any JSON per item: the service names what is wrong
        max_length=20,
        required=False,
        default=list,
        help_text='Prize tiers, biggest prize first: [{"places": 1, "prize_minor": 100000}, ...].',
    )
    count_day = serializers.ChoiceField(choices=ResultSnapshot.Day.choices, default=7)
    cpm_minor = MinorAmountField(required=False, allow_null=True, default=None)
    creator_cap_minor = MinorAmountField(required=False, allow_null=True, default=None)
    total_cap_minor = MinorAmountField(required=False, allow_null=True, default=None)
    submit_until = serializers.DateTimeField(help_text="Entries close then.")

    validate_product_category = OrderWriteSerializer.validate_product_category
    validate_target_labels = OrderWriteSerializer.validate_target_labels


class ContestStepSerializer(RequestSerializer):
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    picks = serializers.ListField(
        child=StrictIntegerField(min_value=1),
        required=False,
        max_length=contests.MAX_PLACES,
        help_text="Confirming a brand's-choice contest: the winning entries, best first, among the top N by views.",
    )
    excluded = serializers.ListField(
        child=StrictIntegerField(min_value=1),
        required=False,
        max_length=10_000,
        help_text="Deciding a dispute (staff): the entries whose figures are disallowed.",
    )


class EnterSerializer(RequestSerializer):
    post_url = serializers.URLField(max_length=500)
    published_at = serializers.DateTimeField()


class ResultsSerializer(RequestSerializer):
    views = StrictIntegerField(min_value=0)
    likes = StrictIntegerField(min_value=0, required=False, default=0)


class EntrySerializer(serializers.ModelSerializer):
    prize_minor = serializers.IntegerField(source="prize", read_only=True)
    fee_minor = serializers.IntegerField(source="fee", read_only=True)
    creator = serializers.IntegerField(source="creator_id", read_only=True)

    class Meta:
        model = ContestEntry
        fields = [
            "id",
            "contest",
            "creator",
            "post_url",
            "published_at",
            "submitted_at",
            "status",
            "views",
            "likes",
            "rank",
            "tier",
            "prize_minor",
            "fee_minor",
        ]
        read_only_fields = fields


class TierSerializer(serializers.Serializer):
    """A prize tier, named as a request sends it: how many places, and each place's prize in minor units."""

    places = serializers.IntegerField(read_only=True)
    prize_minor = serializers.IntegerField(source="prize", read_only=True)


class ContestSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="order.title", read_only=True)
    tiers = TierSerializer(many=True, read_only=True)
    brand = serializers.IntegerField(source="order.brand_id", read_only=True)
    pool_minor = serializers.IntegerField(source="pool", read_only=True)
    cpm_minor = serializers.IntegerField(source="cpm", read_only=True, allow_null=True)
    creator_cap_minor = serializers.IntegerField(source="creator_cap", read_only=True, allow_null=True)
    awarded_minor = serializers.IntegerField(source="awarded", read_only=True)
    refunded_minor = serializers.IntegerField(source="refunded", read_only=True)

    class Meta:
        model = Contest
        fields = [
            "id",
            "order",
            "title",
            "brand",
            "kind",
            "ranking",
            "pick_from_top",
            "tiers",
            "count_day",
            "cpm_minor",
            "creator_cap_minor",
            "pool_minor",
            "currency",
            "submit_until",
            "counting_ends_at",
            "status",
            "ranked_at",
            "confirm_by",
            "settled_at",
            "awarded_minor",
            "refunded_minor",
        ]
        read_only_fields = fields


class ContestDetailSerializer(ContestSerializer):
    entries = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(ContestSerializer.Meta):
        fields = [*ContestSerializer.Meta.fields, "entries", "allowed_actions"]
        read_only_fields = fields

    def get_entries(self, contest) -> list[dict]:
        return EntrySerializer(contests.entries_for_viewer(contest, self.context["request"].user), many=True).data

    def get_allowed_actions(self, contest) -> list[str]:
        return contests.allowed_contest_actions(contest, self.context["request"].user)


# ------------------------------------------------------------------ lookups


def _contest(request, pk: int) -> Contest:
    contest = visible_contests(request.user).filter(pk=pk).first()
    if contest is None:
        raise exceptions.NotFound(_("No such contest."))
    return contest


def _entry(request, pk: int) -> ContestEntry:
    entry = ContestEntry.objects.select_related("contest__order", "creator").filter(pk=pk).first()
    if entry is None or contests.entry_side(entry, request.user) is None:
        raise exceptions.NotFound(_("No such entry."))
    return entry


def _scope(request, contest: Contest) -> str:
    side = contests.contest_side(contest, request.user)
    if side == "brand":
        return brand_scope(contest.order.brand_id)
    if side == "creator":
        return creator_scope(request.user.creator.pk)
    return staff_scope(request.user.pk)


# The service names the terms as the model does; an error names the field as the request sent it.
SERVICE_FIELDS = FieldNames(cpm="cpm_minor", creator_cap="creator_cap_minor", total_cap="total_cap_minor")


def _no_viewers(side: str | None) -> None:
    if side == "viewer":
        raise exceptions.PermissionDenied(_("Viewers of a brand cannot act on its contests."))


# ------------------------------------------------------------------ views


class ContestListApi(MoneyPost, generics.ListAPIView):
    """GET: a page of contests, newest first (cursor pagination, as every list); POST: publish one."""

    serializer_class = ContestSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Contest.objects.none()
        return visible_contests(self.request.user)

    @extend_schema(
        summary="Contests the caller may see: their brand's, open calls and their own entries', or all (staff)",
        responses={200: ContestSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Publish a contest (owners and managers): the whole prize pool (or the CPM total cap) is held",
        request=ContestCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: ContestSerializer, **error_responses(400, 401, 403, 409, 422, 429)},
    )
    def post(self, request):
        membership = brand_membership(request, editor=True)
        key = caller_key(request)
        data = _valid(ContestCreateSerializer, request)
        brief = OrderBrief(
            title=data["title"],
            description=data["description"],
            product_name=data["product_name"],
            product_category=data["product_category"],
            format=data["format"],
            target_labels=data["target_labels"],
        )
        terms = contests.ContestTerms(
            kind=data["kind"],
            ranking=data["ranking"],
            pick_from_top=data["pick_from_top"],
            tiers=[
                {"places": t.get("places"), "prize": t.get("prize_minor")} if isinstance(t, dict) else t
                for t in data["tiers"]
            ],
            count_day=data["count_day"],
            cpm=data["cpm_minor"],
            creator_cap=data["creator_cap_minor"],
            total_cap=data["total_cap_minor"],
            submit_until=data["submit_until"],
        )
        scope = brand_scope(membership.brand_id)
        params = {k: str(v) for k, v in sorted(request.data.items())} if isinstance(request.data, dict) else {}
        with SERVICE_FIELDS:
            return replayable(
                scope=scope,
                key=key,
                call=lambda: idempotent(
                    scope=scope,
                    key=key,
                    operation="contest_publish",
                    params=params,
                    perform=lambda: contests.contest_publish(
                        brand=membership.brand, actor=request.user, brief=brief, terms=terms
                    ),
                ),
                render=lambda contest: ContestSerializer(contest).data,
                status=201,
            )


class ContestDetailApi(APIView):
    @extend_schema(
        summary="One contest: its terms, the entries the caller may see and the caller's allowed steps",
        responses={200: ContestDetailSerializer, **error_responses(401, 404)},
    )
    def get(self, request, pk: int):
        contest = _contest(request, pk)
        return Response(ContestDetailSerializer(contest, context={"request": request}).data)


class ContestEnterApi(JsonPost, APIView):
    @extend_schema(
        summary="Enter a published post (creators); takes none of the creator's capacity",
        request=EnterSerializer,
        responses={201: EntrySerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        contest = _contest(request, pk)
        if not hasattr(request.user, "creator"):
            raise exceptions.PermissionDenied(_("Only creators can enter contests."))
        data = _valid(EnterSerializer, request)
        entry = contests.contest_enter(
            contest_id=contest.pk, actor=request.user, post_url=data["post_url"], published_at=data["published_at"]
        )
        location = reverse("api:contest-detail", args=[contest.pk])
        return Response(EntrySerializer(entry).data, status=201, headers={"Location": location})


def _contest_step_api(action: str, summary: str) -> type[APIView]:
    money = bool(contests.CONTEST_ACTIONS[action].money)

    def post(self, request, pk: int):
        contest = _contest(request, pk)
        _no_viewers(contests.contest_side(contest, request.user))
        key = caller_key(request) if money else None
        data = _valid(ContestStepSerializer, request)
        payload = {name: data[name] for name in ("picks", "excluded") if name in data}

        def step() -> Contest:
            return contests.contest_transition(
                contest_id=contest.pk, action=action, actor=request.user, comment=data["comment"], payload=payload
            )

        def render(result: Contest) -> dict:
            fresh = Contest.objects.select_related("order").get(pk=result.pk)
            return ContestDetailSerializer(fresh, context={"request": request}).data

        if key is None:
            return Response(render(step()))
        scope = _scope(request, contest)
        return replayable(
            scope=scope,
            key=key,
            call=lambda: idempotent(
                scope=scope,
                key=key,
                operation=f"contest_{action}",
                params={"contest_id": contest.pk, **{k: str(v) for k, v in data.items()}},
                perform=step,
            ),
            render=render,
        )

    post = extend_schema(
        summary=summary,
        request=ContestStepSerializer,
        parameters=[IDEMPOTENCY_HEADER] if money else [],
        responses={
            200: ContestDetailSerializer,
            **error_responses(400, 401, 403, 404, 409, *((422, 429) if money else ())),
        },
    )(post)
    name = "Contest" + "".join(part.title() for part in action.split("_")) + "Api"
    return type(name, (MoneyPost if money else JsonPost, APIView), {"post": post, "__module__": __name__})


ContestCancelApi = _contest_step_api("cancel", "Cancel a contest nobody entered (brand); the pool is refunded")
ContestConfirmApi = _contest_step_api("confirm", "Confirm the ranking (brand); prizes are paid, the rest refunded")
ContestDisputeApi = _contest_step_api("dispute", "Dispute the ranked results (brand or an entrant); figures freeze")
ContestResolveApi = _contest_step_api("resolve", "Decide a disputed contest (staff); prizes are paid as decided")


def _entry_step_api(action: str, summary: str, body) -> type[APIView]:
    def post(self, request, pk: int):
        entry = _entry(request, pk)
        _no_viewers(contests.entry_side(entry, request.user))
        data = _valid(body, request)
        entry = contests.entry_transition(
            entry_id=entry.pk,
            action=action,
            actor=request.user,
            comment=data.get("comment", ""),
            payload={k: v for k, v in data.items() if k != "comment"},
        )
        return Response(EntrySerializer(entry).data)

    post = extend_schema(
        summary=summary, request=body, responses={200: EntrySerializer, **error_responses(400, 401, 403, 404, 409)}
    )(post)
    name = "ContestEntry" + "".join(part.title() for part in action.split("_")) + "Api"
    return type(name, (JsonPost, APIView), {"post": post, "__module__": __name__})


class _Reason(RequestSerializer):
    comment = serializers.CharField(max_length=4000, help_text="Why (the other side reads it).")


class _Nothing(RequestSerializer):
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


ContestEntryResultsApi = _entry_step_api(
    "report_results", "Report the counting day's views and likes (the entry's creator, or staff)", ResultsSerializer
)
ContestEntryWithdrawApi = _entry_step_api("withdraw", "Withdraw an entry while the contest is open (creator)", _Nothing)
ContestEntryReportRemovedApi = _entry_step_api(
    "report_removed", "Report an entry's post taken down (brand or creator); it is not ranked", _Reason
)
