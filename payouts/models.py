"""The money ledger: accounts, append-only transactions and entries, and the objects that move money.

Amounts are integers in minor units. Every account's balance is the sum of its entries; the cached
``Account.balance`` is changed only by payouts.services.ledger under a row lock, in the same
transaction as the entries (``manage.py ledger_verify`` recomputes and compares). PostgreSQL
enforces the ledger rules itself — see migration 0002 and docs/money.md.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from marketplace.core.logs import request_id_field

CURRENCY_CODE = Q(currency__regex=r"^[A-Z]{3}$")


class Account(models.Model):
    """One balance in one currency, owned by a brand, a creator, an order, or the platform."""

    class Kind(models.TextChoices):
        BRAND_AVAILABLE = "brand_available", _("Brand available")
        BRAND_HELD = "brand_held", _("Brand held")
        ORDER_ESCROW = "order_escrow", _("Order escrow")
        CREATOR_PENDING = "creator_pending", _("Creator pending")
        CREATOR_AVAILABLE = "creator_available", _("Creator available")
        PLATFORM_FEES = "platform_fees", _("Platform fees")
        PROVIDER = "provider", _("Payment provider (outside world)")
        # Incentive programmes (programmes app): money staff put in for bonuses, and programme budgets held.
        INCENTIVES = "incentives", _("Incentives fund")
        INCENTIVES_HELD = "incentives_held", _("Incentive programme budgets held")
        AGENCY_PENDING = "agency_pending", _("Agency pending")
        AGENCY_AVAILABLE = "agency_available", _("Agency available")

    BRAND_KINDS = (Kind.BRAND_AVAILABLE, Kind.BRAND_HELD)
    CREATOR_KINDS = (Kind.CREATOR_PENDING, Kind.CREATOR_AVAILABLE)
    PLATFORM_KINDS = (Kind.PLATFORM_FEES, Kind.PROVIDER, Kind.INCENTIVES, Kind.INCENTIVES_HELD)
    AGENCY_KINDS = (Kind.AGENCY_PENDING, Kind.AGENCY_AVAILABLE)

    kind = models.CharField(max_length=20, choices=Kind.choices)
    brand = models.ForeignKey(
        "brands.Brand", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    creator = models.ForeignKey(
        "creators.Creator", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    currency = models.CharField(max_length=3)
    balance = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.CheckConstraint(
                condition=(
                    (
                        Q(kind__in=["brand_available", "brand_held"], brand__isnull=False)
                        & Q(creator__isnull=True, order__isnull=True)
                    )
                    | (Q(kind="order_escrow", order__isnull=False) & Q(brand__isnull=True, creator__isnull=True))
                    | (
                        Q(kind__in=["creator_pending", "creator_available"], creator__isnull=False)
                        & Q(brand__isnull=True, order__isnull=True)
                    )
                    | (
                        Q(kind__in=["platform_fees", "provider", "incentives", "incentives_held"])
                        & Q(brand__isnull=True, creator__isnull=True, order__isnull=True)
                    )
                    | (
                        Q(kind__in=["agency_pending", "agency_available"], agency__isnull=False)
                        & Q(brand__isnull=True, creator__isnull=True, order__isnull=True)
                    )
                )
                & (Q(agency__isnull=True) | Q(kind__in=["agency_pending", "agency_available"])),
                name="account_owner_matches_kind",
            ),
            # Only the outside world may go below zero: it mirrors the money that came in.
            models.CheckConstraint(condition=Q(kind="provider") | Q(balance__gte=0), name="account_balance_nonneg"),
            models.CheckConstraint(condition=CURRENCY_CODE, name="account_currency_code"),
            # At most one owner is set (the check above), so COALESCE is the owner's id (0 for the platform).
            models.UniqueConstraint(
                F("kind"),
                Coalesce("brand", "creator", "order", "agency", Value(0)),
                F("currency"),
                name="account_unique_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.owner_label} {self.currency}"

    @property
    def owner_label(self) -> str:
        if self.brand_id:
            return f"brand:{self.brand_id}"
        if self.creator_id:
            return f"creator:{self.creator_id}"
        if self.order_id:
            return f"order:{self.order_id}"
        if self.agency_id:
            return f"agency:{self.agency_id}"
        return "platform"


class TopUp(models.Model):
    """Money a brand sends in through the payment provider; credited when the provider confirms."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the transfer")
        SUCCEEDED = "succeeded", _("Credited")
        FAILED = "failed", _("Failed")

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="topups")
    amount = models.BigIntegerField(_("amount (minor units)"))
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, editable=False)
    provider = models.CharField(max_length=32)
    provider_reference = models.CharField(_("provider reference"), max_length=128, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    credited_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("top-up")
        verbose_name_plural = _("top-ups")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="topup_amount_positive"),
            models.CheckConstraint(condition=CURRENCY_CODE, name="topup_currency_code"),
        ]

    def __str__(self) -> str:
        return f"top-up {self.pk} {self.brand_id} {self.amount} {self.currency} ({self.status})"


class Hold(models.Model):
    """Brand money set aside for one deal on an order. It resolves at most once.

    held → escrowed | released (back to the brand); escrowed → paid (to the creator, less the fee) |
    refunded | split | cancelled (cancellation fee). ``fee_bps`` is fixed when the hold is made, so a
    later change of the platform fee never changes a deal in flight. After a resolution that pays the
    creator, ``settled_at`` records when the creator's share moved from pending to available.
    """

    class Status(models.TextChoices):
        HELD = "held", _("Held")
        RELEASED = "released", _("Released to the brand")
        ESCROWED = "escrowed", _("In escrow")
        PAID = "paid", _("Paid to the creator")
        REFUNDED = "refunded", _("Refunded to the brand")
        SPLIT = "split", _("Split")
        CANCELLED = "cancelled", _("Cancelled with a fee")

    RESOLVED = (Status.PAID, Status.REFUNDED, Status.SPLIT, Status.CANCELLED)

    brand = models.ForeignKey("brands.Brand", on_delete=models.PROTECT, related_name="holds")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="holds")
    collaboration = models.ForeignKey(
        "orders.Collaboration", null=True, blank=True, on_delete=models.PROTECT, related_name="holds"
    )
    creator = models.ForeignKey(
        "creators.Creator", null=True, blank=True, on_delete=models.PROTECT, related_name="holds"
    )
    amount = models.BigIntegerField(_("amount (minor units)"))
    currency = models.CharField(max_length=3)
    fee_bps = models.PositiveIntegerField(_("platform fee (basis points)"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.HELD, editable=False)
    # The creator's agency and its share (of the creator's share after the fee), fixed when the deal is agreed
    # (escrow), as the fee is when the money is held; no agency: null and 0.
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="holds", editable=False
    )
    agency_bps = models.PositiveIntegerField(_("agency share (basis points)"), default=0, editable=False)
    # Filled in once, when the escrow resolves: creator_gross = creator_share + agency_share + fee;
    # creator_gross + refund = amount.
    creator_gross = models.BigIntegerField(null=True, blank=True, editable=False)
    creator_share = models.BigIntegerField(null=True, blank=True, editable=False)
    agency_share = models.BigIntegerField(default=0, editable=False)
    fee = models.BigIntegerField(null=True, blank=True, editable=False)
    refunded = models.BigIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    settled_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        indexes = [
            models.Index(fields=["brand", "status"], name="hold_brand_status"),
            models.Index(fields=["order", "status"], name="hold_order_status"),
            models.Index(fields=["creator", "status"], name="hold_creator_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="hold_amount_positive"),
            models.CheckConstraint(condition=Q(fee_bps__lte=10_000), name="hold_fee_bps_max"),
            models.CheckConstraint(
                condition=Q(agency__isnull=True, agency_bps=0) | Q(agency__isnull=False, agency_bps__lte=10_000),
                name="hold_agency_terms",
            ),
            models.CheckConstraint(condition=CURRENCY_CODE, name="hold_currency_code"),
            models.CheckConstraint(
                condition=Q(status__in=["held", "released", "escrowed"], creator_gross__isnull=True)
                | Q(
                    status__in=["paid", "refunded", "split", "cancelled"],
                    creator_gross__gte=0,
                    creator_share__gte=0,
                    fee__gte=0,
                    refunded__gte=0,
                    agency_share__gte=0,
                    creator_gross=F("creator_share") + F("agency_share") + F("fee"),
                    amount=F("creator_gross") + F("refunded"),
                ),
                name="hold_resolution_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(settled_at__isnull=True) | Q(creator_share__gt=0), name="hold_settles_a_share"
            ),
            # One live hold per collaboration: a deal's money is set aside once.
            models.UniqueConstraint(
                fields=["collaboration"],
                condition=Q(status__in=["held", "escrowed"]),
                name="hold_one_live_per_collaboration",
            ),
        ]

    def __str__(self) -> str:
        return f"hold {self.pk} {self.amount} {self.currency} ({self.status})"


class PoolAward(models.Model):
    """One creator's part of a pool hold paid to many creators (a contest's prizes): gross = share + fee.

    A pool hold names no creator; these rows say who got what, so the ledger check can derive every
    creator's balance from the domain rows (selectors.ledger_problems). Written once, with the release.
    """

    hold = models.ForeignKey(Hold, on_delete=models.PROTECT, related_name="awards")
    creator = models.ForeignKey("creators.Creator", on_delete=models.PROTECT, related_name="pool_awards")
    gross = models.BigIntegerField()
    share = models.BigIntegerField()
    fee = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hold", "creator"], name="pool_award_one_per_creator"),
            models.CheckConstraint(
                condition=Q(fee__gte=0, share__gt=0, gross=F("share") + F("fee")), name="pool_award_adds_up"
            ),
        ]

    def __str__(self) -> str:
        return f"hold {self.hold_id} → creator {self.creator_id}: {self.gross}"


class Payout(models.Model):
    """Money a creator, or an agency, takes out. Debited from available when requested; sent by a worker task.

    The worker claims the row with a compare-and-set UPDATE and calls the provider with
    ``provider_key``, so a redelivered task never pays twice. A payout that fails for good is
    credited back to the creator (a ``payout_reversal`` transaction).
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        SENDING = "sending", _("Sending")
        AWAITING_CONFIRMATION = "awaiting_confirmation", _("Waiting for an admin to confirm")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    # A claim older than this belongs to a worker that died mid-call; another may take the payout
    # over (safe: the provider sees the same key).
    CLAIM_TIMEOUT = timedelta(minutes=10)

    # Whose available balance pays it: a creator's, or an agency's share (exactly one of them).
    creator = models.ForeignKey(
        "creators.Creator", null=True, blank=True, on_delete=models.PROTECT, related_name="payouts"
    )
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="payouts"
    )
    amount = models.BigIntegerField(_("amount (minor units)"))
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.REQUESTED, editable=False)
    provider = models.CharField(max_length=32)
    provider_key = models.CharField(max_length=64, unique=True, editable=False)
    provider_reference = models.CharField(_("provider reference"), max_length=128, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        indexes = [
            models.Index(fields=["creator", "-created_at"], name="payout_creator_created"),
            models.Index(fields=["agency", "-created_at"], name="payout_agency_created"),
            models.Index(fields=["status", "claimed_at"], name="payout_status_claimed"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
            models.CheckConstraint(
                condition=Q(creator__isnull=False, agency__isnull=True) | Q(creator__isnull=True, agency__isnull=False),
                name="payout_one_owner",
            ),
            models.CheckConstraint(condition=CURRENCY_CODE, name="payout_currency_code"),
        ]

    def __str__(self) -> str:
        return f"payout {self.pk} {self.amount} {self.currency} ({self.status})"


class LedgerTransaction(models.Model):
    """One money movement: two or more entries that sum to zero per currency. Never updated."""

    class Kind(models.TextChoices):
        TOPUP = "topup", _("Top-up")
        HOLD = "hold", _("Hold")
        HOLD_ADJUST = "hold_adjust", _("Hold adjusted")
        RELEASE_HOLD = "release_hold", _("Hold released")
        ESCROW = "escrow", _("Escrow")
        RELEASE = "release", _("Release to creator")
        SETTLE = "settle", _("Settlement")
        PAYOUT = "payout", _("Payout")
        PAYOUT_REVERSAL = "payout_reversal", _("Payout reversed")
        REFUND = "refund", _("Refund")
        SPLIT = "split", _("Split decision")
        CANCELLATION_FEE = "cancellation_fee", _("Cancellation fee")
        INCENTIVE_FUNDING = "incentive_funding", _("Incentives funded")
        PROGRAMME_HOLD = "programme_hold", _("Programme budget held")
        PROGRAMME_BONUS = "programme_bonus", _("Programme bonus")
        PROGRAMME_RETURN = "programme_return", _("Programme budget returned")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    memo = models.CharField(max_length=255, blank=True)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_transactions"
    )
    collaboration = models.ForeignKey(
        "orders.Collaboration",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_transactions",
    )
    hold = models.ForeignKey(Hold, null=True, blank=True, on_delete=models.PROTECT, related_name="transactions")
    payout = models.ForeignKey(Payout, null=True, blank=True, on_delete=models.PROTECT, related_name="transactions")
    topup = models.ForeignKey(TopUp, null=True, blank=True, on_delete=models.PROTECT, related_name="transactions")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    request_id = request_id_field()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")

    def __str__(self) -> str:
        return f"tx {self.pk} {self.kind}"


class LedgerEntry(models.Model):
    """One leg: a signed amount added to one account's balance. Never updated or deleted."""

    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["account", "id"], name="entry_account_id")]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="entry_amount_nonzero")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount:+d} {self.currency}"


class IdempotencyKey(models.Model):
    """A money-moving request's key, stored in the same transaction as its effect.

    ``scope`` is the wallet owner ("brand:12", "creator:5"), so two owners never share keys;
    ``fingerprint`` hashes the operation and its parameters, so the same key with other
    parameters is refused; ``result_type``/``result_id`` point at what the first call returned.
    """

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    operation = models.CharField(max_length=32)
    fingerprint = models.CharField(max_length=64)
    result_type = models.CharField(max_length=64, blank=True)
    result_id = models.BigIntegerField(null=True, blank=True)
    response = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key_unique")]

    def __str__(self) -> str:
        return f"{self.scope}/{self.key}"
