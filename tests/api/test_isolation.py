"""Tenant isolation, route by route: every /api/v1/ route and every page that takes an object id.

Two tenants (tests/api/tenants.py) each own one object of every kind. The walk takes every route from
the URL resolver, every method its view allows, and every actor who may not use it on the target
object, and expects a refusal that changes nothing in the database:

- anonymous callers get 401 (pages: a redirect to the login page);
- callers who may not even know the object exists get exactly what they get for an id that does not
  exist (404, or the 403 their role gets everywhere), so ids reveal nothing;
- callers who may see the object but not do this get 403 (a role check).

For every route the table below says how to fill its path parameters and who may use it; a route
missing from the table fails the test, so a new route joins the matrix as soon as it is added. Each
permitted method is also run once by a permitted actor (and rolled back), which proves the targets are
real and the refusals are about who asks. List endpoints must return exactly the caller's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.views import APIView

from agencies.models import Representation
from brands.models import BrandMembership
from invoices.models import Document
from marketplace.core.models import Notification
from matching.models import RankingResult
from orders.models import Collaboration, Dispute, Order
from orders.views.collaboration import PAGE_ACTIONS
from payouts.models import Account, LedgerEntry, Payout
from tests.api.tenants import (
    ACTORS,
    DEPOSIT_OFFERED,
    PRICE,
    SIDES,
    World,
    committed_world,
    evidence_upload,
    fresh_video,
)
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

S = Collaboration.Status
MISSING_ID = 987_654_321
MISSING_SLUG = "no-such-creator-here"
# Not domain data: sessions change with every login, and a token's last use is stamped on use.
SKIP_TABLES = {"django_session"}
VOLATILE_COLUMNS = {("marketplace_apitoken", "last_used_at")}


def idem() -> str:
    """A fresh key, as a form draws one (a UUID) and as the API takes one."""
    return str(uuid.uuid4())


# ------------------------------------------------------------------ what "no change" means


class Snapshot:
    """Row count and an md5 of every row, per table (all tables, or the ones named), in one query."""

    _parts: dict[str, str] = {}

    @classmethod
    def take(cls, tables=None) -> dict[str, tuple[int, str]]:
        with connection.cursor() as cursor:
            if not cls._parts:
                cls._parts = cls._build(cursor)
            names = sorted(cls._parts if tables is None else set(tables) & set(cls._parts))
            if not names:
                return {}
            cursor.execute(" UNION ALL ".join(cls._parts[name] for name in names))
            return {table: (count, digest) for table, count, digest in cursor.fetchall()}

    @staticmethod
    def _build(cursor) -> dict[str, str]:
        parts = {}
        for table in connection.introspection.table_names(cursor):
            if table in SKIP_TABLES:
                continue
            columns = [
                column.name
                for column in connection.introspection.get_table_description(cursor, table)
                if (table, column.name) not in VOLATILE_COLUMNS
            ]
            row = "row(" + ", ".join(connection.ops.quote_name(c) for c in columns) + ")::text"
            parts[table] = (
                f"SELECT '{table}', count(*), md5(coalesce(string_agg({row}, '|' ORDER BY {row}), '')) "
                f"FROM {connection.ops.quote_name(table)}"
            )
        return parts


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))


class Watch:
    """Did a request change the database? Write counters around each request (cheap); when a table was
    written, its rows are compared with the snapshot taken before the route's walk, so a write the
    request rolled back itself is told apart from a change that stayed."""

    def __init__(self):
        self.base = Snapshot.take()
        self.rolled_back: set[str] = set()

    def check(self, before: dict, where: str, failures: list) -> None:
        written = changed_tables(before, writes())
        if not written:
            return
        now = Snapshot.take(written)
        kept = [t for t in written if now.get(t) != self.base.get(t)]
        if kept:
            failures.append(f"{where}: changed {', '.join(kept)}")
            self.base.update(now)
        self.rolled_back.update(f"{where.split(' as ')[0].split(' ', 1)[0]} {t}" for t in written if t not in kept)


def writes() -> dict[str, tuple[int, int, int]]:
    """Rows inserted, updated and deleted so far in this transaction, per table (rolled-back writes count too).

    Cheap enough to take around every request; the full Snapshot is compared around each route's walk.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables "
            "WHERE n_tup_ins + n_tup_upd + n_tup_del > 0"
        )
        counts = {name: tuple(rest) for name, *rest in cursor.fetchall() if name not in SKIP_TABLES}
    if "marketplace_apitoken" in counts:  # the last-used stamp, as in VOLATILE_COLUMNS
        inserted, _updated, deleted = counts.pop("marketplace_apitoken")
        if inserted or deleted:
            counts["marketplace_apitoken"] = (inserted, 0, deleted)
    return counts


# ------------------------------------------------------------------ the table: how to fill each route


Kwargs = Callable[[World, str], dict]


@dataclass(frozen=True)
class Target:
    """One way to call a route: its path parameters for a side's object, who may do what, and the request.

    ``allowed`` maps a method to the actors who may use it (the first one is the one whose call is
    checked to succeed); every other actor is refused. ``readers`` may know the object exists (their
    refusals are 403 role checks); anyone else must be answered as for a missing id. ``ok`` is the
    status a permitted call returns when it is not a 2xx (a page that redirects, say).
    """

    kwargs: Kwargs | None
    allowed: dict[str, tuple[str, ...]]
    readers: tuple[str, ...] = ()
    body: Callable[[World, str], dict] | None = None
    query: Callable[[World, str], dict] | None = None
    multipart: bool = False
    ok: dict[str, tuple[int, ...]] = field(default_factory=dict)
    missing: dict | None = None  # path parameters that name nothing (default: every int is MISSING_ID)
    refused: dict[str, tuple[int, ...]] = field(default_factory=dict)  # refusals of readers, if not 403


def order(key: str) -> Kwargs:
    return lambda w, s: {"pk": w.sides[s].orders[key].pk}


def programme(w: World, s: str) -> dict:
    return {"pk": w.sides[s].programme.pk}


def deal(state: str) -> Kwargs:
    return lambda w, s: {"pk": w.sides[s].deals[state].pk}


def saved_list(w: World, s: str) -> dict:
    return {"pk": w.sides[s].creator_list.pk}


def const(**values) -> Callable[[World, str], dict]:
    return lambda w, s: dict(values)


BRAND_MEMBERS = ("owner", "viewer", "o_owner", "o_viewer")
BRAND_EDITORS = ("owner", "o_owner")
CREATORS = ("creator", "o_creator")
AGENCIES = ("agency", "o_agency")
SIGNED_IN = ("owner", "viewer", "creator", "agency", "o_owner", "o_viewer", "o_creator", "o_agency", "admin")
ORDER_READERS = ("owner", "viewer")
# Who sees a collaboration: its brand, its creator, the agency representing the creator, staff (every one).
PARTIES = ("owner", "viewer", "creator", "admin", "agency")
CREATOR_PAGE = ("creator", *BRAND_MEMBERS, "admin", "agency")  # an agency sees its own creators' pages only


def contract(w: World, s: str) -> dict:
    return {"pk": w.sides[s].representation.pk}


def brief(w: World, s: str) -> dict:
    draft = w.sides[s].orders["draft"]
    return {
        "title": "A new order",
        "product_name": "Serum",
        "product_category": draft.product_category_id,
        "format": "short_21_60",
        "target_labels": [{"label": draft.target_label_links.get().label_id, "weight": 1.0}],
        "price_per_creator_minor": PRICE,
        "script_by": (date.today() + timedelta(days=10)).isoformat() + "T00:00:00Z",
        "publish_from": (date.today() + timedelta(days=14)).isoformat(),
        "publish_until": (date.today() + timedelta(days=28)).isoformat(),
    }


def step(action: str, doers: tuple[str, ...], state: str, body: dict | None = None) -> Target:
    return Target(deal(state), {"POST": doers}, readers=PARTIES, body=const(**(body or {})))


REASON = {"comment": "Because it is so."}
# Who sees a contest: its brand's members, staff, and every creator (a published contest is an open call).
CONTEST_READERS = ("owner", "viewer", "creator", "o_creator", "admin")
# An entry: its creator, the brand's members, staff (not the other entrants; not the creator's agency, whose
# contract covers deals, not contest entries: docs/agencies.md).
ENTRY_READERS = ("owner", "viewer", "creator", "admin")


def contest(state: str) -> Kwargs:
    return lambda w, s: {"pk": w.sides[s].contests[state].pk}


def entry(w: World, s: str) -> dict:
    return {"pk": w.sides[s].entry.pk}


def contest_page_step(action: str, state: str, doers: tuple[str, ...], body: dict | None = None) -> Target:
    """The contest page's form for one step, on the side's contest in the state the step starts from."""
    return Target(
        lambda w, s: {"pk": w.sides[s].contests[state].pk, "action": action},
        {"POST": doers, "GET": ()},
        CONTEST_READERS,
        const(**(body or {})),
        ok={"POST": (302,)},
        missing={"pk": MISSING_ID, "action": action},
    )


def entry_page_step(action: str, doers: tuple[str, ...], body: dict | None = None) -> Target:
    """The contest page's form for one step on the side's creator's entry."""
    return Target(
        lambda w, s: {"pk": w.sides[s].entry.pk, "action": action},
        {"POST": doers, "GET": ()},
        ENTRY_READERS,
        const(**(body or {})),
        ok={"POST": (302,)},
        missing={"pk": MISSING_ID, "action": action},
    )


def contest_body(w: World, s: str) -> dict:
    draft = w.sides[s].orders["draft"]
    return {
        "title": "A contest",
        "product_name": "Serum",
        "product_category": draft.product_category_id,
        "format": "short_21_60",
        "target_labels": [{"label": draft.target_label_links.get().label_id, "weight": 1.0}],
        "tiers": [{"places": 1, "prize_minor": 1_000}],
        "submit_until": (date.today() + timedelta(days=5)).isoformat() + "T00:00:00Z",
    }


def brand_document(w: World, s: str) -> dict:
    return {"pk": Document.objects.filter(brand=w.sides[s].brand).first().pk}


def creator_document(w: World, s: str) -> dict:
    return {"pk": Document.objects.filter(creator=w.sides[s].creator).first().pk}


def agency_document(w: World, s: str) -> dict:
    return {"pk": Document.objects.filter(agency__memberships__user=w.sides[s].agency).first().pk}


def this_month(w: World, s: str) -> dict:
    today = date.today()
    return {"year": today.year, "month": today.month}


PARTY_MEMBERS = (*BRAND_MEMBERS, *CREATORS, *AGENCIES)  # who has documents and monthly statements
# A brand's documents are its members'; a creator's their own. Anyone else is answered as for a missing id.
DOCUMENT_TARGETS = [
    Target(brand_document, {"GET": ("owner", "viewer")}, ("owner", "viewer")),
    Target(creator_document, {"GET": ("creator",)}, ("creator",)),
    Target(agency_document, {"GET": ("agency",)}, ("agency",)),
]

API: dict[str, list[Target]] = {
    "api:me": [Target(None, {"GET": SIGNED_IN})],
    "api:order-list": [Target(None, {"GET": BRAND_MEMBERS, "POST": BRAND_EDITORS}, body=brief)],
    "api:order-detail": [
        Target(order("draft"), {"GET": ORDER_READERS, "PATCH": ("owner",)}, ORDER_READERS, const(title="Renamed"))
    ],
    "api:order-publish": [Target(order("draft"), {"POST": ("owner",)}, ORDER_READERS)],
    "api:order-close": [Target(order("open"), {"POST": ("owner",)}, ORDER_READERS)],
    "api:order-matches": [Target(order("open"), {"GET": ORDER_READERS}, ORDER_READERS)],
    "api:order-rerank": [Target(order("open"), {"POST": ("owner",)}, ORDER_READERS, ok={"POST": (202,)})],
    "api:order-why-not": [
        Target(
            order("open"),
            {"GET": ORDER_READERS},
            ORDER_READERS,
            query=lambda w, s: {"creator": w.sides[s].creator.handle},
        )
    ],
    "api:search-content": [Target(None, {"GET": (*BRAND_MEMBERS, "admin")}, query=const(q="creator"))],
    "api:search-product": [
        Target(
            None,
            {"GET": (*BRAND_MEMBERS, "admin")},
            query=lambda w, s: {"category": w.sides[s].orders["draft"].product_category.iab_id},
        )
    ],
    "api:search-lookalike": [
        Target(None, {"GET": (*BRAND_MEMBERS, "admin")}, query=lambda w, s: {"creators": str(w.sides[s].creator.pk)})
    ],
    "api:creator-profile": [Target(None, {"GET": CREATORS, "PATCH": CREATORS}, body=const(bio="New bio."))],
    "api:creator-rate-card": [
        Target(None, {"POST": CREATORS}, body=const(prices=[{"format": "short_21_60", "price_minor": 650_000}]))
    ],
    "api:creator-blackout-list": [
        Target(
            None,
            {"POST": CREATORS},
            body=const(
                starts_on=(date.today() + timedelta(days=90)).isoformat(),
                ends_on=(date.today() + timedelta(days=92)).isoformat(),
            ),
        )
    ],
    "api:creator-blackout": [
        Target(lambda w, s: {"pk": w.sides[s].blackout.pk}, {"DELETE": ("creator",)}, ("creator",), ok={})
    ],
    "api:creator-detail": [
        Target(
            lambda w, s: {"handle": w.sides[s].creator.handle},
            {"GET": CREATOR_PAGE},
            CREATOR_PAGE,
            missing={"handle": MISSING_SLUG},
        )
    ],
    "api:brand-detail": [Target(None, {"GET": BRAND_MEMBERS})],
    "api:brand-member-list": [Target(None, {"GET": BRAND_MEMBERS})],
    "api:offer-create": [
        Target(
            order("open"),
            {"POST": ("owner",)},
            ORDER_READERS,
            body=lambda w, s: {"creator": w.neutral.pk},
        )
    ],
    "api:order-collaborations": [Target(order(S.ACCEPTED), {"GET": ORDER_READERS}, ORDER_READERS)],
    "api:application-create": [
        # Any creator may apply to an open recruitment order; no one to a draft.
        Target(order("recruiting"), {"POST": CREATORS}, SIGNED_IN, const(quote_minor=PRICE, pitch="Me, please.")),
        Target(order("draft"), {"POST": ()}, (), const(quote_minor=PRICE, pitch="Me, please.")),
    ],
    "api:recommended-orders": [Target(None, {"GET": CREATORS})],
    "api:collaboration-list": [Target(None, {"GET": SIGNED_IN})],
    "api:collaboration-detail": [Target(deal(S.ACCEPTED), {"GET": PARTIES}, PARTIES)],
    "api:collaboration-accept": [step("accept", ("creator", "agency"), S.OFFERED)],
    "api:collaboration-decline": [step("decline", ("creator", "agency"), S.OFFERED)],
    "api:collaboration-withdraw": [step("withdraw", ("owner",), S.OFFERED)],
    "api:collaboration-counter": [
        step("counter", ("creator", "agency"), S.OFFERED, {"price_minor": PRICE, "note": "Hm."})
    ],
    "api:collaboration-accept_counter": [step("accept_counter", ("owner",), S.COUNTERED)],
    "api:collaboration-decline_counter": [step("decline_counter", ("owner",), S.COUNTERED)],
    "api:collaboration-select": [step("select", ("owner",), S.APPLIED)],
    "api:collaboration-reject_application": [step("reject_application", ("owner",), S.APPLIED)],
    "api:collaboration-withdraw_application": [step("withdraw_application", ("creator", "agency"), S.APPLIED)],
    "api:collaboration-approve_script": [step("approve_script", ("owner",), S.SCRIPT_SUBMITTED)],
    "api:collaboration-reject_script": [step("reject_script", ("owner",), S.SCRIPT_SUBMITTED, REASON)],
    "api:collaboration-approve_video": [step("approve_video", ("owner",), S.VIDEO_SUBMITTED)],
    "api:collaboration-request_revision": [step("request_revision", ("owner",), S.VIDEO_SUBMITTED, REASON)],
    "api:collaboration-accept_work": [step("accept_work", ("owner",), S.PUBLISHED)],
    "api:collaboration-confirm_live": [step("confirm_live", ("creator", "owner"), S.COMPLETED)],
    "api:collaboration-report_down": [step("report_down", ("owner", "creator"), S.COMPLETED, REASON)],
    "api:collaboration-cancel": [step("cancel", ("owner",), S.ACCEPTED)],
    # Pay per play and deposit orders (docs/deals.md, "Ways to pay").
    "api:collaboration-confirm_plays": [step("confirm_plays", ("owner",), S.PLAYS_COUNTED)],
    "api:collaboration-dispute_plays": [step("dispute_plays", ("owner", "creator"), S.PLAYS_COUNTED, REASON)],
    # Answering a deposit offer and re-quoting answer an offer: the agency may, under its contract.
    "api:collaboration-reserve": [step("reserve", ("creator", "agency"), DEPOSIT_OFFERED)],
    "api:collaboration-requote": [
        step("requote", ("creator", "agency"), S.DEPOSIT_PAID, {"price_minor": PRICE, "note": "Longer cut."})
    ],
    "api:collaboration-decline_requote": [step("decline_requote", ("owner",), S.REQUOTED)],
    # Usage rights (docs/deals.md): the brand extends a finished deal's rights; the creator prices their own.
    "api:collaboration-extend-rights": [
        Target(
            deal(S.SETTLED),
            {"POST": ("owner",)},
            PARTIES,
            lambda w, s: {"months": 1, "rights_until": w.sides[s].deals[S.SETTLED].rights_until.isoformat()},
        )
    ],
    "api:creator-rights-rates": [
        Target(None, {"POST": CREATORS}, body=const(rates=[{"right": "brand_accounts", "percent_bps": 1000}]))
    ],
    "api:collaboration-pay_balance": [step("pay_balance", ("owner",), S.REQUOTED)],
    "api:collaboration-script": [step("script", ("creator", "agency"), S.ACCEPTED, {"text": "Hook, demo, call."})],
    "api:collaboration-video": [
        Target(
            deal(S.SCRIPT_APPROVED),
            {"POST": ("creator", "agency")},
            PARTIES,
            lambda w, s: {"file": fresh_video()},
            None,
            True,
        )
    ],
    "api:collaboration-publish": [
        step("publish", ("creator", "agency"), S.VIDEO_APPROVED, {"post_url": "https://v.example/2"})
    ],
    "api:collaboration-dispute": [
        Target(
            deal(S.ACCEPTED),
            {"POST": ("owner", "creator")},
            PARTIES,
            lambda w, s: {"reason": "Not as agreed.", "evidence": [evidence_upload()]},
            multipart=True,
        )
    ],
    # Either party adds evidence to an open dispute; the agency too, under its power to submit the creator's work.
    "api:collaboration-dispute-evidence": [
        Target(
            deal(S.DISPUTED),
            {"POST": ("owner", "creator", "agency")},
            PARTIES,
            lambda w, s: {"note": "The brief said outdoors.", "evidence": [evidence_upload()]},
            multipart=True,
        )
    ],
    "api:collaboration-message": [
        step("message", ("creator", "owner", "admin", "agency"), S.ACCEPTED, {"text": "Hello."})
    ],
    "api:collaboration-rating": [step("rating", ("owner", "creator"), S.SETTLED, {"rating": 5})],
    "api:collaboration-result-create": [
        # The creator records their post's results; staff may correct them (orders.services.results).
        step("results", ("creator", "admin"), S.PUBLISHED, {"day": 1, "views": 1000, "likes": 20})
    ],
    "api:collaboration-report": [Target(deal(S.PUBLISHED), {"GET": PARTIES}, PARTIES)],
    "api:order-report": [Target(order(S.PUBLISHED), {"GET": ORDER_READERS}, ORDER_READERS)],
    "api:creator-list": [Target(None, {"GET": (*BRAND_MEMBERS, "admin")})],
    "api:creator-growth": [Target(None, {"GET": CREATORS})],
    "api:deliverable-download": [
        Target(lambda w, s: {"pk": w.sides[s].video.pk}, {"GET": PARTIES}, PARTIES),
        Target(lambda w, s: {"pk": w.sides[s].evidence.pk}, {"GET": PARTIES}, PARTIES),
    ],
    "api:dispute-list": [Target(None, {"GET": ("admin",)})],
    "api:dispute-decide": [
        Target(
            lambda w, s: {"pk": w.sides[s].dispute.pk},
            {"POST": ("admin",)},
            ("admin",),
            const(decision="refund", reason="The brief was not followed."),
        )
    ],
    "api:wallet-detail": [Target(None, {"GET": BRAND_MEMBERS})],
    "api:wallet-statement": [Target(None, {"GET": BRAND_MEMBERS})],
    "api:wallet-topup": [Target(None, {"POST": BRAND_EDITORS}, body=const(amount_minor=100_000))],
    "api:earnings-detail": [Target(None, {"GET": CREATORS})],
    "api:earnings-statement": [Target(None, {"GET": CREATORS})],
    "api:payout-list": [Target(None, {"GET": CREATORS, "POST": CREATORS}, body=const(amount_minor=20_000))],
    "api:statement-month": [Target(this_month, {"GET": PARTY_MEMBERS})],
    "api:document-list": [Target(None, {"GET": PARTY_MEMBERS})],
    "api:document-detail": DOCUMENT_TARGETS,
    "api:document-pdf": DOCUMENT_TARGETS,
    "api:document-csv": DOCUMENT_TARGETS,
    "api:notification-list": [Target(None, {"GET": SIGNED_IN})],
    "api:notification-read": [Target(None, {"POST": SIGNED_IN}, body=const())],
    "api:contest-list": [Target(None, {"GET": SIGNED_IN, "POST": BRAND_EDITORS}, body=contest_body)],
    "api:contest-detail": [Target(contest("open"), {"GET": CONTEST_READERS}, CONTEST_READERS)],
    "api:contest-enter": [
        Target(
            contest("fresh"),
            {"POST": CREATORS},
            CONTEST_READERS,
            lambda w, s: {"post_url": "https://v.example/entry", "published_at": timezone.now().isoformat()},
            ok={"POST": (201,)},
        )
    ],
    "api:contest-cancel": [Target(contest("fresh"), {"POST": ("owner",)}, CONTEST_READERS, const())],
    "api:contest-confirm": [Target(contest("ranked"), {"POST": ("owner",)}, CONTEST_READERS, const())],
    "api:contest-dispute": [
        Target(contest("ranked"), {"POST": ("owner", "creator")}, CONTEST_READERS, const(**REASON))
    ],
    "api:contest-resolve": [Target(contest("disputed"), {"POST": ("admin",)}, CONTEST_READERS, const(**REASON))],
    "api:contest-entry-results": [
        Target(entry, {"POST": ("creator", "admin")}, ENTRY_READERS, const(views=100, likes=2))
    ],
    "api:contest-entry-withdraw": [Target(entry, {"POST": ("creator",)}, ENTRY_READERS, const())],
    "api:contest-entry-report_removed": [Target(entry, {"POST": ("owner", "creator")}, ENTRY_READERS, const(**REASON))],
    "api:agency-roster": [Target(None, {"GET": AGENCIES})],
    "api:agency-invitation": [
        Target(None, {"POST": AGENCIES}, body=lambda w, s: {"creator_id": w.neutral.pk, "share_bps": 1_000})
    ],
    "api:agency-wallet": [Target(None, {"GET": AGENCIES})],
    "api:agency-statement": [Target(None, {"GET": AGENCIES})],
    "api:agency-payouts": [Target(None, {"GET": AGENCIES, "POST": AGENCIES}, body=const(amount_minor=20_000))],
    "api:representation-list": [Target(None, {"GET": (*AGENCIES, *CREATORS)})],
    # The side's contract is in force: the creator may end it, not accept or decline it again (409); the
    # agency answers no invitation (403). Anyone else is answered as for a missing contract.
    "api:representation-accept": [Target(contract, {"POST": ()}, ("creator", "agency"), refused={"POST": (409, 403)})],
    "api:representation-decline": [Target(contract, {"POST": ()}, ("creator", "agency"), refused={"POST": (409, 403)})],
    "api:representation-end": [Target(contract, {"POST": ("creator", "agency")}, ("creator", "agency"))],
    "api:webhook-endpoint-list": [
        Target(
            None,
            {"GET": (*BRAND_EDITORS, *AGENCIES), "POST": (*BRAND_EDITORS, *AGENCIES)},
            body=const(url="http://127.0.0.1:9/new", event_types=["offer.accepted"]),
        )
    ],
    "api:webhook-endpoint": [
        Target(
            lambda w, s: {"pk": w.sides[s].webhook.pk},
            {"GET": ("owner",), "PATCH": ("owner",), "DELETE": ("owner",)},
            ORDER_READERS,
            const(description="Orders to the CRM"),
        )
    ],
    "api:webhook-endpoint-rotate": [
        Target(lambda w, s: {"pk": w.sides[s].webhook.pk}, {"POST": ("owner",)}, ORDER_READERS)
    ],
    "api:webhook-delivery-list": [Target(None, {"GET": (*BRAND_EDITORS, *AGENCIES)})],
    "api:webhook-delivery": [
        Target(lambda w, s: {"pk": w.sides[s].webhook_delivery.pk}, {"GET": ("owner",)}, ORDER_READERS)
    ],
    "api:webhook-delivery-resend": [
        Target(
            lambda w, s: {"pk": w.sides[s].webhook_delivery.pk},
            {"POST": ("owner",)},
            ORDER_READERS,
            ok={"POST": (202,)},
        )
    ],
}


def page_step(action: str) -> Target:
    """The collaboration page's form for one action, on the deal in the state the action starts from."""
    states = {
        "accept": S.OFFERED,
        "decline": S.OFFERED,
        "withdraw": S.OFFERED,
        "counter": S.OFFERED,
        "accept_counter": S.COUNTERED,
        "decline_counter": S.COUNTERED,
        "select": S.APPLIED,
        "reject_application": S.APPLIED,
        "withdraw_application": S.APPLIED,
        "submit_script": S.ACCEPTED,
        "approve_script": S.SCRIPT_SUBMITTED,
        "reject_script": S.SCRIPT_SUBMITTED,
        "submit_video": S.SCRIPT_APPROVED,
        "approve_video": S.VIDEO_SUBMITTED,
        "request_revision": S.VIDEO_SUBMITTED,
        "publish": S.VIDEO_APPROVED,
        "accept_work": S.PUBLISHED,
        "confirm_live": S.COMPLETED,
        "report_down": S.COMPLETED,
        "cancel": S.ACCEPTED,
        "open_dispute": S.ACCEPTED,
        "add_evidence": S.DISPUTED,
        "comment": S.ACCEPTED,
        "rate": S.SETTLED,
        "confirm_plays": S.PLAYS_COUNTED,
        "dispute_plays": S.PLAYS_COUNTED,
        "reserve": DEPOSIT_OFFERED,
        "requote": S.DEPOSIT_PAID,
        "decline_requote": S.REQUOTED,
        "pay_balance": S.REQUOTED,
        "extend_rights": S.SETTLED,
    }
    bodies = {
        "submit_script": {"script": "Hook, demo, call."},
        "publish": {"post_url": "https://v.example/3"},
        "comment": {"text": "Hello."},
        "add_evidence": {"note": "The brief said outdoors."},
        "rate": {"rating": "5"},
        "counter": {"price": f"{PRICE // 100}", "note": "Hm."},
        "requote": {"price": f"{PRICE // 100}", "note": "Hm."},
    }
    creator_steps = {
        "accept",
        "decline",
        "counter",
        "withdraw_application",
        "submit_script",
        "submit_video",
        "publish",
        "reserve",
        "requote",
    }
    # The creator's agency takes the creator's steps (the world's contracts grant every power).
    doers = ("creator", "agency") if action in creator_steps else ("owner",)
    if action in ("confirm_live", "report_down", "open_dispute", "rate", "dispute_plays"):
        doers = ("owner", "creator")
    if action == "comment":
        doers = ("owner", "creator", "admin", "agency")  # staff may write on any collaboration's timeline
    if action == "add_evidence":
        doers = ("owner", "creator", "agency")  # staff decide on the evidence; they do not add to it

    def body(w: World, s: str) -> dict:
        data = {"comment": "Because it is so.", **bodies.get(action, {})}
        if action == "submit_video":
            data["video"] = fresh_video()
        if action in ("open_dispute", "report_down", "dispute_plays", "add_evidence"):
            data["evidence"] = evidence_upload()
        if action == "extend_rights":
            data.update(months="1", rights_until=w.sides[s].deals[S.SETTLED].rights_until.isoformat())
        return data

    return Target(
        lambda w, s: {"pk": w.sides[s].deals[states[action]].pk, "action": action},
        {"POST": doers, "GET": ()},
        PARTIES,
        body,
        ok={"POST": (302,)},
        missing={"pk": MISSING_ID, "action": action},
    )


def admin_form(action: str, kind: str, name: str, value: str) -> Callable[[World, str], dict]:
    """The staff ledger's forms are prefixed with the action and the row's id, and carry a fresh key."""

    def body(w: World, s: str) -> dict:
        prefix = f"{action}-{kind}-{getattr(w.sides[s], kind).pk}"
        return {f"{prefix}-idempotency_key": str(uuid.uuid4()), f"{prefix}-{name}": value}

    return body


ORDER_PAGE = ("owner", "viewer")
PAGES: dict[str, list[Target]] = {
    "invoices:pdf": DOCUMENT_TARGETS,
    "invoices:csv": DOCUMENT_TARGETS,
    # Every party reads their own month; a year and month that name no month are a 404, as for staff.
    "payouts:statement_pdf": [Target(this_month, {"GET": PARTY_MEMBERS}, missing={"year": 1999, "month": 13})],
    "payouts:statement_csv": [Target(this_month, {"GET": PARTY_MEMBERS}, missing={"year": 1999, "month": 13})],
    "api_token_revoke": [
        Target(lambda w, s: {"pk": w.sides[s].tokens["owner"].pk}, {"POST": ("owner",), "GET": ()}, ok={"POST": (302,)})
    ],
    "webhooks:endpoint": [Target(lambda w, s: {"pk": w.sides[s].webhook.pk}, {"GET": ("owner",)}, ORDER_PAGE)],
    "webhooks:update": [
        Target(
            lambda w, s: {"pk": w.sides[s].webhook.pk},
            {"POST": ("owner",), "GET": ()},
            ORDER_PAGE,
            const(url="http://127.0.0.1:9/moved", event_types="offer.declined"),
            ok={"POST": (302,)},
        )
    ],
    "webhooks:rotate": [
        Target(
            lambda w, s: {"pk": w.sides[s].webhook.pk}, {"POST": ("owner",), "GET": ()}, ORDER_PAGE, ok={"POST": (302,)}
        )
    ],
    "webhooks:delete": [
        Target(
            lambda w, s: {"pk": w.sides[s].webhook.pk}, {"POST": ("owner",), "GET": ()}, ORDER_PAGE, ok={"POST": (302,)}
        )
    ],
    "webhooks:delivery": [Target(lambda w, s: {"pk": w.sides[s].webhook_delivery.pk}, {"GET": ("owner",)}, ORDER_PAGE)],
    "webhooks:resend": [
        Target(
            lambda w, s: {"pk": w.sides[s].webhook_delivery.pk},
            {"POST": ("owner",), "GET": ()},
            ORDER_PAGE,
            ok={"POST": (302,)},
        )
    ],
    "orders:detail": [Target(order("open"), {"GET": ORDER_PAGE}, ORDER_PAGE)],
    "orders:update": [
        # A partial form is drawn again with its errors, as a 400: the order was found, and nothing is saved.
        Target(
            order("draft"), {"GET": ("owner",), "POST": ("owner",)}, ORDER_PAGE, const(title="x"), ok={"POST": (400,)}
        )
    ],
    "orders:publish": [Target(order("draft"), {"POST": ("owner",), "GET": ()}, ORDER_PAGE, ok={"POST": (302,)})],
    "orders:close": [Target(order("open"), {"POST": ("owner",), "GET": ()}, ORDER_PAGE, ok={"POST": (302,)})],
    "orders:report": [Target(order(S.PUBLISHED), {"GET": ORDER_PAGE}, ORDER_PAGE)],
    "orders:report_csv": [Target(order(S.PUBLISHED), {"GET": ORDER_PAGE}, ORDER_PAGE)],
    "orders:report_upload": [
        Target(order(S.PUBLISHED), {"POST": ("owner",), "GET": ()}, ORDER_PAGE, const(), ok={"POST": (400,)})
    ],
    # The catalogue pickers take a label or category id: shared reference data with no owner.
    "orders:label_pick": [],
    "orders:category_pick": [],
    # Courses are the platform's, the same for every creator (tests/learning/test_courses.py checks who
    # sees which: creators only, their stage and the next).
    "learning:detail": [],
    "learning:done": [],
    # Contest pages (orders/views/contests.py): the contest's readers as in the API; the steps' doers as the
    # services allow them. Entering may be refused by the service's own checks (a 400 form), never a 500.
    "contests:detail": [Target(contest("open"), {"GET": CONTEST_READERS}, CONTEST_READERS)],
    "contests:enter": [
        Target(
            contest("fresh"),
            {"POST": CREATORS, "GET": ()},
            CONTEST_READERS,
            lambda w, s: {
                "post_url": "https://v.example/entered",
                "published_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            },
            ok={"POST": (302, 400)},
        )
    ],
    "contests:act": [
        contest_page_step("cancel", "fresh", ("owner",)),
        contest_page_step("confirm", "ranked", ("owner",)),
        contest_page_step("dispute", "ranked", ("owner", "creator"), REASON),
        contest_page_step("resolve", "disputed", ("admin",), REASON),
    ],
    "contests:entry_act": [
        entry_page_step("report_results", ("creator", "admin"), {"views": "100", "likes": "1"}),
        entry_page_step("withdraw", ("creator",)),
        entry_page_step("report_removed", ("owner", "creator"), REASON),
    ],
    "deals:collaboration": [Target(deal(S.ACCEPTED), {"GET": PARTIES}, PARTIES)],
    "deals:act": [page_step(action) for action in sorted(PAGE_ACTIONS)],
    "deals:results": [
        Target(
            deal(S.PUBLISHED),
            {"POST": ("creator",), "GET": ()},
            PARTIES,
            const(day="1", views="1000", likes="10", comments="1", shares="1"),
            ok={"POST": (302,)},
        )
    ],
    "deals:download": [
        Target(lambda w, s: {"pk": w.sides[s].video.pk}, {"GET": PARTIES}, PARTIES),
        Target(lambda w, s: {"pk": w.sides[s].evidence.pk}, {"GET": PARTIES}, PARTIES),
    ],
    "deals:apply": [
        Target(
            lambda w, s: {"order_pk": w.sides[s].orders["recruiting"].pk},
            {"POST": CREATORS, "GET": ()},
            CREATORS,
            const(quote="5000.00", pitch="Me, please."),
            ok={"POST": (302,)},
        ),
        Target(lambda w, s: {"order_pk": w.sides[s].orders["draft"].pk}, {"POST": (), "GET": ()}, (), const(quote="1")),
    ],
    "deals:offers_send": [
        Target(
            order("open"),
            {"POST": ("owner",), "GET": ()},
            ORDER_PAGE,
            lambda w, s: {"creator": [w.neutral.pk], "idempotency_key": idem()},
            ok={"POST": (302,)},
        )
    ],
    "deals:offer_create": [
        # Any brand's editor may offer an active creator a place on one of the brand's own orders.
        # Another brand's order in the form is not among the choices: a 400 that stores nothing.
        Target(
            lambda w, s: {"handle": w.sides[s].creator.handle},
            {"GET": BRAND_EDITORS, "POST": ("owner",)},
            SIGNED_IN,
            lambda w, s: {"order": w.sides[s].orders["open"].pk, "idempotency_key": idem()},
            ok={"POST": (302,)},
            missing={"handle": MISSING_SLUG},
            refused={"POST": (400, 403)},
        ),
    ],
    "deals:notification_open": [
        Target(
            lambda w, s: {"pk": Notification.objects.filter(user=w.sides[s].owner).first().pk},
            {"GET": ("owner",)},
            ok={"GET": (302,)},
        )
    ],
    "deals:dispute": [Target(lambda w, s: {"pk": w.sides[s].dispute.pk}, {"GET": ("admin",)}, ("admin",))],
    "staff_verification_detail": [
        Target(
            lambda w, s, kind=kind: {"kind": kind, "pk": w.sides[s].verifications[kind].pk},
            {"GET": ("admin",), "POST": ("admin",)},
            ("admin",),
            const(decision="approve", reason=""),
            ok={"POST": (302,)},
            missing={"kind": kind, "pk": MISSING_ID},
        )
        for kind in ("creator", "brand")
    ],
    # Incentive programmes are the platform's: staff manage them; every creator may see and join an open one.
    "programmes:staff_detail": [Target(programme, {"GET": ("admin",)}, ("admin",))],
    "programmes:staff_act": [
        Target(
            lambda w, s: {"pk": w.sides[s].programme.pk, "action": "pay"},
            {"POST": ("admin",), "GET": ()},
            ("admin",),
            ok={"POST": (302,)},
            missing={"pk": MISSING_ID, "action": "pay"},
        )
    ],
    "programmes:join": [
        Target(programme, {"POST": ("creator", "o_creator"), "GET": ()}, ("creator", "o_creator"), ok={"POST": (302,)})
    ],
    "deals:dispute_decide": [
        Target(
            lambda w, s: {"pk": w.sides[s].dispute.pk},
            {"POST": ("admin",), "GET": ()},
            ("admin",),
            const(decision="refund", comment="Decided."),
            ok={"POST": (302,)},
        )
    ],
    "brands:member_role": [
        Target(
            lambda w, s: {"membership_id": w.sides[s].viewer_membership.pk},
            {"POST": ("owner",), "GET": ()},
            ORDER_PAGE,
            # The form's prefix carries the id in the path, so the missing id gets its own field too.
            lambda w, s: {f"m{w.sides[s].viewer_membership.pk}-role": "manager", f"m{MISSING_ID}-role": "manager"},
            ok={"POST": (302,)},
        )
    ],
    "brands:member_remove": [
        Target(
            lambda w, s: {"membership_id": w.sides[s].viewer_membership.pk},
            {"POST": ("owner",), "GET": ()},
            ORDER_PAGE,
            ok={"POST": (302,)},
        )
    ],
    "brands:member_invite": [
        Target(
            lambda w, s: {"membership_id": w.sides[s].viewer_membership.pk},
            {"POST": ("owner",), "GET": ()},
            ORDER_PAGE,
            ok={"POST": (302,)},
        )
    ],
    # A brand's saved lists: every member may keep them; another brand's list is a 404 like a missing one.
    "matching:list_detail": [Target(saved_list, {"GET": ORDER_PAGE}, ORDER_PAGE)],
    "matching:list_lookalike": [Target(saved_list, {"GET": ORDER_PAGE}, ORDER_PAGE)],
    "matching:list_rename": [
        Target(saved_list, {"POST": ORDER_PAGE, "GET": ()}, ORDER_PAGE, const(name="Renamed"), ok={"POST": (302,)})
    ],
    "matching:list_delete": [Target(saved_list, {"POST": ORDER_PAGE, "GET": ()}, ORDER_PAGE, ok={"POST": (302,)})],
    "matching:list_add": [
        Target(
            saved_list,
            {"POST": ORDER_PAGE, "GET": ()},
            ORDER_PAGE,
            lambda w, s: {"creator": w.neutral.pk},
            ok={"POST": (302,)},
        )
    ],
    "matching:list_remove": [
        Target(
            saved_list,
            {"POST": ORDER_PAGE, "GET": ()},
            ORDER_PAGE,
            lambda w, s: {"creator": w.sides[s].creator.pk},
            ok={"POST": (302,)},
        )
    ],
    "matching:list_offers": [
        Target(
            saved_list,
            {"POST": ("owner",), "GET": ()},
            ORDER_PAGE,
            lambda w, s: {
                "order": w.sides[s].orders["open"].pk,
                "creator": [w.sides[s].creator.pk],
                "idempotency_key": idem(),
            },
            ok={"POST": (302,)},
        )
    ],
    "creators:detail": [
        Target(
            lambda w, s: {"handle": w.sides[s].creator.handle},
            {"GET": CREATOR_PAGE},
            CREATOR_PAGE,
            missing={"handle": MISSING_SLUG},
        )
    ],
    # The picture follows the creator page's rule.
    "creators:avatar": [
        Target(
            lambda w, s: {"handle": w.sides[s].creator.handle},
            {"GET": CREATOR_PAGE},
            CREATOR_PAGE,
            missing={"handle": MISSING_SLUG},
        )
    ],
    "matching:order_ranking": [Target(order("open"), {"GET": ORDER_PAGE}, ORDER_PAGE)],
    "matching:order_rerank": [Target(order("open"), {"POST": ("owner",), "GET": ()}, ORDER_PAGE, ok={"POST": (302,)})],
    "matching:order_why_not": [
        Target(
            order("open"), {"GET": ORDER_PAGE}, ORDER_PAGE, query=lambda w, s: {"creator": w.sides[s].creator.handle}
        )
    ],
    "agencies:contract_act": [
        # Either side ends the contract; the creator accepting it again is refused with a message (a redirect
        # back), the agency is refused (403); anyone else is answered as for a missing contract.
        Target(
            lambda w, s: {**contract(w, s), "action": "end"},
            {"POST": ("creator", "agency"), "GET": ()},
            ("creator", "agency"),
            ok={"POST": (302,)},
            missing={"pk": MISSING_ID, "action": "end"},
        ),
        Target(
            lambda w, s: {**contract(w, s), "action": "accept"},
            {"POST": (), "GET": ()},
            ("creator", "agency"),
            missing={"pk": MISSING_ID, "action": "accept"},
            refused={"POST": (302, 403), "GET": (405,)},
        ),
    ],
    "payouts:admin_topup_confirm": [
        Target(
            lambda w, s: {"pk": w.sides[s].topup.pk},
            {"POST": ("admin",), "GET": ()},
            ("admin",),
            admin_form("confirm", "topup", "reference", "BANK-1"),
            ok={"POST": (302,)},
        )
    ],
    "payouts:admin_topup_fail": [
        Target(
            lambda w, s: {"pk": w.sides[s].topup.pk},
            {"POST": ("admin",), "GET": ()},
            ("admin",),
            admin_form("fail", "topup", "reason", "Bounced"),
            ok={"POST": (302,)},
        )
    ],
    "payouts:admin_payout_sent": [
        Target(
            lambda w, s: {"pk": w.sides[s].payout.pk},
            {"POST": ("admin",), "GET": ()},
            ("admin",),
            admin_form("sent", "payout", "reference", "BANK-2"),
            ok={"POST": (302, 400)},  # only a payout awaiting the bank's confirmation can be marked sent
        )
    ],
    "payouts:admin_payout_failed": [
        Target(
            lambda w, s: {"pk": w.sides[s].payout.pk},
            {"POST": ("admin",), "GET": ()},
            ("admin",),
            admin_form("fail", "payout", "reason", "Closed account"),
            ok={"POST": (302,)},
        )
    ],
}


# ------------------------------------------------------------------ walking the resolver


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    params: tuple[str, ...]
    view: Callable


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for item in patterns:
        if isinstance(item, URLResolver):
            inner = f"{namespace}{item.namespace}:" if item.namespace else namespace
            yield from _walk(item.url_patterns, prefix + str(item.pattern), inner)
        elif isinstance(item, URLPattern):
            converters = {**getattr(item.pattern, "converters", {})}
            yield prefix + str(item.pattern), f"{namespace}{item.name}", converters, item.callback


def _params(route: str) -> tuple[str, ...]:
    return tuple(part.split(">")[0].split(":")[-1] for part in route.split("<")[1:])


def api_routes() -> list[Route]:
    """Every route under /api/v1/ in the root URL resolver."""
    return [
        Route(name, route, _params(route), view)
        for route, name, _conv, view in _walk(get_resolver().url_patterns)
        if route.startswith("api/v1/")
    ]


def page_routes() -> list[Route]:
    """Every page outside /api/ and Django's admin whose path takes an int or slug (an object id or handle)."""
    found = []
    for route, name, _conv, view in _walk(get_resolver().url_patterns):
        if route.startswith(("api/", "admin/")) or not any(f"<{c}:" in route for c in ("int", "slug")):
            continue
        found.append(Route(name, route, _params(route), view))
    return found


def api_methods(view) -> list[str]:
    """The methods the view class allows (HEAD wherever GET is, as Django's View adds it)."""
    cls = view.view_class
    assert issubclass(cls, APIView), f"{cls} is not a DRF view"
    methods = [m.upper() for m in cls.http_method_names if m not in ("head", "options", "trace") and hasattr(cls, m)]
    return methods + (["HEAD"] if "GET" in methods else []) + ["OPTIONS"]


# ------------------------------------------------------------------ the walk


@dataclass
class Tally:
    checked: int = 0
    routes: set = field(default_factory=set)
    actors: set = field(default_factory=set)
    methods: set = field(default_factory=set)
    failures: list = field(default_factory=list)
    rolled_back: set = field(default_factory=set)

    def note(self, route: str, method: str, actor: str) -> None:
        self.checked += 1
        self.routes.add(route)
        self.methods.add((route, method))
        self.actors.add(actor)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with committed_world(django_db_blocker, tmp_path_factory.mktemp("isolation")) as built:
        yield built


def _api_call(w: World, side: str, actor: str, method: str, url: str, target: Target):
    client = w.api(side, actor)
    headers = {"HTTP_IDEMPOTENCY_KEY": idem()}
    if method in ("GET", "HEAD", "OPTIONS"):
        query = target.query(w, side) if target.query and method != "OPTIONS" else {}
        return client.generic(method, url + _qs(query), **headers) if method != "GET" else client.get(url, query)
    data = target.body(w, side) if target.body else {}
    return getattr(client, method.lower())(url, data, format="multipart" if target.multipart else "json", **headers)


def _qs(query: dict) -> str:
    from urllib.parse import urlencode

    return "?" + urlencode(query) if query else ""


def _api_summary(response) -> tuple:
    """What a refusal tells the caller: status and error code (HEAD has no body)."""
    code = None
    if response.content and response.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        code = body.get("code") if isinstance(body, dict) else None
    return response.status_code, code


def _missing_kwargs(route: Route, target: Target, kwargs: dict) -> dict:
    return target.missing or dict.fromkeys(kwargs, MISSING_ID)


def _rolled_back(call, *args):
    """Make the request ``call(*args)`` and undo whatever it wrote; the response is returned."""
    with transaction.atomic():
        response = call(*args)
        transaction.set_rollback(True)
    return response


def _walk_target(tally, watch, w: World, route: Route, target: Target, methods, missing_cache: dict, call, summarise):
    """Every refused actor × method on the target, for each side's object; failures go to ``tally``."""
    sides = SIDES if route.params else SIDES[:1]  # routes without parameters act on the caller's own things
    for side in sides:
        kwargs = target.kwargs(w, side) if target.kwargs else {}
        url = reverse(route.name, kwargs=kwargs)
        missing_url = reverse(route.name, kwargs=_missing_kwargs(route, target, kwargs)) if kwargs else None
        for method in methods:
            allowed = target.allowed.get("GET" if method == "HEAD" else method, ())
            for actor in ACTORS:
                if method != "OPTIONS" and actor in allowed:
                    continue
                before = writes()
                response = call(w, side, actor, method, url, target)
                tally.note(route.name, method, actor)
                where = f"{method} {url} as {actor} of side {side}"
                watch.check(before, where, tally.failures)
                summary = summarise(response)
                if missing_url and (method == "OPTIONS" or actor not in target.readers):
                    key = (route.name, method, w.user(side, actor).pk if w.user(side, actor) else None, missing_url)
                    if key not in missing_cache:
                        missing = _rolled_back(call, w, side, actor, method, missing_url, target)
                        missing_cache[key] = summarise(missing)
                    if summary != missing_cache[key]:
                        tally.failures.append(f"{where}: answered {summary}, but {missing_cache[key]} for a missing id")
                if method == "OPTIONS":
                    if summary[0] not in (200, 401, 403):
                        tally.failures.append(f"{where}: OPTIONS answered {summary[0]}")
                    continue
                expected = (401,) if actor == "anon" else (403,) if actor in target.readers else (403, 404)
                expected = target.refused.get(method, expected) if actor in target.readers else expected
                if summary[0] not in expected:
                    tally.failures.append(f"{where}: expected {expected}, got {summary[0]} {response.content[:200]!r}")


def _check_permitted(tally: Tally, w: World, route: Route, target: Target, methods: list[str], call, ok_default):
    """The first permitted actor's call succeeds (then is rolled back): the target is real."""
    sides = SIDES if route.params else SIDES[:1]
    for side in sides:
        kwargs = target.kwargs(w, side) if target.kwargs else {}
        url = reverse(route.name, kwargs=kwargs)
        for method in methods:
            doers = target.allowed.get(method, ())
            if method in ("HEAD", "OPTIONS") or not doers:
                continue
            response = _rolled_back(call, w, side, doers[0], method, url, target)
            ok = target.ok.get(method, ok_default)
            if response.status_code not in ok:
                tally.failures.append(
                    f"{method} {url} as {doers[0]} of side {side} (permitted): expected "
                    f"{'a 2xx' if ok == OK_2XX else ok}, got {response.status_code} {response.content[:300]!r}"
                )


OK_2XX = tuple(range(200, 300))


def test_every_api_route_and_every_page_with_an_id_is_in_the_matrix():
    missing_api = sorted({r.name for r in api_routes()} - set(API))
    missing_pages = sorted({r.name for r in page_routes()} - set(PAGES))
    stale = sorted(set(API) - {r.name for r in api_routes()}) + sorted(set(PAGES) - {r.name for r in page_routes()})

    assert not missing_api, f"Routes with no entry in test_isolation.API (say how to fill them): {missing_api}"
    assert not missing_pages, f"Pages with no entry in test_isolation.PAGES (say how to fill them): {missing_pages}"
    assert not stale, f"Entries for routes that no longer exist: {stale}"
    for route in api_routes():
        for target in API[route.name]:
            assert bool(route.params) == (target.kwargs is not None), f"{route.name}: parameters {route.params}"
            extra = set(target.allowed) - set(api_methods(route.view))
            assert not extra, f"{route.name}: the table permits methods the view does not have: {extra}"


def test_no_actor_reaches_another_tenants_objects_through_the_api(world, capsys):
    tally, missing_cache = Tally(), {}

    for route in api_routes():
        methods = api_methods(route.view)
        watch = Watch()
        before = dict(watch.base)
        for target in API.get(route.name, [None]):
            assert target is not None, f"{route.name} has no entry in test_isolation.API"
            _walk_target(tally, watch, world, route, target, methods, missing_cache, _api_call, _api_summary)
            _check_permitted(tally, world, route, target, methods, _api_call, OK_2XX)
        if changed := changed_tables(before, Snapshot.take()):
            tally.failures.append(f"{route.name}: the database differs after its walk ({', '.join(changed)})")
        tally.rolled_back |= {f"{route.name}: {note}" for note in watch.rolled_back}

    with capsys.disabled():
        print(
            f"\nisolation matrix (API): {len(tally.routes)} routes, {len(tally.methods)} route×method pairs, "
            f"{len(tally.actors)} actors, {tally.checked} refused requests checked; refused requests that wrote "
            f"and rolled back: {sorted(tally.rolled_back) or 'none'}"
        )
    assert not tally.failures, "\n".join(tally.failures)
    assert len(tally.routes) == len(api_routes())


# ------------------------------------------------------------------ lists return the caller's rows only


def _mine(model, user, path: str) -> set[int]:
    return set(model.objects.filter(**{path: user}).values_list("pk", flat=True))


def _collaborations_of(user) -> set[int]:
    rows = Collaboration.objects.all()
    if not user.is_staff:
        represented = rows.filter(
            creator__representations__status="active", creator__representations__agency__memberships__user=user
        )
        rows = rows.filter(order__brand__memberships__user=user) | rows.filter(creator__user=user) | represented
    return set(rows.values_list("pk", flat=True))


def _latest_ranked(w: World, side: str) -> set[int]:
    run = w.sides[side].orders["open"].ranking_runs.first()
    return set(RankingResult.objects.filter(run=run).values_list("creator_id", flat=True))


def _open_recruitment(w: World, side: str, user) -> set[int]:
    return set(
        Order.objects.filter(status=Order.Status.PUBLISHED, mode=Order.Mode.RECRUITMENT).values_list("pk", flat=True)
    )


def _entries(kind: str, owner: str) -> Callable:
    def rows(w: World, side: str, user) -> set[int]:
        found = LedgerEntry.objects.filter(account__kind=kind, **{f"account__{owner}": user})
        return set(found.values_list("pk", flat=True))

    return rows


# route → (path parameters, the ids of the caller's rows, how to read an id off a result, exact or a subset)
LISTS: dict[str, tuple] = {
    "api:order-list": (None, lambda w, s, u: _mine(Order, u, "brand__memberships__user"), "id", True),
    "api:collaboration-list": (None, lambda w, s, u: _collaborations_of(u), "id", True),
    "api:order-collaborations": (
        order(S.ACCEPTED),
        lambda w, s, u: {w.sides[s].deals[S.ACCEPTED].pk},
        "id",
        True,
    ),
    "api:dispute-list": (
        None,
        lambda w, s, u: set(Dispute.objects.filter(status="open").values_list("pk", flat=True)),
        "id",
        True,
    ),
    "api:notification-list": (None, lambda w, s, u: _mine(Notification, u, "user"), "id", True),
    "api:wallet-statement": (None, _entries(Account.Kind.BRAND_AVAILABLE, "brand__memberships__user"), "id", True),
    "api:earnings-statement": (None, _entries(Account.Kind.CREATOR_AVAILABLE, "creator__user"), "id", True),
    "api:payout-list": (None, lambda w, s, u: _mine(Payout, u, "creator__user"), "id", True),
    "api:document-list": (
        None,
        lambda w, s, u: (
            _mine(Document, u, "brand__memberships__user")
            | _mine(Document, u, "creator__user")
            | _mine(Document, u, "agency__memberships__user")
        ),
        "id",
        True,
    ),
    "api:agency-roster": (None, lambda w, s, u: _mine(Representation, u, "agency__memberships__user"), "id", True),
    "api:agency-statement": (None, _entries(Account.Kind.AGENCY_AVAILABLE, "agency__memberships__user"), "id", True),
    "api:agency-payouts": (None, lambda w, s, u: _mine(Payout, u, "agency__memberships__user"), "id", True),
    "api:representation-list": (
        None,
        lambda w, s, u: (
            _mine(Representation, u, "agency__memberships__user") | _mine(Representation, u, "creator__user")
        ),
        "id",
        True,
    ),
    "api:brand-member-list": (
        None,
        lambda w, s, u: set(BrandMembership.objects.filter(brand__memberships__user=u).values_list("pk", flat=True)),
        "id",
        True,
    ),
    "api:order-matches": (order("open"), lambda w, s, u: _latest_ranked(w, s), "creator.id", True),
    "api:recommended-orders": (None, _open_recruitment, "order.id", False),
    "api:webhook-endpoint-list": (
        None,
        lambda w, s, u: (
            _mine(WebhookEndpoint, u, "brand__memberships__user")
            | _mine(WebhookEndpoint, u, "agency__memberships__user")
        ),
        "id",
        True,
    ),
    "api:webhook-delivery-list": (
        None,
        lambda w, s, u: (
            _mine(WebhookDelivery, u, "endpoint__brand__memberships__user")
            | _mine(WebhookDelivery, u, "endpoint__agency__memberships__user")
        ),
        "id",
        True,
    ),
}


def _all_ids(client, url: str, query: dict, path: str) -> list[int]:
    ids, response = [], client.get(url, {**query, "page_size": 100})
    while True:
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        body = response.json()
        for row in body["results"]:
            for part in path.split("."):
                row = row[part]
            ids.append(row)
        if not body.get("next"):
            return ids
        response = client.get(body["next"])


def test_every_list_returns_exactly_the_callers_rows(world):
    seen_rows = {}

    for name, (kwargs, expected, path, exact) in LISTS.items():
        for side in SIDES if kwargs else SIDES[:1]:
            url = reverse(name, kwargs=kwargs(world, side) if kwargs else {})
            readers = next(t for t in API[name]).allowed["GET"]
            for actor in readers:
                user = world.user(side, actor)
                ids = _all_ids(world.api(side, actor), url, {}, path)
                mine = expected(world, side, user)

                assert len(ids) == len(set(ids)), f"{name} as {actor}: a row twice"
                if exact:
                    assert set(ids) == mine, f"{name} as {actor} of {side}: got {sorted(ids)}, owns {sorted(mine)}"
                else:
                    assert set(ids) <= mine, f"{name} as {actor}: {sorted(set(ids) - mine)} are not open to them"
                seen_rows[name] = seen_rows.get(name, 0) + len(ids)

    assert all(seen_rows.get(name) for name in LISTS), f"lists that never returned a row: {seen_rows}"


# ------------------------------------------------------------------ pages that take an object id


class Pages:
    """A logged-in browser per user (the session is made once, before anything is measured)."""

    def __init__(self, w: World):
        self.w, self.clients = w, {}

    def client(self, side: str, actor: str) -> Client:
        user = self.w.user(side, actor)
        key = user.pk if user else None
        if key not in self.clients:
            self.clients[key] = Client()
            if user is not None:
                self.clients[key].force_login(user)
        return self.clients[key]

    def call(self, w: World, side: str, actor: str, method: str, url: str, target: Target):
        client = self.client(side, actor)
        client.cookies.pop("messages", None)  # only what this request says
        if method == "GET":
            return client.get(url, target.query(w, side) if target.query else {})
        return client.post(url, target.body(w, side) if target.body else {})


def _page_summary(response) -> tuple:
    """What a page tells the caller: status, where it redirects, and the messages it queued."""
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    return response.status_code, response.get("Location", ""), tuple(messages)


def _walk_page(tally: Tally, watch: Watch, w: World, pages: Pages, route: Route, target: Target, missing_cache):
    login = reverse(settings.LOGIN_URL)
    for side in SIDES:
        kwargs = target.kwargs(w, side)
        url = reverse(route.name, kwargs=kwargs)
        missing_url = reverse(route.name, kwargs=target.missing or dict.fromkeys(kwargs, MISSING_ID))
        for method in ("GET", "POST"):
            allowed = target.allowed.get(method, ())
            for actor in ACTORS:
                if actor in allowed:
                    continue
                before = writes()
                response = pages.call(w, side, actor, method, url, target)
                tally.note(route.name, method, actor)
                where = f"{method} {url} as {actor} of side {side}"
                watch.check(before, where, tally.failures)
                summary = _page_summary(response)
                if actor == "anon":
                    if summary[0] != 405 and not (summary[0] == 302 and summary[1].startswith(login)):
                        tally.failures.append(f"{where}: expected the login page, got {summary[:2]}")
                    continue
                if actor in target.readers:
                    expected = target.refused.get(method, (403, 405))
                    if summary[0] not in expected:
                        tally.failures.append(f"{where}: expected {expected}, got {summary[0]}")
                    continue
                key = (route.name, method, w.user(side, actor).pk, missing_url)
                if key not in missing_cache:
                    missing = _rolled_back(pages.call, w, side, actor, method, missing_url, target)
                    missing_cache[key] = _page_summary(missing)
                if summary[0] not in (302, 403, 404, 405) or summary != missing_cache[key]:
                    tally.failures.append(f"{where}: answered {summary}, but {missing_cache[key]} for a missing id")


def test_no_actor_reaches_another_tenants_objects_through_the_pages(world, capsys):
    tally, pages, missing_cache = Tally(), Pages(world), {}
    for actor in ACTORS:
        pages.client("A", actor)
        pages.client("B", actor)

    for route in page_routes():
        assert route.name in PAGES, f"{route.name} has no entry in test_isolation.PAGES"
        watch = Watch()
        before = dict(watch.base)
        for target in PAGES[route.name]:
            _walk_page(tally, watch, world, pages, route, target, missing_cache)
            ok_default = {"GET": (200,), "POST": (302,)}
            for side in SIDES:
                url = reverse(route.name, kwargs=target.kwargs(world, side))
                for method, doers in target.allowed.items():
                    if not doers:
                        continue
                    response = _rolled_back(pages.call, world, side, doers[0], method, url, target)
                    ok = target.ok.get(method, ok_default[method])
                    if response.status_code not in ok:
                        tally.failures.append(
                            f"{method} {url} as {doers[0]} (permitted): expected {ok}, got {response.status_code}"
                        )
        if changed := changed_tables(before, Snapshot.take()):
            tally.failures.append(f"{route.name}: the database differs after its walk ({', '.join(changed)})")

    with capsys.disabled():
        print(
            f"\nisolation matrix (pages): {len(tally.routes)} pages, {len(tally.methods)} page×method pairs, "
            f"{len(tally.actors)} actors, {tally.checked} refused requests checked"
        )
    assert not tally.failures, "\n".join(tally.failures)
