"""Reads of the ledger: wallets, statements with running balances, earnings, the platform overview.

Callers scope the ids to the viewer (a brand member sees their brand's wallet, a creator their
own earnings, staff the overview).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import Coalesce
from django.utils import timezone

from payouts.models import Account, Hold, LedgerEntry, LedgerTransaction, Payout, PoolAward, TopUp
from payouts.services.ledger import agency_split, fee_split

LIVE_HOLD = (Hold.Status.HELD, Hold.Status.ESCROWED)
IN_FLIGHT = (Payout.Status.REQUESTED, Payout.Status.SENDING, Payout.Status.AWAITING_CONFIRMATION)


@dataclass(frozen=True)
class BrandWallet:
    currency: str
    available: int
    held: int
    in_escrow: int

    @property
    def total(self) -> int:
        return self.available + self.held + self.in_escrow


@dataclass(frozen=True)
class CreatorEarnings:
    currency: str
    pending: int
    available: int
    in_flight: int
    paid_out: int
    # The deals whose money is in escrow (creator_escrow), and what the creator receives of it after the fee:
    # "on its way" on the earnings page and in the API alike.
    escrow: tuple = ()
    on_its_way: int = 0


@dataclass(frozen=True)
class KindBalance:
    kind: str
    label: str
    accounts: int
    balance: int


@dataclass(frozen=True)
class CurrencyOverview:
    currency: str
    kinds: list[KindBalance] = field(default_factory=list)
    cached_total: int = 0
    entries_total: int = 0

    @property
    def balanced(self) -> bool:
        """The zero-sum check: all balances, and all entries ever posted, add up to nothing."""
        return self.cached_total == 0 and self.entries_total == 0


def wallet_for_brand(*, brand_id: int, currency: str | None = None) -> BrandWallet:
    currency = currency or settings.CURRENCY
    rows = dict(Account.objects.filter(brand_id=brand_id, currency=currency).values_list("kind", "balance"))
    in_escrow = (
        Account.objects.filter(kind=Account.Kind.ORDER_ESCROW, order__brand_id=brand_id, currency=currency).aggregate(
            total=Sum("balance")
        )["total"]
        or 0
    )
    return BrandWallet(
        currency=currency,
        available=rows.get(Account.Kind.BRAND_AVAILABLE, 0),
        held=rows.get(Account.Kind.BRAND_HELD, 0),
        in_escrow=in_escrow,
    )


# Escrow that goes back to the brand: a refund, the brand's part of a split or of a cancellation.
RETURNED_FROM_ESCROW = (
    LedgerTransaction.Kind.REFUND,
    LedgerTransaction.Kind.SPLIT,
    LedgerTransaction.Kind.CANCELLATION_FEE,
)


def brand_spend(*, brand_id: int, since, currency: str | None = None) -> int:
    """What the brand committed to deals since ``since``: money moved into its orders' escrow, less what came
    back from escrow to its wallet in the same time. Two queries."""
    currency = currency or settings.CURRENCY
    entries = LedgerEntry.objects.filter(transaction__created_at__gte=since, currency=currency, amount__gt=0)
    into = entries.filter(account__kind=Account.Kind.ORDER_ESCROW, account__order__brand_id=brand_id).aggregate(
        total=Coalesce(Sum("amount"), 0)
    )["total"]
    back = entries.filter(
        account__kind=Account.Kind.BRAND_AVAILABLE,
        account__brand_id=brand_id,
        transaction__kind__in=RETURNED_FROM_ESCROW,
    ).aggregate(total=Coalesce(Sum("amount"), 0))["total"]
    return into - back


def earnings_for_creator(*, creator_id: int, currency: str | None = None) -> CreatorEarnings:
    currency = currency or settings.CURRENCY
    rows = dict(Account.objects.filter(creator_id=creator_id, currency=currency).values_list("kind", "balance"))
    payouts = Payout.objects.filter(creator_id=creator_id, currency=currency).aggregate(
        in_flight=Sum("amount", filter=Q(status__in=IN_FLIGHT)),
        paid_out=Sum("amount", filter=Q(status=Payout.Status.SENT)),
    )
    escrow = tuple(creator_escrow(creator_id=creator_id, currency=currency))
    return CreatorEarnings(
        currency=currency,
        pending=rows.get(Account.Kind.CREATOR_PENDING, 0),
        available=rows.get(Account.Kind.CREATOR_AVAILABLE, 0),
        in_flight=payouts["in_flight"] or 0,
        paid_out=payouts["paid_out"] or 0,
        escrow=escrow,
        on_its_way=sum(hold.take.net for hold in escrow),
    )


@dataclass(frozen=True)
class CreatorTake:
    """What a deal's money means for the creator: the gross, the platform fee, the agency's share (a represented
    creator's) and what they keep: gross − fee − agency = net, to the minor unit."""

    gross: int
    fee: int
    net: int
    fee_bps: int
    currency: str
    final: bool = False  # the escrow has resolved: these are the amounts the ledger posted
    agency: int = 0
    agency_bps: int = 0
    agency_name: str = ""  # known once a hold has fixed the agency (hold_take); "" before

    @property
    def fee_percent(self) -> str:
        return f"{self.fee_bps / 100:g}"

    @property
    def agency_percent(self) -> str:
        return f"{self.agency_bps / 100:g}"


def creator_take(*, amount: int, currency: str, fee_bps: int | None = None, agency_bps: int = 0) -> CreatorTake:
    """``amount`` split by the ledger's own ``fee_split`` at ``fee_bps`` (today's platform fee when None), then
    by ``agency_split`` at the agency's ``agency_bps``, so a screen shows to the minor unit what the release
    will post."""
    bps = settings.PLATFORM_FEE_BPS if fee_bps is None else fee_bps
    share, fee = fee_split(amount, bps)
    net, agency = agency_split(share, agency_bps)
    return CreatorTake(
        gross=amount, fee=fee, net=net, fee_bps=bps, currency=currency, agency=agency, agency_bps=agency_bps
    )


def hold_take(hold: Hold) -> CreatorTake:
    """A hold's take at its own fee rate; once resolved, what was actually paid (after a split or a cancellation).
    Names the agency the hold fixed (one query unless the caller selected ``agency`` with the hold)."""
    agency_name = hold.agency.name if hold.agency_id else ""
    if hold.creator_gross is not None:
        return CreatorTake(
            gross=hold.creator_gross,
            fee=hold.fee,
            net=hold.creator_share,
            fee_bps=hold.fee_bps,
            currency=hold.currency,
            final=True,
            agency=hold.agency_share,
            agency_bps=hold.agency_bps,
            agency_name=agency_name,
        )
    take = creator_take(amount=hold.amount, currency=hold.currency, fee_bps=hold.fee_bps, agency_bps=hold.agency_bps)
    return replace(take, agency_name=agency_name)


def agency_share(hold: Hold) -> int:
    """The part of a settled hold's net that goes to the creator's agency, in minor units: the one place that
    says it (the creator's settlement note prints it); the escrow fixed it when the hold resolved."""
    return hold.agency_share


def latest_hold_for_collaboration(*, collaboration_id: int) -> Hold | None:
    """The collaboration's most recent hold in any state (live, or resolved with what was paid)."""
    return Hold.objects.filter(collaboration_id=collaboration_id).select_related("agency").order_by("-id").first()


def collaboration_take(*, hold: Hold | None, amount: int, currency: str, agency_bps: int = 0) -> CreatorTake:
    """The take of a collaboration's latest hold once the deal is agreed (escrowed: the hold has fixed the agency's
    share) or over; before that — no hold yet, or money only held for an offer — of ``amount`` (the price, or a
    counter-offer's) at the hold's fee (today's when none) and ``agency_bps``, the share the creator's contract
    in force would fix on accepting."""
    if hold is not None and hold.status != Hold.Status.HELD:
        return hold_take(hold)
    fee_bps = hold.fee_bps if hold is not None else None
    return creator_take(amount=amount, currency=currency, fee_bps=fee_bps, agency_bps=agency_bps)


def creator_escrow(*, creator_id: int, currency: str | None = None) -> list[Hold]:
    """The creator's deals whose money is in escrow (accepted, not yet paid), oldest first, each with ``take``.

    At most one live hold per collaboration and a creator's collaborations in progress are bounded by
    their capacity, so this list is short.
    """
    holds = list(
        Hold.objects.filter(creator_id=creator_id, currency=currency or settings.CURRENCY, status=Hold.Status.ESCROWED)
        .select_related("order", "agency")
        .order_by("created_at", "id")
    )
    for hold in holds:
        hold.take = hold_take(hold)
    return holds


def account_statement(*, account: Account | None) -> QuerySet[LedgerEntry]:
    """The account's entries, newest first, each with ``running_balance`` (the balance after it)."""
    if account is None:
        return LedgerEntry.objects.none()
    return (
        LedgerEntry.objects.filter(account=account)
        .select_related("transaction")
        .annotate(running_balance=Window(Sum("amount"), order_by=["id"]))
        .order_by("-id")
    )


def brand_statement(*, brand_id: int, currency: str | None = None) -> QuerySet[LedgerEntry]:
    """The brand's available balance, entry by entry (top-ups, holds, releases, refunds)."""
    currency = currency or settings.CURRENCY
    account = Account.objects.filter(kind=Account.Kind.BRAND_AVAILABLE, brand_id=brand_id, currency=currency).first()
    return account_statement(account=account)


def creator_statement(*, creator_id: int, kind: str = Account.Kind.CREATOR_AVAILABLE, currency: str | None = None):
    """The creator's available balance, entry by entry, each with its transaction, order and hold (for the
    creator-terms line of payouts.creator_terms)."""
    currency = currency or settings.CURRENCY
    account = Account.objects.filter(kind=kind, creator_id=creator_id, currency=currency).first()
    return account_statement(account=account).select_related(
        "transaction__order", "transaction__hold", "transaction__hold__agency"
    )


def payouts_for_creator(*, creator_id: int) -> QuerySet[Payout]:
    return Payout.objects.filter(creator_id=creator_id).order_by("-created_at", "-id")


def payouts_for_agency(*, agency_id: int) -> QuerySet[Payout]:
    return Payout.objects.filter(agency_id=agency_id).order_by("-created_at", "-id")


def holds_for_brand(*, brand_id: int, live_only: bool = False) -> QuerySet[Hold]:
    holds = Hold.objects.filter(brand_id=brand_id).select_related("order", "creator")
    return holds.filter(status__in=LIVE_HOLD) if live_only else holds


def hold_for_collaboration(*, collaboration_id: int) -> Hold | None:
    """The collaboration's live (held or escrowed) hold, if any."""
    return Hold.objects.filter(collaboration_id=collaboration_id, status__in=LIVE_HOLD).first()


def platform_overview() -> list[CurrencyOverview]:
    """Balances per account kind and currency, and the zero-sum check, for the admin ledger page."""
    labels = dict(Account.Kind.choices)
    by_kind = (
        Account.objects.values("currency", "kind")
        .annotate(accounts=Count("id"), balance=Sum("balance"))
        .order_by("currency", "kind")
    )
    entries = dict(
        LedgerEntry.objects.values("currency").annotate(total=Sum("amount")).values_list("currency", "total")
    )
    overview: dict[str, CurrencyOverview] = {}
    for row in by_kind:
        item = overview.setdefault(row["currency"], CurrencyOverview(currency=row["currency"]))
        item.kinds.append(KindBalance(row["kind"], str(labels[row["kind"]]), row["accounts"], row["balance"]))
    return [
        CurrencyOverview(
            currency=item.currency,
            kinds=item.kinds,
            cached_total=sum(k.balance for k in item.kinds),
            entries_total=entries.get(item.currency, 0),
        )
        for item in overview.values()
    ]


def recent_transactions(*, limit: int = 50) -> QuerySet[LedgerTransaction]:
    return LedgerTransaction.objects.prefetch_related("entries__account").order_by("-created_at", "-id")[:limit]


def payout_ids_due(*, older_than: timedelta) -> list[int]:
    """Payouts still waiting to be sent well after they were requested (or last claimed)."""
    cutoff = timezone.now() - older_than
    return list(
        Payout.objects.filter(
            Q(status=Payout.Status.REQUESTED, updated_at__lt=cutoff)
            | Q(status=Payout.Status.SENDING, claimed_at__lt=timezone.now() - Payout.CLAIM_TIMEOUT)
        ).values_list("pk", flat=True)
    )


# ------------------------------------------------------------ verification

_OWNER = {
    Account.Kind.BRAND_AVAILABLE: "brand_id",
    Account.Kind.BRAND_HELD: "brand_id",
    Account.Kind.ORDER_ESCROW: "order_id",
    Account.Kind.CREATOR_PENDING: "creator_id",
    Account.Kind.CREATOR_AVAILABLE: "creator_id",
    Account.Kind.PLATFORM_FEES: None,
    Account.Kind.PROVIDER: None,
    Account.Kind.INCENTIVES: None,
    Account.Kind.INCENTIVES_HELD: None,
    Account.Kind.AGENCY_PENDING: "agency_id",
    Account.Kind.AGENCY_AVAILABLE: "agency_id",
}


def ledger_check():
    """The platform overview and the ledger's problems, read in one snapshot, so postings committed mid-check
    cannot look like differences (`manage.py ledger_verify` and the periodic check behind /metrics)."""
    connection = transaction.get_connection()
    fresh = not connection.in_atomic_block
    with transaction.atomic():
        if fresh:
            connection.cursor().execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return platform_overview(), ledger_problems()


def ledger_problems() -> list[str]:
    """Every way the ledger disagrees with itself or with the holds, top-ups and payouts.

    Empty means: cached balances equal the sums of their entries; entries sum to zero per
    currency and per transaction; each transaction has two or more legs in its accounts'
    currencies; no account but the provider is negative; and every account's balance equals
    what the domain rows imply (e.g. each order's escrow = funded − released − refunded).
    """
    problems: list[str] = []
    accounts = Account.objects.annotate(computed=Coalesce(Sum("entries__amount"), 0)).values(
        "pk", "kind", "brand_id", "order_id", "creator_id", "agency_id", "currency", "balance", "computed"
    )
    actual: dict[tuple, int] = {}
    for a in accounts:
        owner = a[_OWNER[a["kind"]]] if _OWNER[a["kind"]] else None
        actual[(a["kind"], owner, a["currency"])] = a["balance"]
        if a["balance"] != a["computed"]:
            problems.append(f"account {a['pk']} ({a['kind']}): cached {a['balance']}, entries sum to {a['computed']}")
        if a["balance"] < 0 and a["kind"] != Account.Kind.PROVIDER:
            problems.append(f"account {a['pk']} is negative: {a['balance']}")
    by_currency = LedgerEntry.objects.values("currency").annotate(total=Sum("amount")).exclude(total=0)
    problems += [f"entries in {row['currency']} sum to {row['total']}, not 0" for row in by_currency]
    unbalanced = LedgerEntry.objects.values("transaction_id", "currency").annotate(total=Sum("amount")).exclude(total=0)
    problems += [f"transaction {r['transaction_id']} sums to {r['total']} {r['currency']}" for r in unbalanced]
    short = LedgerTransaction.objects.annotate(legs=Count("entries")).filter(legs__lt=2).values_list("pk", "legs")
    problems += [f"transaction {pk} has {legs} leg(s)" for pk, legs in short]
    mismatched = LedgerEntry.objects.exclude(currency=F("account__currency")).values_list("pk", flat=True)
    problems += [f"entry {pk} is not in its account's currency" for pk in mismatched]
    expected = _expected_balances()
    for key in sorted(set(expected) | set(actual), key=str):
        if expected.get(key, 0) != actual.get(key, 0):
            kind, owner, currency = key
            problems.append(
                f"{kind} {_OWNER[kind]}={owner} {currency}: ledger {actual.get(key, 0)}, "
                f"holds/top-ups/payouts say {expected.get(key, 0)}"
            )
    return problems


def _expected_balances() -> dict[tuple, int]:
    """(kind, owner id, currency) → the balance the holds, top-ups and payouts imply."""
    expected: dict[tuple, int] = {}

    def add(kind: str, owner: int | None, currency: str, amount: int | None) -> None:
        if amount:
            expected[(kind, owner, currency)] = expected.get((kind, owner, currency), 0) + amount

    holds = Hold.objects.values("brand_id", "order_id", "creator_id", "agency_id", "currency").annotate(
        total=Sum("amount"),
        released=Coalesce(Sum("amount", filter=Q(status=Hold.Status.RELEASED)), 0),
        held=Sum("amount", filter=Q(status=Hold.Status.HELD)),
        escrowed=Sum("amount", filter=Q(status=Hold.Status.ESCROWED)),
        refunded=Coalesce(Sum("refunded"), 0),
        fees=Sum("fee"),
        pending=Sum("creator_share", filter=Q(settled_at__isnull=True, creator__isnull=False)),
        settled=Sum("creator_share", filter=Q(settled_at__isnull=False, creator__isnull=False)),
        agency_pending=Sum("agency_share", filter=Q(settled_at__isnull=True)),
        agency_settled=Sum("agency_share", filter=Q(settled_at__isnull=False)),
    )
    for h in holds:
        currency = h["currency"]
        add(Account.Kind.BRAND_AVAILABLE, h["brand_id"], currency, h["released"] + h["refunded"] - h["total"])
        add(Account.Kind.BRAND_HELD, h["brand_id"], currency, h["held"])
        add(Account.Kind.ORDER_ESCROW, h["order_id"], currency, h["escrowed"])
        add(Account.Kind.CREATOR_PENDING, h["creator_id"], currency, h["pending"])
        add(Account.Kind.CREATOR_AVAILABLE, h["creator_id"], currency, h["settled"])
        add(Account.Kind.PLATFORM_FEES, None, currency, h["fees"])
        add(Account.Kind.AGENCY_PENDING, h["agency_id"], currency, h["agency_pending"])
        add(Account.Kind.AGENCY_AVAILABLE, h["agency_id"], currency, h["agency_settled"])
    # A pool hold (a contest's prizes) names no creator: its awards say who was paid what.
    awards = PoolAward.objects.values("creator_id", "hold__currency").annotate(
        pending=Sum("share", filter=Q(hold__settled_at__isnull=True)),
        settled=Sum("share", filter=Q(hold__settled_at__isnull=False)),
    )
    for a in awards:
        add(Account.Kind.CREATOR_PENDING, a["creator_id"], a["hold__currency"], a["pending"])
        add(Account.Kind.CREATOR_AVAILABLE, a["creator_id"], a["hold__currency"], a["settled"])
    topups = TopUp.objects.filter(status=TopUp.Status.SUCCEEDED).values("brand_id", "currency")
    for t in topups.annotate(total=Sum("amount")):
        add(Account.Kind.BRAND_AVAILABLE, t["brand_id"], t["currency"], t["total"])
        add(Account.Kind.PROVIDER, None, t["currency"], -t["total"])
    payouts = Payout.objects.exclude(status=Payout.Status.FAILED).values("creator_id", "agency_id", "currency")
    for p in payouts.annotate(total=Sum("amount")):
        if p["agency_id"] is not None:
            add(Account.Kind.AGENCY_AVAILABLE, p["agency_id"], p["currency"], -p["total"])
        else:
            add(Account.Kind.CREATOR_AVAILABLE, p["creator_id"], p["currency"], -p["total"])
        add(Account.Kind.PROVIDER, None, p["currency"], p["total"])
    # The incentives fund (payouts.services.incentives): each kind of its transactions must have moved
    # money between exactly the accounts it names, so the fund, the held budgets and the bonuses add up.
    flows = {
        LedgerTransaction.Kind.INCENTIVE_FUNDING: (Account.Kind.PROVIDER, Account.Kind.INCENTIVES),
        LedgerTransaction.Kind.PROGRAMME_HOLD: (Account.Kind.INCENTIVES, Account.Kind.INCENTIVES_HELD),
        LedgerTransaction.Kind.PROGRAMME_BONUS: (Account.Kind.INCENTIVES_HELD, Account.Kind.CREATOR_AVAILABLE),
        LedgerTransaction.Kind.PROGRAMME_RETURN: (Account.Kind.INCENTIVES_HELD, Account.Kind.INCENTIVES),
    }
    credits = (
        LedgerEntry.objects.filter(transaction__kind__in=flows, amount__gt=0)
        .values("transaction__kind", "account__kind", "account__creator_id", "currency")
        .annotate(total=Sum("amount"))
    )
    for c in credits:
        source, target = flows[c["transaction__kind"]]
        if c["account__kind"] == target:  # a credit anywhere else is left unexpected, so it shows as a difference
            add(target, c["account__creator_id"], c["currency"], c["total"])
            add(source, None, c["currency"], -c["total"])
    return expected


def agency_statement(*, agency_id: int, kind: str = Account.Kind.AGENCY_AVAILABLE, currency: str | None = None):
    """The agency's balance of ``kind``, entry by entry, each with its transaction, order and hold."""
    currency = currency or settings.CURRENCY
    account = Account.objects.filter(kind=kind, agency_id=agency_id, currency=currency).first()
    return account_statement(account=account).select_related("transaction__order", "transaction__hold")


def agency_balances(*, agency_id: int, currency: str | None = None) -> dict[str, int]:
    """The agency's pending and available balances (0 before its first payment)."""
    currency = currency or settings.CURRENCY
    rows = Account.objects.filter(kind__in=Account.AGENCY_KINDS, agency_id=agency_id, currency=currency)
    balances = dict(rows.values_list("kind", "balance"))
    return {kind: balances.get(kind, 0) for kind in Account.AGENCY_KINDS}


def agency_escrow_share(*, agency_id: int, currency: str | None = None) -> int:
    """The agency's share of its creators' deals whose money is in escrow: what their release would pay it at the
    share each escrow fixed, after the platform fee, by the ledger's own rounding (creator_take). One query; an
    agency's deals in escrow are bounded by its creators' capacity."""
    holds = Hold.objects.filter(
        agency_id=agency_id, currency=currency or settings.CURRENCY, status=Hold.Status.ESCROWED
    ).only("amount", "currency", "fee_bps", "agency_bps")
    return sum(
        creator_take(amount=h.amount, currency=h.currency, fee_bps=h.fee_bps, agency_bps=h.agency_bps).agency
        for h in holds
    )


def settled_earnings(*, creator_ids: list[int], currency: str | None = None) -> dict[int, int]:
    """What each creator has earned on settled deals (their share after the fee and any agency), in one query."""
    currency = currency or settings.CURRENCY
    rows = (
        Hold.objects.filter(creator_id__in=creator_ids, currency=currency, settled_at__isnull=False)
        .values("creator_id")
        .annotate(total=Sum("creator_share"))
    )
    return {row["creator_id"]: row["total"] for row in rows}
