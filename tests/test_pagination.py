"""Every paginated list of the site, paged the way a person pages it: one paginator, one partial.

Each list is drawn by ``marketplace.core.web.paginate`` and ``templates/marketplace/_pagination.html``.
With one row a page (the paginator is narrowed here, so that the two-tenant world fills two pages of
every list), each list's page is asked for with ``<param>=2`` and with hostile page numbers (never a
5xx: the first or the last page), and the link the user sees ("Next", or "Previous" for a timeline that
opens on its latest entries) is followed: the page it leads to shows that list one page on, the other
lists where they were. A list whose page htmx swaps alone answers the link with only that list, and
says so in ``Vary``.

The table is checked against the code: every page parameter any view paginates by is in it, and no
view pages a list with Django's ``Paginator`` itself.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.paginator import Paginator
from django.test import override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from marketplace.core import web
from orders.models import Collaboration
from orders.services import contests, deals
from payouts import services as money
from tests.api.tenants import PRICE, World, committed_world, new_key
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db
S = Collaboration.Status
ROOT = Path(settings.BASE_DIR)

HOSTILE = ["2", "²", "-1", "0", "9" * 5000, "9" * 400, "a\x00b", "1e999", "2.5", "", "last", "%"]


@dataclass(frozen=True)
class List:
    page: str  # URL name
    param: str
    actor: str  # owner, creator or admin of side A
    args: str = ""  # which world object the URL takes
    target: str = ""  # the element htmx swaps, when the list is swapped alone
    last_first: bool = False


LISTS = [
    List("orders:list", "page", "owner"),
    List("orders:detail", "board_page", "owner", args="open"),
    List("orders:detail", "applicants_page", "owner", args="recruiting"),
    List("matching:order_ranking", "page", "owner", args="open"),  # the ranking, which the order page loads
    List("deals:inbox", "offers_page", "creator"),
    List("deals:inbox", "applications_page", "creator"),
    List("deals:inbox", "page", "creator"),
    List("deals:inbox", "recommended_page", "creator"),
    List("deals:collaboration", "page", "owner", args="settled", last_first=True),
    List("deals:disputes", "page", "admin"),
    List("deals:dispute", "page", "admin", args="dispute"),
    List("deals:notifications", "page", "owner"),
    List("payouts:wallet", "page", "owner", target="statement"),
    List("payouts:wallet", "escrow_page", "owner", target="escrow"),
    List("payouts:wallet", "pending_page", "owner"),
    List("payouts:earnings", "page", "creator", target="statement"),
    List("payouts:earnings", "payouts_page", "creator", target="payouts"),
    List("payouts:ledger", "topups_page", "admin", target="pending-topups"),
    List("payouts:ledger", "payouts_page", "admin", target="admin-payouts"),
    List("webhooks:endpoint", "page", "owner", args="webhook", target="delivery-log"),
    List("contests:list", "page", "owner"),
    List("contests:list", "page", "creator"),  # the open contests the creator may enter
    List("contests:list", "entries", "creator"),  # the creator's own entries
    List("contests:detail", "entries", "owner", args="contest"),
    List("deals:disputes", "contests", "admin"),  # disputed contests, beside the disputed deals
]


class OnePerPage(Paginator):
    def __init__(self, object_list, per_page, **kwargs):
        super().__init__(object_list, 1, **kwargs)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The two-tenant world, with a second row in the lists it fills once."""
    with committed_world(django_db_blocker, tmp_path_factory.mktemp("pagination")) as built:
        with django_db_blocker.unblock():
            a = built.sides["A"]
            for creator in (built.neutral, a.creator):  # the board of the open order; the creator's offers
                deals.offer_send(
                    order_id=a.orders["open"].pk, creator_id=creator.pk, actor=a.owner, idempotency_key=new_key()
                )
            for creator in (built.neutral, a.creator):  # the applicants; the creator's applications
                deals.application_submit(
                    order_id=a.orders["recruiting"].pk, actor=creator.user, quote=PRICE, pitch="Me!"
                )
            with override_settings(PAYMENT_PROVIDER="manual"):  # a second pending top-up in the wallet
                money.topup(brand_id=a.brand.pk, amount=300_000, idempotency_key=new_key(), actor=a.owner)
            money.payout_request(
                creator_id=a.creator.pk, amount=10_000, idempotency_key=new_key(), actor=a.creator.user
            )
            _second_delivery(a.webhook)
            contests.contest_enter(  # a second entry in the open contest
                contest_id=a.contests["open"].pk,
                actor=built.neutral.user,
                post_url="https://v.example/neutral",
                published_at=timezone.now(),
            )
        yield built


def _second_delivery(endpoint: WebhookEndpoint) -> None:
    """A second row in the endpoint's delivery log."""
    event = WebhookEvent.objects.create(
        public_id="evt_second", type="offer.declined", brand=endpoint.brand, object_key="order:0", body={}
    )
    WebhookDelivery.objects.create(endpoint=endpoint, event=event, next_attempt_at=timezone.now())


def _url(world: World, item: List) -> str:
    a = world.sides["A"]
    args = {
        "": [],
        "open": [a.orders["open"].pk],
        "recruiting": [a.orders["recruiting"].pk],
        "settled": [a.deals[S.SETTLED].pk],
        "dispute": [a.dispute.pk] if a.dispute else [],
        "webhook": [a.webhook.pk],
        "contest": [a.contests["open"].pk],
    }[item.args]
    return reverse(item.page, args=args)


def _user(world: World, actor: str):
    a = world.sides["A"]
    return {"owner": a.owner, "creator": a.creator.user, "admin": world.admin}[actor]


def _link(body: str, param: str, rel: str) -> str:
    """The href of the ``rel`` link of the list paged by ``param`` ("" when the page shows none)."""
    for href, found in re.findall(r'<a href="([^"]*)" rel="(next|prev)"', body):
        href = html.unescape(href)
        if found == rel and re.search(rf"[?&]{re.escape(param)}=", href):
            return href
    return ""


def _number(href: str, param: str) -> int:
    return int(re.search(rf"[?&]{re.escape(param)}=(\d+)", href).group(1))


def _follow(url: str, href: str) -> str:
    return url + href if href.startswith("?") else href


@pytest.fixture
def one_per_page(monkeypatch):
    monkeypatch.setattr(web, "Paginator", OnePerPage)


@pytest.mark.parametrize("item", LISTS, ids=lambda i: f"{i.page}-{i.param}")
def test_each_list_pages_by_its_link_and_survives_hostile_page_numbers(world, client, one_per_page, item):
    client.force_login(_user(world, item.actor))
    url = _url(world, item)

    for value in HOSTILE:
        response = client.get(url, {item.param: value})
        assert response.status_code == 200, (item, value)

    first = client.get(url).content.decode()
    onward, back = ("prev", "next") if item.last_first else ("next", "prev")
    href = _link(first, item.param, onward)
    assert href, f"{item}: the page shows no {onward} link for this list"
    landed = client.get(_follow(url, href))
    assert landed.status_code == 200
    # On the page the link leads to, the list is one page on: its way back names the page the user came from.
    way_back = _link(landed.content.decode(), item.param, back)
    step = -1 if item.last_first else 1
    assert way_back and _number(way_back, item.param) == _number(href, item.param) - step
    # Other lists' links keep their page numbers as they were.
    others = {p for p in re.findall(r"[?&](\w*page)=", href) if p != item.param}
    for other in others:
        assert _number(href, other) == _number(_link(first, other, "next") or _link(first, other, "prev"), other)

    if item.target:
        fragment = client.get(_follow(url, href), HTTP_HX_REQUEST="true", HTTP_HX_TARGET=item.target)
        body = fragment.content.decode()
        assert fragment.status_code == 200 and "<html" not in body
        assert re.match(rf'\s*<section id="{item.target}"', body), body[:200]
        assert f'hx-target="#{item.target}"' in body
        assert {"HX-Request", "HX-Target"} <= {v.strip() for v in fragment["Vary"].split(",")}


REFUSED_FORMS = [
    # (who, the POST address's URL name and what it takes, the data the form refuses, the list, the page's URL name)
    ("creator", "deals:apply", "recruiting_b", {"quote": "", "pitch": ""}, "offers_page", "deals:inbox"),
    ("owner", "deals:act", "script_submitted", {"comment": ""}, "page", "deals:collaboration"),
    (
        "admin",
        "deals:dispute_decide",
        "dispute",
        {"decision": "split", "creator_amount": "-1"},
        "page",
        "deals:dispute",
    ),
]


@pytest.mark.parametrize(("actor", "name", "args", "data", "param", "page"), REFUSED_FORMS, ids=lambda v: str(v))
def test_a_page_drawn_for_a_refused_form_pages_to_itself(
    world, client, one_per_page, actor, name, args, data, param, page
):
    """A refused form draws its page at the address it was POSTed to; its list links lead to the page itself."""
    a, b = world.sides["A"], world.sides["B"]
    target, own = {
        "recruiting_b": ([b.orders["recruiting"].pk], []),
        "script_submitted": ([a.deals[S.SCRIPT_SUBMITTED].pk, "reject_script"], [a.deals[S.SCRIPT_SUBMITTED].pk]),
        "dispute": ([a.dispute.pk], [a.dispute.pk]),
    }[args]
    client.force_login(_user(world, actor))

    refused = client.post(reverse(name, args=target), data)
    assert refused.status_code == 400
    body = refused.content.decode()
    href = _link(body, param, "next") or _link(body, param, "prev")
    assert href.startswith(reverse(page, args=own) + "?"), href
    assert client.get(href).status_code == 200


PAGINATE_CALL = re.compile(r"\bpaginate\(\s*request\b(?P<args>[^()]*(?:\([^()]*\)[^()]*)*)\)", re.S)


def _app_sources():
    for path in sorted(ROOT.glob("*/**/*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {"tests", ".venv", "bench"} or "migrations" in parts:
            continue
        yield path, path.read_text()


def test_the_table_holds_every_paginated_list_and_one_paginator_pages_them():
    params, hand_made = set(), []
    for path, text in _app_sources():
        for call in PAGINATE_CALL.finditer(text):
            named = re.search(r'param="(\w+)"', call.group("args"))
            params.add(named.group(1) if named else "page")
        if path != ROOT / "marketplace/core/web.py" and re.search(r"\bPaginator\(", text):
            hand_made.append(str(path.relative_to(ROOT)))

    assert params and params <= {item.param for item in LISTS}, params - {item.param for item in LISTS}
    assert hand_made == []
    partials = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "templates").rglob("_pagination.html"))
    assert partials == ["templates/marketplace/_pagination.html"]


ACTORS = ("owner", "creator", "admin")


def test_a_page_that_answers_htmx_with_a_fragment_says_it_varies_on_htmx(world, client):
    """A GET drawn as a whole page, or as a fragment for htmx, must say ``Vary: HX-Request``: else the
    browser's cache (the back button) can show the fragment where the page was. Every page of the URL
    conf, as each actor, with its sample values."""
    from tests.routes import all_routes, samples_for

    checked, missing = 0, []
    for route in all_routes():
        if route.is_api or route.is_admin:
            continue
        for sample in samples_for(route) or []:
            kwargs, query = sample.kwargs(world), sample.query(world)
            try:
                url = reverse(route.name, kwargs=kwargs)
            except NoReverseMatch:  # an unnamed route (named by its pattern): none is an HTML page
                assert "/" in route.name or not route.name, route.name
                continue
            for actor in ACTORS:
                client.force_login(_user(world, actor))
                page = client.get(url, query)
                fragment = client.get(url, query, HTTP_HX_REQUEST="true")
                if page.status_code != 200 or fragment.status_code != 200 or page.streaming or fragment.streaming:
                    continue
                if not page["Content-Type"].startswith("text/html"):  # a document (an invoice's PDF, a CSV)
                    continue
                if ("<html" in page.content.decode()) == ("<html" in fragment.content.decode()):
                    continue
                checked += 1
                for response in (page, fragment):
                    if "HX-Request" not in {v.strip() for v in response.get("Vary", "").split(",")}:
                        missing.append((route.name, actor))
    assert checked
    assert sorted(set(missing)) == []
