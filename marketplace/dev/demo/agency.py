"""The demo agency (MCN): one agency with an owner login representing three creators — the README's creator
login, signed before the demo campaigns run (so that creator's campaign deal carries the agency's share in
escrow, paid when it settles, and the creator's countered offer on Aurora's newest order is there for it to
see), and
two of the campaigns' creators (the only other creators with an account to accept an invitation)."""

from __future__ import annotations

from agencies.models import AgencyMembership, Representation
from agencies.services import agency_create, representation_invite, representation_transition
from creators.models import Creator
from marketplace.core.models import User
from marketplace.dev.demo.accounts import DEMO_PASSWORD, DemoAccounts

AGENCY_EMAIL = "owner@lumen.demo"
AGENCY_NAME = "Lumen Talent (MCN)"
AGENCY_SHARE_BPS = 1_500  # illustrative: 15 % of what the creator keeps after the platform fee
ROSTER_SIZE = 3


def ensure_agency(accounts: DemoAccounts) -> int:
    """The agency, its owner login and its three creators' contracts (kept if they exist); returns the roster size."""
    owner = User.objects.filter(email=AGENCY_EMAIL).first()
    if owner is None:
        owner = User.objects.create_user(AGENCY_EMAIL, DEMO_PASSWORD, full_name="Lumen Owner")
    if not AgencyMembership.objects.filter(user=owner).exists():
        agency_create(name=AGENCY_NAME, owner=owner)
    for creator in _roster(accounts):
        if Representation.objects.filter(creator=creator, status__in=Representation.LIVE).exists():
            continue
        invited = representation_invite(
            actor=owner,
            creator_id=creator.pk,
            share_bps=AGENCY_SHARE_BPS,
            may_answer_offers=True,
            may_submit_deliverables=creator != accounts.creator,  # the login creator submits their own work
            may_see_earnings=True,
        )
        representation_transition(representation_id=invited.pk, to=Representation.Status.ACTIVE, actor=creator.user)
    return Representation.objects.filter(agency__memberships__user=owner, status=Representation.Status.ACTIVE).count()


def _roster(accounts: DemoAccounts) -> list[Creator]:
    login = [accounts.creator] if accounts.creator is not None else []
    others = (
        Creator.objects.filter(is_active=True, user__email__endswith="@creators.demo")
        .exclude(pk__in=[c.pk for c in login])
        .order_by("pk")[: ROSTER_SIZE - len(login)]
    )
    return [*login, *others]


AGENCY_WEBHOOK_URL = "http://127.0.0.1:8765/lumen"


def ensure_agency_webhook() -> None:
    """Lumen's webhook to the same local receiver as Aurora's (``manage.py webhook_receiver``, its demo secret), for
    every event an agency may choose: its roster's deals and its payouts. Made after the demo's deals, so loading
    the demo sends nothing."""
    from webhooks.events import catalogue_for
    from webhooks.management.commands.webhook_receiver import DEMO_SECRET
    from webhooks.models import WebhookEndpoint

    owner = User.objects.get(email=AGENCY_EMAIL)
    WebhookEndpoint.objects.get_or_create(
        agency=owner.agency_membership.agency,
        url=AGENCY_WEBHOOK_URL,
        defaults={
            "event_types": sorted(catalogue_for("agency")),
            "secret": DEMO_SECRET,
            "description": "Demo: manage.py webhook_receiver --port 8765",
            "created_by": owner,
        },
    )
