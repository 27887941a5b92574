"""Every part of a page a request can ask for is authorised for the caller, whatever the request says.

A view may choose what to render from the request: htmx's headers (``HX-Request``, ``HX-Target``) or a
parameter naming the part of the page a form came from (``origin`` and the like). The walk takes every
page and htmx endpoint from the URL resolver (outside the API and the Django admin), calls it as every
actor of the two-tenant world, and asks again with every such choice the templates make (every ``origin``
value, every ``hx-target`` and list target) for the views that look at one. Whatever it renders, a
caller never receives data they may not see. The data are markers planted in the world:

- a rival creator's application on each brand's recruitment order (their pitch and quote: the brand's
  and staff's to see) and their offer on an order where the side's own creator has an offer too, so the
  order's board holds another creator (their name: brands browse creators, creators do not);
- a message on each side's accepted deal (its parties' and staff's to see).

Status codes alone would not do: a leak is a 200 with somebody else's data in it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from marketplace.core import format_money
from orders.models import Collaboration
from orders.services import deals
from tests.api.tenants import ACTORS, PRICE, SIDES, World, committed_world, new_key
from tests.orders.conftest import make_creator
from tests.routes import READS, Callers, Reads, all_routes, recording, samples_for

pytestmark = pytest.mark.django_db
S = Collaboration.Status

# The request parameters a view could take as "answer with this part of the page".
ORIGIN_LIKE = ("origin", "target", "partial", "fragment")


def _choices_in_templates() -> list[str]:
    """Every part of a page a template names for htmx to fetch or a form to come back to."""
    found = set()
    patterns = (
        r'name="origin" value="([\w-]+)"',
        r'hx-target="#([\w-]+)"',
        r'\btarget="([\w-]+)"',
    )
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = path.read_text()
        for pattern in patterns:
            found.update(re.findall(pattern, text))
    return sorted(found - {"_blank"})


CHOICES = _choices_in_templates()


@dataclass(frozen=True)
class Marker:
    text: str
    seen_by: frozenset[str]  # actors relative to side A who may see it (staff see everything)


def _markers(w: World, planted: dict) -> list[Marker]:
    """Each side's markers, with who may see them from side A's point of view."""
    markers = []
    for side in SIDES:
        own = side == "A"
        brand = {"owner", "viewer"} if own else {"o_owner", "o_viewer"}
        # The agency representing the side's creator is a party to the creator's collaborations.
        parties = brand | ({"creator", "agency"} if own else {"o_creator", "o_agency"})
        every_brand = {"owner", "viewer", "o_owner", "o_viewer"}
        markers += [
            Marker(planted[side]["pitch"], frozenset(brand)),
            Marker(planted[side]["quote"], frozenset(brand)),
            Marker(planted[side]["rival"], frozenset(every_brand)),
            Marker(planted[side]["message"], frozenset(parties)),
        ]
    return markers


def _plant(w: World) -> dict:
    planted = {}
    for side in SIDES:
        s = w.sides[side]
        rival = make_creator(max_concurrent=50, display_name=f"Rivalcreator Qx{side}", handle=f"rival-qx-{side}")
        quote = PRICE + (12_345 if side == "A" else 23_456)
        pitch = f"Pitchsecret qx{side} for the brand only"
        deals.application_submit(order_id=s.orders["applied"].pk, actor=rival.user, quote=quote, pitch=pitch)
        deals.offer_send(order_id=s.orders[S.OFFERED].pk, creator_id=rival.pk, actor=s.owner, idempotency_key=new_key())
        message = f"Messagesecret qx{side} between the parties"
        deals.collaboration_comment(collaboration_id=s.deals[S.ACCEPTED].pk, actor=s.owner, text=message)
        planted[side] = {
            "rival": rival.display_name,
            "pitch": pitch,
            "quote": format_money(quote, settings.CURRENCY).split(" ", 1)[1],
            "message": message,
        }
    return planted


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with committed_world(django_db_blocker, tmp_path_factory.mktemp("partials")) as built:
        with django_db_blocker.unblock():
            built.planted = _plant(built)
        yield built


CALLERS = [actor for actor in ACTORS if actor != "admin"]


def _form(values: dict) -> str:
    return urlencode(values, doseq=True)


class Walk:
    def __init__(self, w: World, monkeypatch):
        self.callers = Callers(w, {actor: actor for actor in CALLERS})
        self.markers = _markers(w, w.planted)
        self.monkeypatch = monkeypatch
        self.requests = 0
        self.leaks: list[str] = []

    def send(self, actor, method, url, query: dict, body: dict, headers: dict, what: str) -> Reads:
        READS.append(Reads())
        self.requests += 1
        try:
            with transaction.atomic():
                response = self.callers.send(
                    actor,
                    method,
                    url,
                    _form(query),
                    _form(body),
                    content_type="application/x-www-form-urlencoded",
                    api=False,
                    **headers,
                )
                transaction.set_rollback(True)
            content = b"".join(response.streaming_content) if response.streaming else response.content
            text = content.decode(errors="replace")
            for marker in self.markers:
                if actor not in marker.seen_by and marker.text in text:
                    self.leaks.append(f"{method} {url} as {actor} {what}: {response.status_code} shows {marker.text!r}")
        finally:
            reads = READS.pop()
        return reads

    def route(self, w: World, route) -> None:
        for sample in samples_for(route):
            url = route.url(sample.kwargs(w))
            query, body = sample.query(w), sample.body(w)
            for method in ("GET", "POST"):
                data = body if method == "POST" else {}
                with recording(self.monkeypatch):
                    reads = {a: self.send(a, method, url, query, data, {}, "as the page") for a in CALLERS}
                chooses = any(set(ORIGIN_LIKE) & r.keys or "HX-Target" in r.headers for r in reads.values())
                variants = [({"HTTP_HX_REQUEST": "true"}, None)]
                if chooses:
                    variants += [({"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": c}, c) for c in CHOICES]
                    variants += [({}, c) for c in CHOICES]
                for actor, read in reads.items():
                    # A view that looked at neither htmx's headers nor a part's name for this caller answers the
                    # same whatever they say (a refusal before the view reads anything, say): asked once.
                    if not (read.htmx or set(ORIGIN_LIKE) & read.keys):
                        continue
                    for headers, choice in variants:
                        named = dict.fromkeys(ORIGIN_LIKE, choice) if choice else {}
                        what = f"with {choice or 'no choice'}" + (" and htmx" if headers else "")
                        self.send(actor, method, url, {**query, **named}, {**data, **named}, headers, what)


def test_the_markers_are_what_their_readers_see(world, client):
    a = world.sides["A"]
    client.force_login(a.owner)

    board = client.get(reverse("orders:detail", args=[a.orders["applied"].pk])).content.decode()
    offered = client.get(reverse("orders:detail", args=[a.orders[S.OFFERED].pk])).content.decode()
    client.force_login(a.creator.user)
    deal = client.get(reverse("deals:collaboration", args=[a.deals[S.ACCEPTED].pk])).content.decode()

    planted = world.planted["A"]
    assert planted["pitch"] in board and planted["quote"] in board and planted["rival"] in board
    assert planted["rival"] in offered
    assert planted["message"] in deal


def test_no_part_of_any_page_shows_a_caller_what_they_may_not_see(world, monkeypatch, capsys, caplog):
    caplog.set_level(logging.CRITICAL, logger="django")  # hundreds of refusals would each log a warning
    walk = Walk(world, monkeypatch)
    routes = [r for r in all_routes() if not r.is_api and not r.is_admin]

    for route in routes:
        walk.route(world, route)

    with capsys.disabled():
        print(f"\npartials: {len(routes)} pages, {len(CHOICES)} choices, {walk.requests} requests")
    assert walk.requests > 500
    assert not walk.leaks, "\n".join(sorted(set(walk.leaks))[:30])
