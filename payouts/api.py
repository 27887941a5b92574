"""Money in the API: the brand wallet, its statement and top-ups; creator earnings, statement and payouts.

Amounts are integer minor units (fields ending in ``_minor``) with a ``currency``. Money-moving POSTs
need an ``Idempotency-Key`` header: the first response is stored with the key, in the same transaction
as the money moved, and a replay of the key gets that response again (``replayable``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from brands.access import EDITOR, MEMBER, brand_seat
from marketplace.core import DomainError
from marketplace.core.api.common import (
    ERROR_BODY,
    IDEMPOTENCY_HEADER,
    JSONParser,
    MoneyThrottle,
    error_responses,
    idempotency_key,
)
from marketplace.core.api.fields import MinorAmountField, RequestSerializer, validated
from marketplace.core.roles import role_of
from payouts import selectors, services
from payouts.models import Account, IdempotencyKey, LedgerEntry, Payout, TopUp
from payouts.services.idempotency import IdempotencyConflict, brand_scope, creator_scope
from payouts.statements import statement_for

REPLAYED_HEADER = "Idempotent-Replayed"
# Lists come in cursor pages: a bad page_size is a 400, a cursor that is not one of ours a 404.
LIST_ERRORS = {400: ERROR_BODY, 401: ERROR_BODY, 403: ERROR_BODY, 404: ERROR_BODY}

# ------------------------------------------------------------------ shared API pieces


def caller_key(request) -> str:
    """The request's Idempotency-Key (400 naming the header when missing or malformed), as a client key.

    The prefix keeps keys sent through the API apart from the keys of the web forms; the keys the services
    derive for their own steps live in another namespace altogether (payouts.services.idempotency).
    """
    return f"api:{idempotency_key(request)}"


def replayable(*, scope: str, key: str, call: Callable, render: Callable, status: int = 200) -> Response:
    """Run a money-moving ``call`` (which stores ``key`` under ``scope``) and answer with ``render(result)``.

    The first answer is stored on the key row in the same transaction; a replay of the key answers
    with that stored body and status, plus ``Idempotent-Replayed: true``. A key used before for a
    different request is a 422 naming the header.
    """
    try:
        with transaction.atomic():
            result = call()
            row = IdempotencyKey.objects.select_for_update().get(scope=scope, key=key)
            stored = row.response.get("api") if isinstance(row.response, dict) else None
            if stored is None:
                body = render(result)
                row.response = {**(row.response or {}), "api": {"status": status, "body": body}}
                row.save(update_fields=["response"])
                return Response(body, status=status)
    except IdempotencyConflict as exc:
        raise IdempotencyConflict(exc.detail, field="Idempotency-Key") from None
    return Response(stored["body"], status=stored["status"], headers={REPLAYED_HEADER: "true"})


class FieldNames:
    """Re-labels a service's DomainError with the API's field name (``amount`` → ``amount_minor``)."""

    def __init__(self, **names: str):
        self.names = names

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if isinstance(exc, DomainError) and exc.field in self.names:
            exc.field = self.names[exc.field]
        return False


def brand_member(request, *, editor: bool = False):
    return brand_seat(request.user, need=EDITOR if editor else MEMBER)


def own_creator(request):
    role = role_of(request.user)
    if role is None or not role.is_creator:
        raise PermissionDenied(_("Only creators have earnings."))
    return request.user.creator


class MoneyPost:
    """Money-moving POSTs: JSON bodies, the money throttle (429 with Retry-After beyond the rate)."""

    parser_classes = [JSONParser]
    throttle_scope = "money"

    def get_throttles(self):
        return [MoneyThrottle()] if self.request.method == "POST" else super().get_throttles()


def money_post_responses(created: type[serializers.Serializer], *more_errors: int) -> dict:
    """A money-moving POST's responses for the schema: ``created`` as the 201, then the errors every one can
    give (400 body or key, 401, 403, 422 key reused for another request, 429 the money throttle) and
    ``more_errors``, in code order."""
    return {201: created, **error_responses(*sorted({400, 401, 403, 422, 429, *more_errors}))}


# ------------------------------------------------------------------ serializers


class WalletSerializer(serializers.Serializer):
    currency = serializers.CharField()
    available_minor = serializers.IntegerField(source="available")
    held_minor = serializers.IntegerField(source="held", help_text="Set aside for open offers.")
    in_escrow_minor = serializers.IntegerField(source="in_escrow", help_text="In escrow for accepted deals.")


class EscrowDealSerializer(serializers.Serializer):
    collaboration = serializers.IntegerField(source="collaboration_id")
    order = serializers.IntegerField(source="order_id")
    order_title = serializers.CharField(source="order.title")
    gross_minor = serializers.IntegerField(source="take.gross", help_text="The deal's price.")
    fee_minor = serializers.IntegerField(source="take.fee", help_text="The platform fee at today's rate.")
    net_minor = serializers.IntegerField(source="take.net", help_text="What the creator receives.")


class EarningsSerializer(serializers.Serializer):
    currency = serializers.CharField()
    on_its_way_minor = serializers.IntegerField(
        source="on_its_way",
        help_text=(
            "In escrow for accepted deals, after the platform fee and any agency share: paid once the brand has "
            "accepted the work and the post is confirmed still live."
        ),
    )
    on_its_way = EscrowDealSerializer(source="escrow", many=True, help_text="The deals that money is for.")
    pending_minor = serializers.IntegerField(source="pending", help_text="Earned, waiting for the stays-live check.")
    available_minor = serializers.IntegerField(source="available", help_text="Can be paid out.")
    in_flight_minor = serializers.IntegerField(source="in_flight", help_text="Requested payouts not sent yet.")
    paid_out_minor = serializers.IntegerField(source="paid_out")


class StatementEntrySerializer(serializers.ModelSerializer):
    created_at = serializers.DateTimeField(source="transaction.created_at")
    transaction = serializers.IntegerField(source="transaction_id")
    kind = serializers.CharField(source="transaction.kind")
    description = serializers.CharField(source="transaction.get_kind_display")
    reference = serializers.CharField(source="transaction.memo")
    order = serializers.IntegerField(source="transaction.order_id", allow_null=True)
    collaboration = serializers.IntegerField(source="transaction.collaboration_id", allow_null=True)
    amount_minor = serializers.IntegerField(source="amount")
    balance_minor = serializers.IntegerField(source="running_balance", help_text="The balance after this entry.")

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "created_at",
            "transaction",
            "kind",
            "description",
            "reference",
            "order",
            "collaboration",
            "amount_minor",
            "currency",
            "balance_minor",
        ]
        read_only_fields = fields


class TopUpSerializer(serializers.ModelSerializer):
    amount_minor = serializers.IntegerField(source="amount")
    status = serializers.CharField(help_text="pending, succeeded or failed.")

    class Meta:
        model = TopUp
        fields = ["id", "status", "amount_minor", "currency", "provider", "provider_reference", "created_at"]
        read_only_fields = fields


class PayoutSerializer(serializers.ModelSerializer):
    amount_minor = serializers.IntegerField(source="amount")
    status = serializers.CharField(help_text="requested, sending, awaiting_confirmation, sent or failed.")

    class Meta:
        model = Payout
        fields = ["id", "status", "amount_minor", "currency", "created_at", "sent_at"]
        read_only_fields = fields


class AmountSerializer(RequestSerializer):
    amount_minor = MinorAmountField()


# A creator's payout and an agency's (agencies.api): 409 when the balance is short of the amount.
PAYOUT_POST_RESPONSES = money_post_responses(PayoutSerializer, 409)


# ------------------------------------------------------------------ statements


class StatementApi(generics.ListAPIView):
    """An account's entries, newest first, each with the balance after it.

    The running balance is worked out per page from the account's total up to the page's newest entry,
    so it is right whichever way the cursor moves (a window over a filtered page would not be).
    """

    serializer_class = StatementEntrySerializer

    def account(self) -> Account | None:
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LedgerEntry.objects.none()
        account = self.account()
        return selectors.account_statement(account=account).select_related("transaction")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page:
            newest = max(entry.pk for entry in page)
            running = LedgerEntry.objects.filter(account_id=page[0].account_id, pk__lte=newest).aggregate(
                total=Sum("amount")
            )["total"]
            for entry in sorted(page, key=lambda e: -e.pk):
                entry.running_balance = running
                running -= entry.amount
        return page


# ------------------------------------------------------------------ brand wallet


class WalletDetailApi(APIView):
    @extend_schema(
        summary="The brand's wallet: available, held for offers, in escrow",
        responses={200: WalletSerializer, 401: ERROR_BODY, 403: ERROR_BODY},
    )
    def get(self, request):
        membership = brand_member(request)
        wallet = selectors.wallet_for_brand(brand_id=membership.brand_id, currency=settings.CURRENCY)
        return Response(WalletSerializer(wallet).data)


@extend_schema(
    summary="The brand's available-balance statement (newest first, with running balance)",
    responses={200: StatementEntrySerializer(many=True), **LIST_ERRORS},
)
class WalletStatementApi(StatementApi):
    def account(self):
        membership = brand_member(self.request)
        return Account.objects.filter(
            kind=Account.Kind.BRAND_AVAILABLE, brand_id=membership.brand_id, currency=settings.CURRENCY
        ).first()


class WalletTopupApi(MoneyPost, APIView):
    @extend_schema(
        summary="Top up the brand wallet (owners and managers)",
        request=AmountSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses=money_post_responses(TopUpSerializer),
    )
    def post(self, request):
        membership = brand_member(request, editor=True)
        key = caller_key(request)
        data = _valid(AmountSerializer, request)
        with FieldNames(amount="amount_minor"):
            return replayable(
                scope=brand_scope(membership.brand_id),
                key=key,
                status=201,
                call=lambda: services.topup(
                    brand_id=membership.brand_id,
                    amount=data["amount_minor"],
                    currency=settings.CURRENCY,
                    idempotency_key=key,
                    actor=request.user,
                ),
                render=lambda topup: TopUpSerializer(topup).data,
            )


# ------------------------------------------------------------------ creator earnings


class EarningsDetailApi(APIView):
    @extend_schema(
        summary="The creator's earnings: on its way (in escrow), pending, available, in flight, paid out",
        responses={200: EarningsSerializer, 401: ERROR_BODY, 403: ERROR_BODY},
    )
    def get(self, request):
        creator = own_creator(request)
        return Response(EarningsSerializer(selectors.earnings_for_creator(creator_id=creator.pk)).data)


@extend_schema(
    summary="The creator's statement (newest first, with running balance)",
    parameters=[
        OpenApiParameter(
            "balance",
            str,
            enum=["available", "pending"],
            description="Which balance (default: available, what can be paid out).",
        )
    ],
    responses={200: StatementEntrySerializer(many=True), **LIST_ERRORS},
)
class EarningsStatementApi(StatementApi):
    BALANCES = {"available": Account.Kind.CREATOR_AVAILABLE, "pending": Account.Kind.CREATOR_PENDING}

    def account(self):
        creator = own_creator(self.request)
        which = self.request.query_params.get("balance", "available")
        if which not in self.BALANCES:
            raise serializers.ValidationError({"balance": [_("Choose available or pending.")]})
        return Account.objects.filter(
            kind=self.BALANCES[which], creator_id=creator.pk, currency=settings.CURRENCY
        ).first()


class PayoutApi(MoneyPost, generics.ListAPIView):
    serializer_class = PayoutSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Payout.objects.none()
        return selectors.payouts_for_creator(creator_id=own_creator(self.request).pk)

    @extend_schema(
        summary="The creator's payouts, newest first",
        responses={200: PayoutSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Pay out part of the available balance (at least PAYOUT_MINIMUM)",
        request=AmountSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses=PAYOUT_POST_RESPONSES,
    )
    def post(self, request):
        creator = own_creator(request)
        key = caller_key(request)
        data = _valid(AmountSerializer, request)
        with FieldNames(amount="amount_minor"):
            return replayable(
                scope=creator_scope(creator.pk),
                key=key,
                status=201,
                call=lambda: services.payout_request(
                    creator_id=creator.pk,
                    amount=data["amount_minor"],
                    currency=settings.CURRENCY,
                    idempotency_key=key,
                    actor=request.user,
                ),
                render=lambda payout: PayoutSerializer(payout).data,
            )


def _valid(serializer_class, request) -> dict:
    """The request's validated data, or a 400 whose errors are flat lists of text (as the error body says)."""
    return validated(serializer_class(data=request.data))


# ------------------------------------------------------------------ monthly statements


class StatementLineSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    transaction_id = serializers.IntegerField()
    kind = serializers.CharField()
    description = serializers.CharField()
    amount_minor = serializers.IntegerField(source="amount")
    balance_minor = serializers.IntegerField(source="balance")


class MonthlyStatementSerializer(serializers.Serializer):
    reference = serializers.CharField()
    month = serializers.DateField(help_text="The month's first day.")
    account = serializers.CharField(source="account_label")
    party_name = serializers.CharField()
    legal_name = serializers.CharField()
    tax_id = serializers.CharField()
    currency = serializers.CharField()
    opening_minor = serializers.IntegerField(source="opening")
    closing_minor = serializers.IntegerField(source="closing")
    lines = StatementLineSerializer(many=True)


class MonthlyStatementApi(APIView):
    @extend_schema(
        summary="Your monthly statement: opening balance, every movement with the balance after it, closing",
        description="A brand member's is the brand's available balance; a creator's their own; an agency member's "
        "the agency's available share. As PDF and CSV "
        "on the documents page (/money/statements/YYYY-MM.pdf|csv). A month outside 2000-01 … 9998-12, or one "
        "that has not begun, is a 404.",
        responses={200: MonthlyStatementSerializer, 401: ERROR_BODY, 403: ERROR_BODY, 404: ERROR_BODY},
    )
    def get(self, request, year: int, month: int):
        statement = statement_for(request.user, year=year, month=month)
        return Response(MonthlyStatementSerializer(statement).data)
