"""Every page of every role, in a real browser at 1440×900 and 390×844: nothing scrolls sideways, the
console stays free of errors (a Content-Security-Policy violation, a missing favicon, a script error), and
axe-core finds no serious or critical accessibility violation. Screenshots go to test-artifacts/browser/
(walk-<role>-<width>-<page>.png).

The pages are not listed by hand: each role's walk starts from the links of its main navigation and
follows, breadth first, from each page it finds the first link to every other page of the site (one per URL
name). A page added to the navigation, or linked from a page reached from it, is walked without touching
this file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from playwright.sync_api import expect

from agencies.services import agency_create
from brands.models import BrandMembership
from creators.models import Creator, CreatorVerification
from marketplace.core.models import ProductCategory, User
from marketplace.core.verification import verification_submit
from matching.lists import creator_list_add, creator_list_create
from orders.models import Order
from orders.services import contests as contest_services
from orders.services import deals
from orders.services.notifications import notify
from tests.agencies.conftest import sign
from tests.browser.conftest import days_from_today
from tests.browser.data import PASSWORD
from tests.browser.pages import login
from tests.factories import CreatorFactory, OrderFactory
from tests.orders import contest_helpers
from tests.orders.conftest import act
from tests.orders.test_pages_brand import stored_ranking
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
SERIOUS = {"serious", "critical"}
# Pages a walk does not open: Django's own admin (not our layout), downloads, the language switch, and
# links that act (a GET that opens a notification marks it read and redirects).
NOT_WALKED = {"admin", "i18n", "logout"}
# By URL name; the downloads (CSV and PDF files) because a browser starts a download instead of a page.
NOT_WALKED_NAMES = {
    "notification_open",
    "download",
    "report_csv",
    "wallet_statement_csv",
    "statement_pdf",
    "statement_csv",
    "pdf",
    "csv",
    "set_language",
}
MAX_PAGES = 30  # a bound on a walk, so a page with links to every row cannot make it run for minutes

WIDER_THAN_THE_SCREEN = """() => Array.from(document.querySelectorAll("body *"))
  .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1
    && !(el.parentElement && el.parentElement.closest(".overflow-auto")))
  .slice(0, 6).map((el) => el.tagName + (el.id ? "#" + el.id : "") + "." + el.className
    + " " + Math.round(el.getBoundingClientRect().right))"""

# A figure drawn on more than one line: in a card (".stat-grid .number": "CNY 180,945.5" and a lone "0" under
# it), in a table's figure cell (td.num: "CNY" above "86.91"), a figure elsewhere (.figure: an age bracket
# "18-" above "23") or a creator's handle ("@gentle-quartz-" above "c00"). Each text of its own (not a note in
# a <small> beside it) is measured: its line boxes must all share one top.
SPLIT_FIGURES = """() => Array.from(document.querySelectorAll(".stat-grid .number, td.num, .figure, .handle"))
  .filter((el) => el.getClientRects().length > 0)
  .flatMap((el) => Array.from(el.childNodes).filter((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim())
    .filter((n) => { const range = document.createRange(); range.selectNodeContents(n);
      const tops = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      return tops.size > 1; })
    .map((n) => n.textContent.trim()))"""

LINKS = """(els) => els.map((a) => a.getAttribute("href"))"""
# A Content-Security-Policy violation, said with where it came from (Chromium's own console line does not).
CSP_REPORTER = """document.addEventListener("securitypolicyviolation", (e) => console.error(
  `CSP ${e.violatedDirective} blocked ${e.blockedURI || e.sample} (${e.sourceFile}:${e.lineNumber})`));"""
# Styles only from the site's stylesheets: no <style> element (htmx's indicator rules would be one) and no
# style attribute (Playwright's screenshot leaves empty ones on inputs: looked at before it).
INLINE_STYLES = """() => Array.from(document.querySelectorAll("style, [style]:not([style=''])"))
  .map((el) => el.outerHTML.slice(0, 160))"""


@dataclass
class Walk:
    """What one role's walk found wrong, page by page."""

    role: str
    problems: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    axe_counts: dict[str, int] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)  # URL name: path


def url_name(path: str) -> str | None:
    """The URL name of a same-site path worth walking, or None."""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if set(match.namespaces) & NOT_WALKED or match.url_name in NOT_WALKED_NAMES or parts.path.startswith("/admin/"):
        return None
    return match.view_name


def settle(page) -> None:
    """The page and every htmx part it loads (hx-trigger="load") are in."""
    page.wait_for_load_state("networkidle")


def links_of(page, selector: str) -> list[str]:
    return [href for href in page.locator(selector).evaluate_all(LINKS) if href]


def pages_of(page, base: str, start: str) -> dict[str, str]:
    """The role's main navigation, then, breadth first, from each page found the first link to each URL name
    not seen yet (at most MAX_PAGES)."""
    page.goto(base + start)
    settle(page)
    chosen: dict[str, str] = {}
    for href in links_of(page, 'nav[aria-label="Main"] a[href]'):
        name = url_name(href)
        if name and name not in chosen:
            chosen[name] = urlsplit(href).path
    visited = 0
    while visited < len(chosen) < MAX_PAGES:
        page.goto(base + list(chosen.values())[visited])
        settle(page)
        visited += 1
        for link in links_of(page, "main a[href]"):
            name = url_name(link)
            if name and name not in chosen and len(chosen) < MAX_PAGES:
                chosen[name] = urlsplit(link).path
    return chosen


# More than one line: some item of the main navigation starts below where another ends, or (kept on one line
# by nowrap) runs out of the page's header.
NAV_WRAPS = """() => { const boxes = Array.from(document.querySelectorAll("body > header nav li"))
  .filter((li) => li.offsetParent !== null).map((li) => li.getBoundingClientRect());
  const ends = Array.from(document.querySelectorAll("body > header nav li > *"))
    .filter((el) => el.offsetParent !== null).map((el) => el.getBoundingClientRect().right);
  const edge = document.querySelector("body > header").getBoundingClientRect().right;
  return Math.max(...boxes.map((b) => b.top)) >= Math.min(...boxes.map((b) => b.bottom))
    || Math.max(...ends) > edge + 1; }"""


def nav_on_one_line_in_every_language(page, walk: Walk, base: str, path: str) -> None:
    """At 1440 px, with the unread badge showing, the main navigation keeps to one line in every language the
    site speaks (the walk itself reads the pages in English); the walk goes on in English afterwards."""
    page.set_viewport_size(VIEWPORTS["desktop"])
    for code, _name in [*settings.LANGUAGES, (settings.LANGUAGE_CODE, "")]:
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": code, "url": base}])
        page.goto(base + path)
        settle(page)
        if page.locator("html").get_attribute("lang") != code:
            walk.problems.append(
                f"desktop {path}: asked for {code}, the page is in {page.locator('html').get_attribute('lang')}"
            )
        if not page.locator("#nav-notifications .badge").is_visible():
            walk.problems.append(f"desktop {path} in {code}: no unread badge, so the one-line check proves little")
        if page.evaluate(NAV_WRAPS):
            walk.problems.append(f"desktop {path} in {code}: the main navigation wraps onto more than one line")


def check(page, walk: Walk, artifacts, label: str, name: str, path: str) -> None:
    settle(page)
    if label == "desktop" and page.evaluate(NAV_WRAPS):
        walk.problems.append(f"{label} {path}: the main navigation wraps onto more than one line")
    if template_text := [mark for mark in ("{#", "{%", "{{") if mark in page.locator("body").inner_text()]:
        walk.problems.append(f"{label} {path} shows template code: {template_text}")
    if inline := page.evaluate(INLINE_STYLES):
        walk.problems.append(f"{label} {path} has inline styles, which the Content-Security-Policy refuses: {inline}")
    slug = name.replace(":", "-").replace(" ", "-")
    page.screenshot(path=str(artifacts / f"walk-{walk.role}-{label}-{slug}.png"), full_page=True)
    if split := page.evaluate(SPLIT_FIGURES):
        walk.problems.append(f"{label} {path} splits figures over lines: {split}")
    if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
        walk.problems.append(f"{label} {path} scrolls sideways: {page.evaluate(WIDER_THAN_THE_SCREEN)}")
    results = Axe().run(page).response
    serious = [v for v in results["violations"] if v["impact"] in SERIOUS]
    walk.axe_counts[label] = walk.axe_counts.get(label, 0) + len(serious)
    for violation in serious:
        targets = [node["target"] for node in violation["nodes"][:3]]
        walk.problems.append(f"{label} {path} axe {violation['id']} ({violation['impact']}): {targets}")


def walk_role(browsers, role: str, email: str, start: str = "/", extra: dict | None = None) -> tuple[Walk, object]:
    """One browser session: log in, list the pages at desktop width, visit each at both sizes. ``extra`` names
    pages no link leads to (a GET form's answer, a second state of a page already walked) by a name of their
    own and their path."""
    walk = Walk(role)
    page = browsers.open(role)
    page.on("console", lambda msg: msg.type == "error" and walk.console.append(f"{page.url}: {msg.text}"))
    page.on("pageerror", lambda exc: walk.console.append(f"{page.url}: {exc}"))
    page.add_init_script(CSP_REPORTER)
    page.set_viewport_size(VIEWPORTS["desktop"])
    login(page, browsers.base_url, email)
    for stale in browsers.artifacts.glob(f"walk-{role}-*.png"):
        stale.unlink()
    pages = pages_of(page, browsers.base_url, start) | (extra or {})
    nav_on_one_line_in_every_language(page, walk, browsers.base_url, start)
    for label, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        for name, path in pages.items():
            page.goto(browsers.base_url + path)
            check(page, walk, browsers.artifacts, label, name, path)
    print(f"{role}: {len(pages)} pages at {len(VIEWPORTS)} sizes, serious or critical axe violations {walk.axe_counts}")
    walk.pages = pages
    page.set_viewport_size(VIEWPORTS["desktop"])
    return walk, page


def ranking_filtered_after_style_attributes_were_left(page, base: str, order_id: int) -> None:
    """An htmx update of the ranked list after something set style through the CSSOM (which the policy allows:
    a screenshot tool, a browser extension), leaving style attributes: htmx must not copy them onto the new
    elements with setAttribute (its default "settles" style), which the policy refuses with a console error."""
    page.goto(f"{base}/orders/{order_id}/")
    settle(page)
    page.evaluate("document.querySelectorAll('[id]').forEach((el) => { el.style.cssText = ''; })")
    rows = page.locator("table.ranking tbody tr")
    before = rows.count()

    page.locator('input[name="min_followers"]').fill("50000")
    page.locator('input[name="min_followers"]').dispatch_event("change")

    expect(rows).not_to_have_count(before)
    settle(page)


def visit_at_both_sizes(page, walk: Walk, artifacts, name: str, path: str) -> None:
    """One page the walk may not reach by its links (the star creator's media kit), checked at both sizes."""
    for label, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        page.goto(walk_base(page) + path)
        check(page, walk, artifacts, label, name, path)
    page.set_viewport_size(VIEWPORTS["desktop"])


def walk_base(page) -> str:
    parts = urlsplit(page.url)
    return f"{parts.scheme}://{parts.netloc}"


def media_kit_shows_picture_samples_and_charts(page, path: str) -> None:
    """The star creator's page: the uploaded picture loaded (not the initials), the samples, three charts."""
    page.goto(walk_base(page) + path)
    settle(page)
    picture = page.locator("img.avatar-large")
    expect(picture).to_be_visible()
    assert page.evaluate("(img) => img.complete && img.naturalWidth === 256", picture.element_handle())
    expect(page.locator("#content-samples a[rel='noopener nofollow ugc']")).to_have_count(3)
    expect(page.locator("#audience figure.chart svg")).to_have_count(3)


def assert_clean(walk: Walk) -> None:
    found = walk.problems + [f"console error: {line}" for line in walk.console]
    assert found == [], "\n".join(found)


def make_order(people, title: str, **fields) -> Order:
    brief = {
        "brand_id": people.brand_id,
        "title": title,
        "product_category": ProductCategory.objects.get(path="Consumer Packaged Goods > Skin Care"),
        "status": Order.Status.PUBLISHED,
        "price_per_creator": people.price,
        "creators_wanted": 2,
        "script_by": timezone.now() + timedelta(days=5),
        "publish_from": days_from_today(0),
        "publish_until": days_from_today(30),
    }
    return OrderFactory(**(brief | fields))


def disputed_deal(people, owner) -> None:
    """A second order whose deal went all the way to a published video, then into a dispute."""
    order = make_order(people, "Night cream seeding")
    c = deals.offer_send(order_id=order.pk, creator_id=people.creator_id, actor=owner, idempotency_key="walk-2")
    creator_user = c.creator.user
    for action, actor in [
        ("accept", creator_user),
        ("submit_script", creator_user),
        ("approve_script", owner),
        ("submit_video", creator_user),
        ("approve_video", owner),
        ("publish", creator_user),
        ("open_dispute", creator_user),
    ]:
        c = act(c, action, actor)


@pytest.fixture
def deal(people):
    """A published skin-care order of the brand, ranked, with an offer out to the creator; a disputed deal on
    another order; unread notifications for everyone."""
    owner = BrandMembership.objects.get(brand_id=people.brand_id).user
    order = make_order(people, "Spring serum launch", publish_from=days_from_today(2))
    run = stored_ranking(order, list(Creator.objects.order_by("pk")[:5]))
    run.results.update(reasons=[{"code": "value", "cpm": 1234, "cheaper_than": 60, "points": 5.0}])  # a "Why" to show
    c = deals.offer_send(order_id=order.pk, creator_id=people.creator_id, actor=owner, idempotency_key="walk-1")
    disputed_deal(people, owner)
    # Every role has unread notifications, so the walk sees the navigation with its badge.
    admin = User.objects.get(email=people.admin_email)
    notify([owner, admin], kind="note", text="Twelve unread notifications make a two-digit badge.", collaboration=c)
    return c


@dataclass
class Newer:
    """The newer pages' states: a saved list, an offer the creator countered, a creator waiting for staff."""

    saved_list_id: int
    compared: list[int]
    countered_id: int
    verification_id: int
    contests: dict[str, int]
    webhook_id: int


@pytest.fixture
def newer(people, deal) -> Newer:
    owner = BrandMembership.objects.get(brand_id=people.brand_id).user
    saved = creator_list_create(brand_id=people.brand_id, actor=owner, name="Skin-care shortlist")
    compared = list(Creator.objects.filter(verification="verified").order_by("pk").values_list("pk", flat=True)[:3])
    for creator_id in compared:
        creator_list_add(brand_id=people.brand_id, pk=saved.pk, actor=owner, creator_id=creator_id)
    # The creator counters a second offer (the first stays open, with its counter form).
    order = make_order(people, "Autumn mask seeding")
    offer = deals.offer_send(
        order_id=order.pk, creator_id=people.creator_id, actor=owner, idempotency_key="walk-3", note="Two cuts."
    )
    deals.offer_counter(
        collaboration_id=offer.pk, actor=offer.creator.user, price=offer.agreed_price * 11 // 10, note="A second day."
    )
    waiting = CreatorFactory(verification="unverified")
    request = verification_submit(
        request_model=CreatorVerification,
        subject=waiting,
        user=waiting.user,
        evidence_url="https://www.douyin.com/user/waiting-creator",
    )
    endpoint = WebhookEndpoint.objects.create(
        brand_id=people.brand_id, url="https://hooks.example.com/starmap", secret="whsec_walk", created_by=owner
    )
    return Newer(saved.pk, compared, offer.pk, request.pk, contests_in_every_state(people, owner), endpoint.pk)


def contests_in_every_state(people, owner) -> dict[str, int]:
    """Contests of the brand: one nobody entered, one the creator entered, one ranked and disputed."""
    world = {"brand": BrandMembership.objects.get(user=owner).brand, "owner": owner}
    lina = Creator.objects.get(pk=people.creator_id)
    fresh, entered, disputed = (contest_helpers.publish(world, count_day=1) for _ in range(3))
    contest_helpers.enter(entered, lina)
    contest_helpers.report(contest_helpers.enter(disputed, lina), 12_000, 300)
    contest_helpers.rank(disputed)
    contest_services.contest_transition(
        contest_id=disputed.pk,
        action="dispute",
        actor=owner,
        comment="The views of the top entry look bought.",
        now=contest_helpers.rank_time(disputed),
    )
    return {"fresh": fresh.pk, "entered": entered.pk, "disputed": disputed.pk}


NEWER_PAGES = {
    "brand": {"matching:list_index", "matching:list_detail", "deals:deadlines", "contests:list", "contests:create"},
    "creator": {"deals:deadlines", "contests:list"},
    "staff": {"staff_verification", "staff_verification_detail"},
}


def newer_pages(newer: Newer) -> dict[str, dict[str, str]]:
    """Pages of the newer features no link of a walk reaches, per role."""
    countered = reverse("deals:collaboration", args=[newer.countered_id])
    contest = {state: reverse("contests:detail", args=[pk]) for state, pk in newer.contests.items()}
    compare = reverse("matching:creator_compare") + "?" + "&".join(f"creator={pk}" for pk in newer.compared)
    return {
        "brand": {
            "matching:creator_compare": compare,
            "webhooks:endpoint": reverse("webhooks:endpoint", args=[newer.webhook_id]),
            "deals:collaboration countered": countered,
            "contests:list": reverse("contests:list"),
            "contests:create": reverse("contests:create"),
            "contests:detail entered": contest["entered"],
            "contests:detail disputed": contest["disputed"],
        },
        "creator": {
            "deals:collaboration countered": countered,
            "contests:list": reverse("contests:list"),
            "contests:detail to enter": contest["fresh"],
            "contests:detail entered": contest["entered"],
        },
        "staff": {
            "staff_verification_detail": reverse("staff_verification_detail", args=["creator", newer.verification_id]),
            "contests:detail disputed": contest["disputed"],
        },
    }


def test_brand_pages_fit_both_sizes_without_errors_or_serious_accessibility_violations(people, deal, newer, browsers):
    walk, page = walk_role(browsers, "brand", people.owner_email, extra=newer_pages(newer)["brand"])
    ranking_filtered_after_style_attributes_were_left(page, browsers.base_url, deal.order_id)

    media_kit = "/creator/lina-zhou/"
    visit_at_both_sizes(page, walk, browsers.artifacts, "media-kit", media_kit)
    media_kit_shows_picture_samples_and_charts(page, media_kit)

    assert {"orders:create", "orders:detail", "orders:report", "deals:collaboration"} <= set(walk.pages)
    assert NEWER_PAGES["brand"] | set(newer_pages(newer)["brand"]) <= set(walk.pages)
    assert_clean(walk)


def test_creator_pages_fit_both_sizes_without_errors_or_serious_accessibility_violations(
    people, deal, newer, agency, browsers
):
    walk, page = walk_role(browsers, "creator", people.creator_email, extra=newer_pages(newer)["creator"])
    media_kit_shows_picture_samples_and_charts(page, "/creator/lina-zhou/")

    assert {"deals:inbox", "deals:collaboration", "creators:growth", "payouts:earnings"} <= set(walk.pages)
    assert {"creators:profile_edit", "creators:detail"} <= set(walk.pages)  # the editor and the media kit
    assert {"learning:list", "learning:detail"} <= set(walk.pages)  # the courses and one of them
    assert "agencies:creator_agency" in set(walk.pages)  # the contract with her agency
    assert NEWER_PAGES["creator"] | set(newer_pages(newer)["creator"]) <= set(walk.pages)
    assert_clean(walk)


@pytest.fixture
def agency(people, deal) -> User:
    """An agency representing the star creator, her earnings shared, with an unread notification."""
    owner = User.objects.create_user(email="owner@agency.test", password=PASSWORD, full_name="Li Na")
    agency_create(name="Lumen Talent (MCN)", owner=owner)
    lina = Creator.objects.get(pk=people.creator_id)
    sign(owner, lina, share_bps=1_500, may_answer_offers=True, may_submit_deliverables=True, may_see_earnings=True)
    notify([owner], kind="note", text="An unread notification, so the walk sees the badge.", collaboration=deal)
    return owner


def test_agency_pages_fit_both_sizes_without_errors_or_serious_accessibility_violations(people, agency, browsers):
    walk, _ = walk_role(browsers, "agency", agency.email, start=reverse("agencies:roster"))

    assert {"agencies:roster", "agencies:statement"} <= set(walk.pages)
    assert_clean(walk)


def test_staff_pages_fit_both_sizes_without_errors_or_serious_accessibility_violations(people, deal, newer, browsers):
    # Staff land in the staff overview.
    walk, _ = walk_role(
        browsers, "staff", people.admin_email, start="/staff/overview/", extra=newer_pages(newer)["staff"]
    )

    assert {"staff_overview", "payouts:ledger", "deals:disputes", "deals:dispute"} <= set(walk.pages)
    assert NEWER_PAGES["staff"] <= set(walk.pages)
    assert_clean(walk)
