"""Browser tests: Debian's chromium, driven through Playwright's sync API, against a live Django server.

The suite starts the browser itself (never `playwright install`). Without chromium the tests marked
``browser`` skip with a message saying how to enable them; everything else still runs. No Celery
worker runs in tests, so ``ranker`` ranks queued runs in a thread of this process.
"""

from __future__ import annotations

import shutil
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import connections
from django.utils import timezone

from learning.services import install_shipped_courses
from marketplace.core import outbox
from matching import engine
from tests.browser.data import PASSWORD, TOPUP, make_admin, make_brand_owner, make_star_creator
from tests.matching.conftest import make_creators

DEBIAN_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ENABLE_HINT = "chromium is not installed: `apt-get install chromium` to run the browser tests"
WAIT_MS = 30_000  # the longest any step may wait for the page
_real_now = timezone.now


def chromium_executable() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return DEBIAN_CHROMIUM if Path(DEBIAN_CHROMIUM).exists() else None


def pytest_collection_modifyitems(config, items):
    """Skip before any setup (taxonomy, creators) when the browser cannot start."""
    if chromium_executable() is not None:
        return
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.skip(reason=ENABLE_HINT))


# --------------------------------------------------------------- run times

_durations: dict[str, dict[str, float]] = {}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_call_failed] = report.failed
    return report


_call_failed = pytest.StashKey[bool]()


def pytest_runtest_logreport(report):
    if "browser" in report.keywords and report.outcome != "skipped":
        _durations.setdefault(report.nodeid, {})[report.when] = report.duration


def pytest_terminal_summary(terminalreporter):
    ran = {nodeid: phases for nodeid, phases in _durations.items() if "call" in phases}
    if not ran:
        return
    terminalreporter.section("browser test run times")
    lines = []
    for nodeid, phases in ran.items():
        total = sum(phases.values())
        parts = ", ".join(f"{when} {phases[when]:.1f} s" for when in ("setup", "call", "teardown") if when in phases)
        lines.append(f"{nodeid}: {total:.1f} s ({parts})")
    for line in lines:
        terminalreporter.write_line(line)
    artifacts = Path(terminalreporter.config.rootpath) / "test-artifacts" / "browser"
    if artifacts.is_dir():
        (artifacts / "run-times.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---------------------------------------------------------------- settings


@pytest.fixture(autouse=True)
def _browser_settings(settings, tmp_path, monkeypatch):
    settings.MATCHING_SNAPSHOT_DIR = tmp_path / "snapshots"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.PLATFORM_FEE_BPS = 1000
    settings.CURRENCY = "CNY"
    # No broker in tests: the outbox row stays pending and `ranker` plays the worker. Nothing from
    # these tests reaches the shared Redis queue.
    monkeypatch.setattr(outbox, "_send", lambda message_id: False)
    engine.reset()
    yield
    engine.reset()


@pytest.fixture
def artifacts(request) -> Path:
    """test-artifacts/browser/ at the repository root (git-ignored): screenshots of the key pages."""
    path = Path(request.config.rootpath) / "test-artifacts" / "browser"
    path.mkdir(parents=True, exist_ok=True)
    return path


# ----------------------------------------------------------------- browser


class Browsers:
    """One chromium per person, each with a fresh profile (user-data-dir), so sessions never mix."""

    def __init__(self, playwright, executable: str, profiles: Path, base_url: str, artifacts: Path):
        self._playwright, self._executable, self._profiles = playwright, executable, profiles
        self.base_url, self.artifacts = base_url, artifacts
        self._contexts = []
        self._names: list[str] = []
        self.page_errors: list[str] = []

    def open(self, name: str):
        context = self._playwright.chromium.launch_persistent_context(
            str(self._profiles / name),
            executable_path=self._executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
            locale="en-GB",
        )
        context.set_default_timeout(WAIT_MS)
        context.set_default_navigation_timeout(WAIT_MS)
        self._contexts.append(context)
        self._names.append(name)
        page = context.pages[0] if context.pages else context.new_page()
        page.on("pageerror", lambda exc: self.page_errors.append(f"{name}: {exc}"))
        return page

    def screenshot_all(self, prefix: str) -> None:
        """Every open page as it is now (kept next to the step screenshots when a test fails)."""
        for name, context in zip(self._names, self._contexts, strict=True):
            for number, page in enumerate(context.pages):
                page.screenshot(path=str(self.artifacts / f"{prefix}-{name}-{number}.png"), full_page=True)

    def close(self) -> None:
        for context in self._contexts:
            context.close()


@pytest.fixture
def browsers(request, live_server, tmp_path, artifacts, monkeypatch):
    """Starts Playwright and opens browsers on demand; everything is closed before the database is flushed."""
    from playwright.sync_api import expect, sync_playwright

    executable = chromium_executable()
    if executable is None:
        pytest.skip(ENABLE_HINT)
    # Playwright's sync API keeps its asyncio loop marked as running on this thread between calls,
    # which Django reads as "async context". The ORM calls in these tests are plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    expect.set_options(timeout=WAIT_MS)
    for stale in artifacts.glob(f"failed-{request.node.name}-*.png"):
        stale.unlink()
    with sync_playwright() as playwright:
        opened = Browsers(playwright, executable, tmp_path / "profiles", live_server.url, artifacts)
        try:
            yield opened
            if request.node.stash.get(_call_failed, False):
                opened.screenshot_all(f"failed-{request.node.name}")
        finally:
            opened.close()
            # While the loop counts as running, Django keeps this thread's connections in a separate
            # (context-local) slot; close them now, or the test database cannot be dropped at the end.
            connections.close_all()
    assert opened.page_errors == [], "JavaScript errors on the pages"


# ------------------------------------------------------------------ worker


class InProcessRanker:
    """Plays the Celery worker: queues the ranking of each published order, as order_published_task would,
    and ranks queued runs, as ranking_run_task would, in this process.

    ``hold()`` keeps queued runs waiting, so a test can see the page in its "queued" state before
    ``release()`` lets them run.
    """

    POLL_SECONDS = 0.1

    def __init__(self):
        self._stop = threading.Event()
        self._open = threading.Event()
        self._open.set()
        self.ranked: list[int] = []
        self.errors: list[str] = []
        self._thread = threading.Thread(target=self._loop, name="in-process-ranker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def stop(self) -> None:
        self._stop.set()
        self._open.set()
        self._thread.join(timeout=WAIT_MS / 1000)

    def _loop(self) -> None:
        from matching import services
        from matching.models import RankingRun
        from tests.matching.conftest import queue_published_orders

        try:
            while not self._stop.is_set():
                queue_published_orders()  # a publish's message queues the run, held or not
                if self._open.is_set():
                    queued = RankingRun.objects.filter(status=RankingRun.Status.QUEUED).order_by("id")
                    for run_id in list(queued.values_list("id", flat=True)):
                        try:
                            if services.ranking_execute(run_id=run_id) is not None:
                                self.ranked.append(run_id)
                        except Exception as exc:  # the run is marked failed; the page shows it
                            self.errors.append(f"run {run_id}: {type(exc).__name__}: {exc}")
                self._stop.wait(self.POLL_SECONDS)
        finally:
            connections.close_all()  # this thread's connection, so the test database can be flushed


@pytest.fixture
def ranker(live_server):
    worker = InProcessRanker()
    worker.start()
    yield worker
    worker.stop()


# ------------------------------------------------------------------- clock


class Clock:
    """Moves this process's clock (``timezone.now``, which the services and the live server read) forward."""

    def __init__(self):
        self.offset = timedelta(0)

    def now(self):
        return _real_now() + self.offset

    def advance(self, **delta) -> None:
        self.offset += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(timezone, "now", fake.now)
    return fake


# -------------------------------------------------------------------- data


@dataclass
class People:
    owner_email: str
    brand_id: int
    creator_email: str
    creator_id: int
    creator_name: str
    admin_email: str
    price: int  # the star creator's rate-card price for short videos, minor units


@pytest.fixture
def people(live_server, taxonomy) -> People:
    """The IAB taxonomy, a handful of ranked creators, one creator with a login and a full profile,
    a brand owner with a topped-up CNY wallet, and an admin; every password is PASSWORD."""
    make_creators(6)
    owner = make_brand_owner(email="owner@brand.test", brand_name="Aurora Skin", topup=TOPUP, password=PASSWORD)
    admin = make_admin(email="admin@starmap.test", password=PASSWORD)
    creator, price = make_star_creator(email="lina@creator.test", password=PASSWORD, admin=admin)
    install_shipped_courses()  # as bootstrap does: the creator's walk reads them
    return People(
        owner_email=owner.user.email,
        brand_id=owner.brand_id,
        creator_email=creator.user.email,
        creator_id=creator.pk,
        creator_name=creator.display_name,
        admin_email=admin.email,
        price=price,
    )


def days_from_today(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)
