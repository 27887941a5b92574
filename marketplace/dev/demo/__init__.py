"""Demo data: the demo logins and brands, synthetic creators and a few orders per brand.

Creators are sampled with a seeded numpy Generator from data/demo/distributions.json (figures
derived from public datasets by data/derive/derive_demo_tables.py; data/demo/README.md), so the
same seed gives the same creators and nothing here reads outside the repository. Handles and
names are synthesised (adjective + noun + number); no real person appears.

Each step draws from its own random stream (``catalogue.stream``), so adding a step later — past orders
and collaborations with outcomes (history) go between creators and orders — does not change what
the existing steps produce for a given seed. Constants marked "illustrative" are hand-set, not
derived from data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from marketplace.core.models import User
from marketplace.dev.demo.accounts import DEMO_BRANDS, ensure_accounts, ensure_demo_webhook, fund_demo_wallets
from marketplace.dev.demo.agency import ensure_agency, ensure_agency_webhook
from marketplace.dev.demo.campaigns import ensure_campaigns, ensure_open_offers
from marketplace.dev.demo.catalogue import STREAM_HISTORY, Catalogue, stream
from marketplace.dev.demo.contests import ensure_running_contest
from marketplace.dev.demo.creators import generate_creators, write_demo_creators
from marketplace.dev.demo.orders import ensure_orders, price_login_creator_for_recruitment
from marketplace.dev.demo.programmes import ensure_programmes

MARKER_EMAIL = "owner@aurora.demo"  # its presence means "the demo is loaded" (--if-empty)

__all__ = ["Catalogue", "DemoResult", "demo_exists", "generate_creators", "load_demo"]


@dataclass
class DemoResult:
    logins: int
    brands: int
    creators: int
    orders: int
    history: int = 0
    campaign_collaborations: int = 0
    agency_roster: int = 0


def history_orders(creators: int) -> int:
    """Past orders to generate: enough for the re-ranker to learn from, bounded for big demos."""
    return min(2000, max(120, creators // 15)) if creators else 0


def demo_exists() -> bool:
    return User.objects.filter(email=MARKER_EMAIL).exists()


def load_demo(
    *, creators: int, seed: int = 7, history: int | None = None, progress: Callable[[int], None] | None = None
) -> DemoResult:
    """Logins, brands, ``creators`` synthetic creators and orders, all in one transaction.

    Safe to run again: existing logins, brands and orders are kept and only new creators are
    added. Then ``history`` past orders with outcomes (default: ``history_orders``), on their own
    random stream, so the matcher has something to learn; then the demo brands' orders; then each demo
    brand's wallet is topped up once through the payment provider; then the demo agency signs the
    creator login and, after the campaigns, two of their creators (marketplace.dev.demo.agency); the demo campaigns
    (marketplace.dev.demo.campaigns) spend some of it on collaborations with results, and offers go out
    on Aurora's newest order, one of them countered by the README's creator login; and Aurora runs a submission
    contest the creator login has entered (marketplace.dev.demo.contests); last, Aurora's webhook to
    the local receiver (nothing is sent for what the demo itself did).
    """
    catalogue = Catalogue.load()
    with _no_mail(), transaction.atomic():
        with connection.cursor() as cursor:
            # Check foreign keys after each COPY instead of queueing millions of checks for COMMIT.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        accounts = ensure_accounts(catalogue, seed=seed)
        written = write_demo_creators(creators, seed=seed, catalogue=catalogue, progress=progress)
        history = _history(history_orders(written) if history is None else history, seed)
        orders = ensure_orders(accounts, catalogue, seed=seed)
        price_login_creator_for_recruitment(accounts)
        fund_demo_wallets(accounts)
        ensure_agency(accounts)  # the login creator now, so their campaign deal's escrow carries the agency's share
        campaigns = ensure_campaigns(accounts, catalogue, seed=seed)
        roster = ensure_agency(accounts)  # then two of the campaigns' creators
        ensure_open_offers(accounts)
        ensure_programmes(accounts)
        ensure_running_contest(accounts)
        ensure_demo_webhook(accounts)
        ensure_agency_webhook()
    logins = 3 + sum(len(spec.members) for spec in DEMO_BRANDS)  # admin, creator, agency owner and the brands
    return DemoResult(
        logins=logins,
        brands=len(accounts.brands),
        creators=written,
        orders=orders,
        history=history,
        campaign_collaborations=campaigns,
        agency_roster=roster,
    )


@contextmanager
def _no_mail() -> Iterator[None]:
    """No e-mail to the demo's made-up addresses (invites, deal notifications): they stay in-app.

    Notifications mail after COMMIT, so this wraps the transaction, not only the steps.
    """
    backend = settings.EMAIL_BACKEND
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    try:
        yield
    finally:
        settings.EMAIL_BACKEND = backend


def _history(orders: int, seed: int) -> int:
    """Past orders with outcomes (marketplace.dev.demo.history) so the matcher has something to learn."""
    from marketplace.dev.demo.history import generate_history
    from matching import engine

    if orders == 0:
        return 0
    snap = engine.rebuild()
    return generate_history(snap, orders=orders, rng=stream(seed, STREAM_HISTORY))
