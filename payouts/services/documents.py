"""The numbered document each money event issues, in the event's own transaction (docs/invoices.md).

A credited top-up gets a receipt (brand), a settled deal a settlement note for each side (brand: what was
paid to whom and the platform fee; creator: gross, fee, agency share, net) and, when the creator's agency
took a share, one for the agency (gross, fee, kept by the creator, its share); a sent payout a payout advice
(the creator's, or the agency's in its own series). ``invoices.services.issue`` returns the document an event
already has, so a retried step never issues a second one.
"""

from __future__ import annotations

from invoices.models import Document
from invoices.services import issue
from payouts import selectors  # the module, not its names: selectors imports services.ledger, so may load first
from payouts.models import Hold, Payout, TopUp

D = Document.Kind


def topup_receipt(topup: TopUp) -> Document:
    return issue(
        kind=D.TOPUP_RECEIPT,
        source=f"topup:{topup.pk}",
        brand_id=topup.brand_id,
        currency=topup.currency,
        total=topup.amount,
        lines=[{"code": "topup", "amount": topup.amount}],
        facts={"provider": topup.provider, "provider_reference": topup.provider_reference, "topup": topup.pk},
    )


def settlement_notes(hold: Hold) -> tuple[Document, Document]:
    """The brand's and the creator's documents of a settled hold."""
    take = selectors.hold_take(hold)
    agency = selectors.agency_share(hold)
    order = hold.order
    creator = hold.creator
    facts = {
        "order": order.title,
        "order_id": order.pk,
        "collaboration_id": hold.collaboration_id,
        "creator": creator.display_name,
        "brand": order.brand.name,
        "fee_bps": hold.fee_bps,
        "outcome": hold.status,
    }
    brand_lines = [
        {"code": "escrowed", "amount": hold.amount},
        {"code": "paid_to_creator", "amount": take.gross},
        {"code": "platform_fee_included", "amount": take.fee},
    ]
    if hold.refunded:
        brand_lines.append({"code": "returned_to_wallet", "amount": hold.refunded})
    brand_note = issue(
        kind=D.BRAND_SETTLEMENT,
        source=f"hold:{hold.pk}",
        brand_id=hold.brand_id,
        currency=hold.currency,
        total=take.gross,
        lines=brand_lines,
        facts=facts,
    )
    # A resolved hold's take is what the ledger posted: its net is the creator's share, the agency's already taken
    # out (Hold: creator_gross = creator_share + agency_share + fee), so gross − fee − agency share = net.
    net = take.net if take.final else take.net - agency
    creator_note = issue(
        kind=D.CREATOR_SETTLEMENT,
        source=f"hold:{hold.pk}",
        creator_id=hold.creator_id,
        currency=hold.currency,
        total=net,
        lines=[
            {"code": "gross", "amount": take.gross},
            {"code": "platform_fee", "amount": -take.fee},
            {"code": "agency_share", "amount": -agency},
            {"code": "net", "amount": net},
        ],
        facts=facts,
    )
    if hold.agency_id is not None and agency:
        _agency_settlement_note(hold, take=take, net=net, agency=agency, facts=facts)
    return brand_note, creator_note


def _agency_settlement_note(hold: Hold, *, take, net: int, agency: int, facts: dict) -> Document:
    """The agency's document of its share of a settled deal, in its own series (``SA``)."""
    return issue(
        kind=D.AGENCY_SETTLEMENT,
        source=f"hold:{hold.pk}",
        agency_id=hold.agency_id,
        currency=hold.currency,
        total=agency,
        lines=[
            {"code": "gross", "amount": take.gross},
            {"code": "platform_fee", "amount": -take.fee},
            {"code": "kept_by_creator", "amount": -net},
            {"code": "agency_share_received", "amount": agency},
        ],
        facts={**facts, "agency_bps": hold.agency_bps},
    )


def payout_advice(payout: Payout) -> Document:
    owner = {"agency_id": payout.agency_id} if payout.agency_id is not None else {"creator_id": payout.creator_id}
    return issue(
        kind=D.AGENCY_PAYOUT_ADVICE if payout.agency_id is not None else D.PAYOUT_ADVICE,
        source=f"payout:{payout.pk}",
        **owner,
        currency=payout.currency,
        total=payout.amount,
        lines=[{"code": "payout", "amount": payout.amount}],
        facts={"provider": payout.provider, "provider_reference": payout.provider_reference, "payout": payout.pk},
    )
