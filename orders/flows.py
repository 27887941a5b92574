"""Every group of collaboration states, and every count over them, defined once.

A rule that asks "is this deal still …?" imports its group (or its count) from here: the state
machine, the matcher's hard filter, the order's places, the pages, the reports and the creator's
record all read the same sets, so they cannot disagree. docs/deals.md says why each group is what it is.

Two groups look alike and are not the same rule:

- ``OCCUPIES_CAPACITY``: work the creator must still do or answer for, counted against the creator's
  ``max_concurrent``. A COMPLETED deal is not in it: the brand has accepted the work and what is left
  (the stays-live check before settlement) asks nothing of the creator.
- ``FILLS_ORDER_SLOT``: the creator was hired on the order and not let go, counted against the order's
  ``creators_wanted``. Finished deals (completed, settled, resolved) keep their place: a brand that
  asked for three creators hires three, however far their deals have gone.
"""

from __future__ import annotations

from django.db.models import Count, F, Q

from orders.models.orders import Collaboration, Order

S = Collaboration.Status

# ------------------------------------------------------------------ state groups

# An offer waits for the creator's answer, an application for the brand's; either lapses after 72 hours.
AWAITING_CREATOR = frozenset({S.OFFERED})
AWAITING_BRAND = frozenset({S.APPLIED})
# The creator countered an offer: the brand accepts the counter or declines it (orders.negotiation).
COUNTERED_OFFER = frozenset({S.COUNTERED})
# A direct offer not answered yet, countered or not: its money is held; the creator's inbox lists it.
OPEN_OFFER = AWAITING_CREATOR | COUNTERED_OFFER
AWAITING_ANSWER = OPEN_OFFER | AWAITING_BRAND
# A deposit deal the creator accepted: the deposit reserves them, the brand owes the balance (orders.deposits);
# re-quoted while the creator's one re-quote waits for the brand.
AWAITING_BALANCE = frozenset({S.DEPOSIT_PAID, S.REQUOTED})
REQUOTED = frozenset({S.REQUOTED})
# Taken on and being produced (script and video): the brand may still cancel, at the stage's fee.
IN_DELIVERY = frozenset({S.ACCEPTED, S.SCRIPT_SUBMITTED, S.SCRIPT_APPROVED, S.VIDEO_SUBMITTED, S.VIDEO_APPROVED})
# The cancellation fee's stages within delivery: a script, then a video, handed in.
SCRIPT_HANDED_IN = frozenset({S.SCRIPT_SUBMITTED, S.SCRIPT_APPROVED})
VIDEO_HANDED_IN = frozenset({S.VIDEO_SUBMITTED, S.VIDEO_APPROVED})
# Work the creator must still do or answer for: delivery, a post the brand has not accepted yet, a dispute.
OCCUPIES_CAPACITY = IN_DELIVERY | AWAITING_BALANCE | {S.PUBLISHED, S.DISPUTED}
# A pay-per-play deal's plays are counted (day 14): the brand confirms the figures or disputes them
# (orders.pay_per_play); confirmed automatically after three days.
PLAYS_COUNTED = frozenset({S.PLAYS_COUNTED})
# The brand accepted the work; either side may rate it.
WORK_ACCEPTED = frozenset({S.COMPLETED, S.SETTLED}) | PLAYS_COUNTED
# A dispute, open or decided.
IN_DISPUTE = frozenset({S.DISPUTED, S.RESOLVED})
# Hired on the order and not let go: holds one of the order's places for good.
FILLS_ORDER_SLOT = OCCUPIES_CAPACITY | WORK_ACCEPTED | IN_DISPUTE
# Ended without the creator being (or staying) hired: declined, withdrawn, expired, rejected or cancelled.
LET_GO = frozenset({S.CLOSED, S.CANCELLED})
# Something on the deal waits for the brand: a script or a video to review, an answer to an offer, a
# counter or an application, published work to accept, a dispute to follow (the brand's "needs your action").
NEEDS_BRAND_LOOK = (
    frozenset({S.SCRIPT_SUBMITTED, S.VIDEO_SUBMITTED, S.PUBLISHED, S.DISPUTED})
    | AWAITING_ANSWER
    | PLAYS_COUNTED
    | AWAITING_BALANCE
)
# Past publishing (or in dispute, which may be about the post): the creator may report results, and the
# deal is counted in the brand's campaign report.
REPORTABLE = frozenset({S.PUBLISHED}) | WORK_ACCEPTED | IN_DISPUTE

# An order that takes offers and applications and can be ranked again: published (a draft is still being
# written, a closed order hires nobody more).
OPEN_FOR_DEALS = frozenset({Order.Status.PUBLISHED})

# ------------------------------------------------------------------ counts

# A deal the creator took on: accepted or selected here, or marked accepted in imported history.
ACCEPTED_DEAL = Q(accepted=True)
# A real deal: not a practice one (novice tasks). Practice deals count in no aggregate (orders.models:
# CollaborationQuerySet.real is their one home; these counts say the same as a filter).
REAL_DEAL = ~Q(origin=Collaboration.Origin.PRACTICE)
# A completed order: a deal the creator took on whose work the brand accepted (by hand, automatically
# after seven days, or as imported history says). A dispute decided before acceptance is not one.
COMPLETED_ORDER = ACCEPTED_DEAL & Q(completed_at__isnull=False)
# Accepted deals and completed orders over any set of collaborations (one creator's, or grouped by
# creator): the growth page counts them live, orders.services.track_record into the creator record.
DEAL_COUNTS = {
    "accepted_n": Count("pk", filter=ACCEPTED_DEAL & REAL_DEAL),
    "completed_n": Count("pk", filter=COMPLETED_ORDER & REAL_DEAL),
}
CAPACITY_USED = Count("pk", filter=Q(status__in=OCCUPIES_CAPACITY) & REAL_DEAL)


def capacity_used(creator_id: int) -> int:
    """How many of the creator's concurrent places their deals take now."""
    return Collaboration.objects.real().filter(creator_id=creator_id, status__in=OCCUPIES_CAPACITY).count()


def has_free_capacity(creator) -> bool:
    """Whether the creator's deals here plus their work running elsewhere leave a place (Creator.is_full)."""
    return not creator.is_full(capacity_used(creator.pk))


def creators_at_capacity() -> list[int]:
    """Ids of every creator whose deals here plus work running elsewhere take all their places.

    Two small queries: creators busy here, and creators full from work elsewhere alone (few have any;
    a partial index serves it, so neither query reads every creator).
    """
    from creators.models import Creator

    busy_here = (
        Collaboration.objects.real()
        .filter(status__in=OCCUPIES_CAPACITY)
        .values("creator_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=F("creator__max_concurrent") - F("creator__external_load"))
        .values_list("creator_id", flat=True)
    )
    full_elsewhere = Creator.objects.filter(external_load__gt=0, external_load__gte=F("max_concurrent")).values_list(
        "pk", flat=True
    )
    return sorted({*busy_here, *full_elsewhere})


def slots_filled(order: Order) -> int:
    """How many of the order's ``creators_wanted`` places are taken."""
    return order.collaborations.filter(status__in=FILLS_ORDER_SLOT).count()
