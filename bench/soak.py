"""Load and soak: brands and creators run whole deals over the API for a while, with a worker killed and
PostgreSQL restarted under the traffic; then count what was lost.

    python bench/soak.py                      # 10 minutes (faults at minute 3 and minute 6)
    python bench/soak.py --duration 60        # what CI runs (tests/bench/test_soak_smoke.py)

A whole stack of its own (marketplace.dev.stack: PostgreSQL, Redis, gunicorn, a Celery worker and beat,
as `make run` starts them) is created under --root (a temporary directory by default). Before the run,
--brands verified brands and --creators verified creators with logins, labels and rate cards are made
with the demo's helpers, and each gets an API token. Locust (as a library, in this process) then drives:

- deal users, one per brand, each starting a deal every ``brands * 60 / deals_per_min`` seconds (a fixed
  arrival rate): top up when the wallet runs low, create and publish an order, wait for its ranking,
  offer to one of the ranked creators, and then, as that creator and the brand in turn: accept, script,
  approve, video (a multipart upload), approve, publish with a link, accept the work, confirm it live
  (settlement) and request a payout of what the creator has available. A few offers are declined
  (the brand offers to the next ranked creator), a few deals are cancelled after the script and a few
  disputed after the video (an admin decides them);
- readers at a fixed rate: API reads as brands and creators, and dashboard pages after a session login.

Every money POST carries an Idempotency-Key; a connection error or a 503 is retried with the same key
(a step without money that was retried and answers 409 is checked by reading the deal). At 30 % of the
duration the worker is killed with SIGKILL and started again; at 60 % PostgreSQL is stopped and started
again (the gap, from the stop to the moment it answers again, is recorded). After --duration no new deal
starts; deals under way get --finish seconds, the queues get --drain seconds, then the checks run.

Figures, one JSON line each on stdout (bench/_common.py's emit): deals_completed (settled),
deals_completed_per_min, lost_deals (a deal whose collaboration is missing, or whose state is behind the
last one the API confirmed, or money held for a deal that ended), ledger_differences (manage.py
ledger_verify), http_5xx_outside_gap, requests_per_s, and p50 / p99 per endpoint in ms.
"""

from __future__ import annotations

# Locust patches the standard library with gevent when it is imported: first, before anything opens a socket.
from locust import HttpUser, constant_pacing, events, task  # isort: skip
from locust.env import Environment  # isort: skip

import argparse
import json
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import gevent

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import emit, say, step
from marketplace.dev.stack import Stack

API = "/api/v1"
LABEL = "553"  # IAB Content 3.1: Beauty, what every order asks for
CATEGORY = "1246"  # IAB Ad Product 2.0: skin care
FORMAT = "short_21_60"
PRICE_MINOR = 2_000_000  # the order's price per creator (offers hold the creator's rate-card price)
TOPUP_MINOR = 500_000_000  # a brand tops up this much when its wallet falls below LOW_WALLET
LOW_WALLET_MINOR = 100_000_000
RETRY_FOR = 120.0  # seconds a request is retried (connection errors, 503) before the deal gives up
RANKING_WAIT = 150.0  # a killed worker's task comes back after CELERY_VISIBILITY_TIMEOUT
# A minimal readable MP4: an ftyp box, a moov box and 64 KiB of media data.
VIDEO = (
    (20).to_bytes(4, "big")
    + b"ftypisom"
    + (512).to_bytes(4, "big")
    + b"isom"
    + (8).to_bytes(4, "big")
    + b"moov"
    + (8 + 65536).to_bytes(4, "big")
    + b"mdat"
    + bytes(65536)
)
# Rates of the unhappy paths, per deal (illustrative, in line with a marketplace's usual few per cent).
DECLINE_RATE = 0.05
CANCEL_RATE = 0.05
DISPUTE_RATE = 0.03

SETUP = r"""
import json
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import transaction
from brands.models import Brand
from brands.services import brand_create, brand_update
from creators.models import Creator
from marketplace.core.models import ProductCategory, User
from marketplace.core.tokens import api_token_create
from marketplace.core.verification import set_verification
from marketplace.dev.demo.accounts import ADMIN_EMAIL
from marketplace.dev.demo.catalogue import Catalogue
from marketplace.dev.demo.creators import write_demo_creators
from matching import engine

BRANDS, CREATORS, PASSWORD = %(brands)d, %(creators)d, %(password)r
# The stack accepts MD5 next to PBKDF2 (FAST_PASSWORD_HASHER): setting 50 passwords does not take minutes.
# A login upgrades the hash to PBKDF2, as it would for any old hash.
cheap = make_password(PASSWORD, hasher="md5")
admin = User.objects.filter(email=ADMIN_EMAIL).first() or User.objects.create_superuser(ADMIN_EMAIL, None)
industry = ProductCategory.objects.get(iab_id=%(category)r)
out = {"brands": [], "creators": [], "admin": api_token_create(user=admin, name="soak")[1], "password": PASSWORD}
with transaction.atomic():
    for i in range(BRANDS):
        owner = User.objects.create_user(f"soak-brand-{i}@soak.test", None, full_name=f"Soak Brand {i}")
        User.objects.filter(pk=owner.pk).update(password=cheap)
        brand = brand_create(name=f"Soak Brand {i}", owner=owner)
        brand_update(brand=brand, actor=owner, name=brand.name, website="", description="Soak test brand.",
                     industry=industry, country="CN")
        token = api_token_create(user=owner, name="soak")[1]
        out["brands"].append({"id": brand.pk, "email": owner.email, "token": token})
    set_verification(actor=admin, model=Brand, pks=[b["id"] for b in out["brands"]], to="verified")
# The demo's synthetic creators (labels, audiences, rate cards, platform figures), each given a login.
before = set(Creator.objects.values_list("pk", flat=True))
with transaction.atomic():
    write_demo_creators(CREATORS, seed=14, catalogue=Catalogue.load())
creators = list(Creator.objects.exclude(pk__in=before).order_by("pk"))
users = User.objects.bulk_create(
    [
        User(email=f"soak-creator-{c.pk}@soak.test", password=make_password(None), full_name=c.display_name)
        for c in creators
    ]
)
for creator, user in zip(creators, users):
    creator.user = user
Creator.objects.bulk_update(creators, ["user"])
set_verification(actor=admin, model=Creator, pks=[c.pk for c in creators], to="verified")
for creator, user in zip(creators, users):
    token = api_token_create(user=user, name="soak")[1]
    out["creators"].append({"id": creator.pk, "email": user.email, "token": token})
call_command("recompute_indices", if_missing=True, verbosity=0)
engine.rebuild()
print("SOAK " + json.dumps(out))
"""

# What is left: each deal's collaboration and holds, checked against what the API confirmed.
CHECK = r"""
import json
from orders.models.orders import Collaboration
from orders.services.collaborations import COLLABORATION_FLOW
from payouts.models import Hold, Payout

deals = json.loads(open(%(path)r).read())
def reachable(status):
    seen, todo = {status}, [status]
    while todo:
        for nxt in COLLABORATION_FLOW.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt); todo.append(nxt)
    return seen
ENDED = {"closed", "cancelled", "settled", "resolved"}
lost, states, problems = 0, {}, []
rows = {c.pk: c for c in Collaboration.objects.filter(pk__in=[d["collaboration"] for d in deals])}
for d in deals:
    c = rows.get(d["collaboration"])
    if c is None:
        lost += 1; problems.append(f"collaboration {d['collaboration']} is missing"); continue
    states[c.status] = states.get(c.status, 0) + 1
    if c.status not in reachable(d["confirmed"]):
        lost += 1; problems.append(f"collaboration {c.pk} is {c.status}; the API had confirmed {d['confirmed']}")
orders = [d["order"] for d in deals]
for hold in Hold.objects.filter(order_id__in=orders, status__in=["held", "escrowed"]).select_related("collaboration"):
    if hold.collaboration is None or hold.collaboration.status in ENDED:
        lost += 1
        problems.append(f"hold {hold.pk} is {hold.status} for collaboration {hold.collaboration_id} "
                        f"({hold.collaboration.status if hold.collaboration else 'missing'})")
from django.db.models import Count
payouts = dict(
    Payout.objects.filter(creator__user__email__startswith="soak-").values_list("status").annotate(n=Count("pk"))
)
print("SOAK " + json.dumps({"lost": lost, "states": states, "problems": problems[:50], "payouts": payouts}))
"""

# Still being worked on by the worker: ranking runs and payouts.
BUSY = r"""
import json
from matching.models import RankingRun
from payouts.models import Payout
print("SOAK " + json.dumps({
    "ranking": RankingRun.objects.filter(status__in=["queued", "running"]).count(),
    "payouts": Payout.objects.filter(status__in=["requested", "sending"]).count(),
}))
"""


def shell_json(stack: Stack, code: str, timeout: float = 900) -> dict:
    out = stack.python(code, timeout=timeout)
    line = next(line for line in reversed(out.splitlines()) if line.startswith("SOAK "))
    return json.loads(line[5:])


# --------------------------------------------------------------------- the run's shared state


@dataclass
class Run:
    stack: Stack
    brands: list[dict]
    creators: dict[int, dict]
    admin_token: str
    password: str
    started: float = 0.0
    stop_deals: bool = False
    deals: dict[int, dict] = field(default_factory=dict)  # collaboration id → what the API confirmed
    gaps: list[tuple[float, float]] = field(default_factory=list)  # PostgreSQL down: (from, to), epoch seconds
    faults: list[dict] = field(default_factory=list)
    errors_5xx: list[tuple[float, float, str, int]] = field(default_factory=list)  # (start, end, name, status)
    outcomes: Counter = field(default_factory=Counter)
    retries: int = 0
    refusals: dict = field(default_factory=dict)  # why deals gave up: one answer each, for the log
    connection_errors: int = 0


RUN: Run | None = None
BRAND_POOL = None
PACE = 60.0  # seconds between one brand's deals (main() sets it from --deals-per-min)


class GiveUp(Exception):
    """The deal cannot go on (a request kept failing, or the matcher found no one); counted, not raised."""


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response, exception, start_time=None, **kw):
    status = getattr(response, "status_code", 0) or 0
    if status >= 500 and RUN is not None:
        start = start_time or (time.time() - response_time / 1000)
        RUN.errors_5xx.append((start, start + response_time / 1000, f"{request_type} {name}", status))


class Api(HttpUser):
    abstract = True

    def call(self, method: str, path: str, name: str, *, token: str, key: str | None = None, ok=(200, 201), **kw):
        """The answer to one API call, retrying connection errors and 503s (the same Idempotency-Key)."""
        headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        deadline, attempt = time.monotonic() + RETRY_FOR, 0
        while True:
            attempt += 1
            with self.client.request(
                method, path, name=f"{method} {name}", headers=headers, catch_response=True, timeout=60, **kw
            ) as response:
                status = response.status_code or 0
                if status in ok:
                    response.success()
                elif status == 503 or status == 0:
                    response.failure(f"{status}: retried")
                else:
                    response.failure(f"{status}: {response.text[:200]}")
            if status == 0:
                RUN.connection_errors += 1
            if status not in (0, 502, 503, 504) or time.monotonic() > deadline:
                response.attempts = attempt
                return response
            RUN.retries += 1
            gevent.sleep(min(float(response.headers.get("Retry-After") or 1), 5) if status else 1)


class DealUser(Api):
    """A brand running deals end to end; it acts for the creator it hired with that creator's token."""

    abstract = True  # made concrete, with its pacing, in main()

    def on_start(self) -> None:
        index, self.brand = next(BRAND_POOL)
        self.token = self.brand["token"]
        # Every brand joins at once; brand i waits i intervals first, so deals start evenly from the start.
        gevent.sleep(index * PACE / len(RUN.brands))

    @task
    def deal(self) -> None:
        if RUN.stop_deals:
            gevent.sleep(1)
            return
        RUN.outcomes["started"] += 1
        try:
            RUN.outcomes[self.run_deal()] += 1
        except GiveUp as reason:
            RUN.outcomes[f"gave up: {reason}"] += 1
        finally:
            RUN.outcomes["ended"] += 1

    # -- steps

    def expect(self, response, what: str, ok=(200, 201)) -> dict:
        if response.status_code not in ok:
            RUN.refusals[f"{what} {response.status_code}"] = response.text[:300]
            raise GiveUp(f"{what} {response.status_code}")
        return response.json() if response.content else {}

    def top_up_if_low(self) -> None:
        wallet = self.expect(self.call("GET", f"{API}/wallet/", "/wallet/", token=self.token), "wallet")
        if wallet["available_minor"] < LOW_WALLET_MINOR:
            key = f"soak-topup-{uuid.uuid4().hex}"
            r = self.call(
                "POST",
                f"{API}/wallet/topups/",
                "/wallet/topups/",
                token=self.token,
                key=key,
                json={"amount_minor": TOPUP_MINOR},
            )
            self.expect(r, "top-up")

    def step(self, deal: dict, action: str, *, token: str, target: str, key: bool = False, **kw) -> None:
        """One transition of the deal; a retried step that answers 409 counts if the deal reached ``target``."""
        cid = deal["collaboration"]
        path = f"{API}/collaborations/{cid}/{action}/"
        r = self.call(
            "POST",
            path,
            f"/collaborations/{{id}}/{action}/",
            token=token,
            key=f"soak-{action}-{cid}" if key else None,
            **kw,
        )
        if r.status_code == 409 and getattr(r, "attempts", 1) > 1 and self.status(deal, token) == target:
            deal["confirmed"] = target
            return
        body = self.expect(r, action)
        deal["confirmed"] = body.get("status", target) if action != "dispute" else "disputed"

    def status(self, deal: dict, token: str) -> str | None:
        cid = deal["collaboration"]
        now = self.call("GET", f"{API}/collaborations/{cid}/", "/collaborations/{id}/", token=token)
        return now.json()["status"] if now.status_code == 200 else None

    def run_deal(self) -> str:
        self.top_up_if_low()
        day = 86400
        order = self.expect(
            self.call(
                "POST",
                f"{API}/orders/",
                "/orders/",
                token=self.token,
                json={
                    "title": "Soak serum launch",
                    "product_name": "Serum",
                    "product_category": CATEGORY,
                    "mode": "direct",
                    "format": FORMAT,
                    "target_labels": [{"label": LABEL, "weight": 1.0}],
                    "price_per_creator_minor": PRICE_MINOR,
                    "price_tolerance_bps": 10_000,
                    "creators_wanted": 1,
                    "script_by": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600)),
                    # The window must open after today (in any time zone): the soak opens it later (open_window).
                    "publish_from": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 2 * day)),
                    "publish_until": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 30 * day)),
                },
            ),
            "create order",
        )
        oid = order["id"]
        r = self.call(
            "POST", f"{API}/orders/{oid}/publish/", "/orders/{id}/publish/", token=self.token, key=f"soak-publish-{oid}"
        )
        if not (r.status_code == 409 and r.attempts > 1):  # a 409 on a retry: the first attempt published it
            self.expect(r, "publish order")
        candidates = self.ranked(oid)
        deal = None
        for creator_id in candidates[:5]:
            r = self.call(
                "POST",
                f"{API}/orders/{oid}/offers/",
                "/orders/{id}/offers/",
                token=self.token,
                key=f"soak-offer-{oid}-{creator_id}",
                json={"creator": creator_id},
                ok=(201, 200),
            )
            if r.status_code not in (200, 201):
                continue  # the creator filled up meanwhile: the next one
            offer = r.json()
            deal = {"order": oid, "collaboration": offer["id"], "confirmed": offer["status"], "creator": creator_id}
            RUN.deals[offer["id"]] = deal
            creator = RUN.creators[creator_id]["token"]
            if random.random() >= DECLINE_RATE:
                r = self.call(
                    "POST",
                    f"{API}/collaborations/{offer['id']}/accept/",
                    "/collaborations/{id}/accept/",
                    token=creator,
                    key=f"soak-accept-{offer['id']}",
                    json={},
                    ok=(200, 409),
                )
                if r.status_code == 200:
                    deal["confirmed"] = r.json()["status"]
                    break
                if r.attempts > 1 and self.status(deal, creator) == "accepted":
                    deal["confirmed"] = "accepted"
                    break
                RUN.outcomes["offers declined: creator full"] += 1  # took other deals since the ranking
            self.step(deal, "decline", token=creator, target="closed", key=True)
            deal = None
        if deal is None:
            raise GiveUp("no creator took the offer")
        brand = self.token
        self.step(
            deal, "script", token=creator, target="script_submitted", json={"text": "Hook, demo, call to action."}
        )
        self.step(deal, "approve_script", token=brand, target="script_approved", json={})
        if random.random() < CANCEL_RATE:
            self.step(deal, "cancel", token=brand, target="cancelled", key=True, json={"comment": "Plans changed."})
            return "cancelled"
        self.step(
            deal, "video", token=creator, target="video_submitted", files={"file": ("cut.mp4", VIDEO, "video/mp4")}
        )
        if random.random() < DISPUTE_RATE:
            return self.dispute(deal)
        self.step(deal, "approve_video", token=brand, target="video_approved", json={})
        open_window(oid)
        self.step(
            deal,
            "publish",
            token=creator,
            target="published",
            json={"post_url": f"https://www.douyin.com/video/{deal['collaboration']}"},
        )
        self.step(deal, "accept_work", token=brand, target="completed", json={})
        self.step(deal, "confirm_live", token=brand, target="settled", key=True, json={})
        self.payout(deal)
        return "settled"

    def ranked(self, oid: int) -> list[int]:
        """Our creators among the order's ranking (best first, shuffled a little), once the run is done."""
        deadline = time.monotonic() + RANKING_WAIT
        while True:
            page = self.expect(
                self.call(
                    "GET", f"{API}/orders/{oid}/matches/?page_size=50", "/orders/{id}/matches/", token=self.token
                ),
                "matches",
            )
            run = page["run"]
            if run and run["status"] == "done":
                ids = [m["creator"]["id"] for m in page["results"] if m["creator"]["id"] in RUN.creators]
                if not ids:
                    raise GiveUp("ranking found none of ours")
                head = ids[:15]
                random.shuffle(head)
                return head + ids[15:]
            if run and run["status"] == "failed":
                raise GiveUp("ranking failed")
            if time.monotonic() > deadline:
                raise GiveUp("ranking did not finish")
            gevent.sleep(1)

    def dispute(self, deal: dict) -> str:
        cid = deal["collaboration"]
        self.step(
            deal,
            "dispute",
            token=self.token,
            target="disputed",
            files={"reason": (None, "The video does not show the product.")},
            ok=(201,),
        )
        disputes = self.expect(
            self.call("GET", f"{API}/disputes/?page_size=100", "/disputes/", token=RUN.admin_token), "disputes"
        )
        mine = [d for d in disputes["results"] if d["collaboration"] == cid]
        if not mine:
            raise GiveUp("dispute not in the queue")
        decision = random.choice(["release", "refund"])
        r = self.call(
            "POST",
            f"{API}/disputes/{mine[0]['id']}/decide/",
            "/disputes/{id}/decide/",
            token=RUN.admin_token,
            key=f"soak-decide-{cid}",
            json={"decision": decision, "reason": "Decided by the soak test."},
        )
        self.expect(r, "decide")
        deal["confirmed"] = "resolved"
        if decision == "release":
            self.payout(deal)
        return "disputed"

    def payout(self, deal: dict) -> None:
        token = RUN.creators[deal["creator"]]["token"]
        earnings = self.expect(self.call("GET", f"{API}/earnings/", "/earnings/", token=token), "earnings")
        amount = earnings["available_minor"]
        if amount < 10_000:  # PAYOUT_MINIMUM
            return
        r = self.call(
            "POST",
            f"{API}/payouts/",
            "/payouts/",
            token=token,
            key=f"soak-payout-{deal['collaboration']}",
            json={"amount_minor": amount},
            ok=(201, 409, 422),
        )
        RUN.outcomes["payouts requested" if r.status_code == 201 else "payouts refused (balance moved)"] += 1


BRAND_READS = ["/orders/", "/wallet/", "/collaborations/?page_size=20", "/notifications/", "/wallet/statement/"]
CREATOR_READS = ["/earnings/", "/collaborations/?page_size=20", "/creator/recommended-orders/", "/me/", "/payouts/"]
PAGES = ["/brand/", "/orders/", "/deals/inbox/", "/money/wallet/"]


class Reader(Api):
    """Reads at a fixed rate: the API as a brand or a creator, and dashboard pages after a session login."""

    abstract = True

    def on_start(self) -> None:
        self.brand = random.choice(RUN.brands)
        self.logged_in = False

    @task(3)
    def api_read(self) -> None:
        if random.random() < 0.5:
            path, token = random.choice(BRAND_READS), random.choice(RUN.brands)["token"]
        else:
            path, token = random.choice(CREATOR_READS), random.choice(list(RUN.creators.values()))["token"]
        self.call("GET", f"{API}{path}", path.split("?")[0], token=token)

    @task(1)
    def page_read(self) -> None:
        if not self.logged_in:
            self.login()
        path = random.choice(PAGES)
        with self.client.get(path, name=f"page {path}", catch_response=True) as r:
            if r.status_code == 200:
                r.success()
            else:
                r.failure(f"{r.status_code}")

    def login(self) -> None:
        page = self.client.get("/accounts/login/", name="page /accounts/login/")
        token = page.cookies.get("csrftoken") or self.client.cookies.get("csrftoken", "")
        r = self.client.post(
            "/accounts/login/",
            name="POST /accounts/login/",
            data={"username": self.brand["email"], "password": RUN.password, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{RUN.stack.url}/accounts/login/"},
        )
        self.logged_in = r.status_code in (200, 302) and "sessionid" in self.client.cookies


def open_window(order_id: int) -> None:
    """Days of production pass: the order's publish window opens today.

    The rules want the window to open after the day the order is published, and the soak lasts minutes:
    this one write goes to the database directly (the stack's clock is the real one), retried like a
    request while PostgreSQL is away.
    """
    import psycopg2

    def update() -> None:
        with psycopg2.connect(RUN.stack.database_url, connect_timeout=5) as conn, conn.cursor() as cur:
            cur.execute("UPDATE marketplace_order SET publish_from = CURRENT_DATE - 1 WHERE id = %s", [order_id])
        conn.close()

    deadline = time.monotonic() + RETRY_FOR
    while True:
        try:
            # psycopg2 blocks: in a real thread, so the other users' greenlets go on meanwhile.
            gevent.get_hub().threadpool.apply(update)
            return
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise GiveUp("database away while opening the publish window") from None
            gevent.sleep(1)


# ------------------------------------------------------------------------------ faults


def faults(run: Run, duration: float, pg_down: float) -> None:
    stack = run.stack
    gevent.sleep(max(0.0, run.started + 0.3 * duration - time.time()))
    t = time.time()
    stack.kill("worker")
    say("fault: worker killed (SIGKILL)")
    gevent.sleep(2)
    stack.start("worker")
    run.faults.append({"fault": "worker killed", "at_s": round(t - run.started, 1), "restarted_after_s": 2})
    gevent.sleep(max(0.0, run.started + 0.6 * duration - time.time()))
    t0 = time.time()
    say("fault: stopping PostgreSQL")
    stack.stop_server("postgres")
    gevent.sleep(pg_down)
    stack.start_server("postgres")
    t1 = time.time()
    run.gaps.append((t0, t1))
    run.faults.append({"fault": "postgres restarted", "at_s": round(t0 - run.started, 1), "gap_s": round(t1 - t0, 1)})
    say(f"fault: PostgreSQL back after {t1 - t0:.1f} s")


# -------------------------------------------------------------------------------- main


def setup(stack: Stack, *, brands: int, creators: int, demo_creators: int) -> dict:
    with step(f"bootstrap (demo with {demo_creators} creators)"):
        if demo_creators:
            stack.bootstrap(demo_creators=demo_creators)
        else:  # migrations and the taxonomy only: the fastest start (the matcher ranks without history)
            stack.manage("bootstrap", "--no-demo", "--verbosity", "0", timeout=900)
    with step(f"{brands} brands and {creators} creators with tokens"):
        return shell_json(
            stack,
            SETUP
            % {"brands": brands, "creators": creators, "password": "soak-" + uuid.uuid4().hex, "category": CATEGORY},
        )


def wait_for_queues(stack: Stack, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        busy = shell_json(stack, BUSY)
        if not any(busy.values()) or time.monotonic() > deadline:
            return busy
        gevent.sleep(3)


def ledger_differences(stack: Stack) -> tuple[int, str]:
    done = stack.manage("ledger_verify", check=False)
    text = done.stdout + done.stderr
    if done.returncode == 0 and "0 differences" in text:
        return 0, text
    for line in text.splitlines():
        if "difference(s) found" in line:
            return int(line.split("difference")[0].split()[-1]), text
    return -1, text  # the command failed otherwise: shown, and not zero


def main(argv: list[str] | None = None) -> int:
    global RUN, BRAND_POOL, PACE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=600, help="seconds of load (faults at 30 %% and 60 %%)")
    parser.add_argument(
        "--smoke", action="store_true", help="what CI runs: 60 s, 10 brands, 100 creators, shorter finish and drain"
    )
    parser.add_argument("--brands", type=int, default=50)
    parser.add_argument("--creators", type=int, default=500)
    parser.add_argument("--demo-creators", type=int, default=0, help="bootstrap demo creators (0: none, fastest)")
    parser.add_argument("--deals-per-min", type=float, default=12, help="the arrival rate of new deals")
    parser.add_argument("--readers", type=int, default=4, help="reading users, each at --reads-per-s")
    parser.add_argument("--reads-per-s", type=float, default=1.0)
    parser.add_argument("--pg-down", type=float, default=5, help="seconds PostgreSQL stays stopped")
    parser.add_argument("--finish", type=float, default=120, help="seconds deals under way get after --duration")
    parser.add_argument("--drain", type=float, default=90, help="seconds the queues get to drain")
    parser.add_argument("--root", type=Path, help="the stack's directory (default: a temporary one)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.duration, args.brands, args.creators, args.finish, args.drain = 60, 10, 100, 45, 30

    root = args.root or Path(tempfile.mkdtemp(prefix="starmap-soak-"))
    say(f"stack under {root}")
    with Stack.create(root) as stack:
        made = setup(stack, brands=args.brands, creators=args.creators, demo_creators=args.demo_creators)
        stack.start("web", "worker", "beat")
        RUN = Run(
            stack=stack,
            brands=made["brands"],
            creators={c["id"]: c for c in made["creators"]},
            admin_token=made["admin"],
            password=made["password"],
        )
        BRAND_POOL = iter(enumerate(RUN.brands))
        PACE = len(RUN.brands) * 60 / args.deals_per_min
        deals = type(
            "Brand",
            (DealUser,),
            {"abstract": False, "fixed_count": len(RUN.brands), "wait_time": constant_pacing(PACE), "host": stack.url},
        )
        readers = type(
            "Reading",
            (Reader,),
            {
                "abstract": False,
                "fixed_count": args.readers,
                "wait_time": constant_pacing(1 / args.reads_per_s),
                "host": stack.url,
            },
        )
        env = Environment(user_classes=[deals, readers], events=events)
        runner = env.create_local_runner()
        RUN.started = time.time()
        runner.start(len(RUN.brands) + args.readers, spawn_rate=len(RUN.brands) + args.readers)
        fault = gevent.spawn(faults, RUN, args.duration, args.pg_down)
        gevent.sleep(args.duration)
        RUN.stop_deals = True
        load_s = time.time() - RUN.started
        say(f"{args.duration:.0f} s done: no new deals; {args.finish:.0f} s for those under way")
        finish_by = time.monotonic() + args.finish
        while time.monotonic() < finish_by and RUN.outcomes["started"] > RUN.outcomes["ended"]:
            gevent.sleep(1)
        fault.join(timeout=60)
        runner.quit()
        total_s = time.time() - RUN.started
        with step("queues draining"):
            busy = wait_for_queues(stack, args.drain)
        deals_path = root / "deals.json"
        deals_path.write_text(json.dumps(list(RUN.deals.values())))
        check = shell_json(stack, CHECK % {"path": str(deals_path)})
        ledger, ledger_text = ledger_differences(stack)
        report(RUN, env, check=check, busy=busy, ledger=ledger, load_s=load_s, total_s=total_s, args=args)
        if ledger:
            say(ledger_text)
        for problem in check["problems"]:
            say(f"lost: {problem}")
    return 0


def report(run: Run, env: Environment, *, check, busy, ledger, load_s, total_s, args) -> None:
    n = len(run.brands)
    stats = env.stats
    settled = run.outcomes["settled"]
    outside = [e for e in run.errors_5xx if not any(e[0] < b and e[1] > a for a, b in run.gaps)]
    for start, _end, name, status in outside[:20]:
        say(f"5xx outside the gap: {status} {name} at {start - run.started:.1f} s")
    emit("deals_started", n, run.outcomes["started"], "deals")
    emit("deals_completed", n, settled, "deals")
    emit("deals_completed_per_min", n, settled / (load_s / 60), "deals/min")
    emit("deals_cancelled", n, run.outcomes["cancelled"], "deals")
    emit("deals_disputed", n, run.outcomes["disputed"], "deals")
    emit("deals_gave_up", n, sum(v for k, v in run.outcomes.items() if k.startswith("gave up")), "deals")
    emit("lost_deals", n, check["lost"], "deals")
    emit("ledger_differences", n, ledger, "differences")
    emit("http_5xx_outside_gap", n, len(outside), "responses")
    emit("http_5xx_in_gap", n, len(run.errors_5xx) - len(outside), "responses")
    emit("retries", n, run.retries, "requests")
    emit("requests", n, stats.total.num_requests, "requests")
    emit("requests_per_s", n, stats.total.num_requests / total_s, "req/s")
    emit("payouts_unfinished", n, busy["payouts"], "payouts")
    emit("ranking_runs_unfinished", n, busy["ranking"], "runs")
    for gap in run.faults:
        emit(gap["fault"].replace(" ", "_") + "_at", n, gap["at_s"], "s")
        if "gap_s" in gap:
            emit("postgres_gap", n, gap["gap_s"], "s")
    for entry in sorted(stats.entries.values(), key=lambda e: e.name):
        if not entry.num_requests:
            continue
        label = entry.name
        emit(f"p50 {label}", entry.num_requests, entry.get_response_time_percentile(0.5), "ms")
        emit(f"p99 {label}", entry.num_requests, entry.get_response_time_percentile(0.99), "ms")
    say(f"outcomes: {dict(run.outcomes)}")
    for what, text in run.refusals.items():
        say(f"gave up on {what}: {text}")
    say(f"final states: {check['states']}; payouts: {check['payouts']}")


if __name__ == "__main__":
    sys.exit(main())
