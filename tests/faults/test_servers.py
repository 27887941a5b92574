"""A web process killed mid money-POST, and PostgreSQL stopped under traffic (issue 14, faults 3 and 4).

Clients here behave as the API asks them to: a money POST carries an Idempotency-Key and is sent again
with the same key after a dropped connection or a 503 (docs/operations.md).
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from tests.faults.conftest import one, published_order, wait_for

pytestmark = pytest.mark.slow


@dataclass
class Seen:
    at: float
    what: str
    status: int | None  # None: the connection failed
    retry_after: str | None = None


@dataclass
class Client:
    """A brand's script: reads its wallet and orders, tops up; retries a top-up with its key until answered."""

    stack: object
    token: str
    seen: list[Seen] = field(default_factory=list)
    topups: dict[str, int] = field(default_factory=dict)  # key -> top-up id
    pending: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, method: str, path: str, **kwargs):
        try:
            status, headers, body = self.stack.request(method, path, token=self.token, timeout=20, **kwargs)
        except OSError:
            status, headers, body = None, {}, None
        with self.lock:
            self.seen.append(Seen(time.monotonic(), f"{method} {path}", status, headers.get("Retry-After")))
        return status, body

    def top_up(self, key: str) -> bool:
        status, body = self.call(
            "POST", "/api/v1/wallet/topups/", body={"amount_minor": 100}, headers={"Idempotency-Key": key}
        )
        if status in (200, 201):
            with self.lock:
                assert self.topups.setdefault(key, body["id"]) == body["id"]  # a replay answers the first result
            return True
        assert status in (None, 503), (status, body)
        return False

    def top_up_until_answered(self, key: str, attempts: int = 60) -> None:
        for _ in range(attempts):
            if self.top_up(key):
                return
            time.sleep(0.25)
        pytest.fail(f"top-up {key} was never answered")

    def browse(self, until: threading.Event) -> None:
        while not until.is_set():
            self.call("GET", "/api/v1/wallet/")
            self.call("GET", "/api/v1/orders/?page_size=5")
            key = f"pg-{uuid.uuid4().hex}"
            if not self.top_up(key):
                self.pending.append(key)
            time.sleep(0.05)


@contextmanager
def under_traffic(client: Client, browsers: int = 2):
    """``browsers`` threads run ``client.browse`` from 3 s before the block until it ends."""
    stop = threading.Event()
    with ThreadPoolExecutor(browsers) as pool:
        running = [pool.submit(client.browse, stop) for _ in range(browsers)]
        time.sleep(3)
        try:
            yield
        finally:
            stop.set()
        for future in running:
            future.result()  # a browser's failed assertion fails the test, naming what it saw


def web_500s(stack, since: int) -> list[str]:
    """The web's request lines (JSON, LOG_FORMAT=json) that answered 500: finished or failed."""
    found = []
    for line in stack.log_text("web")[since:].splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue  # gunicorn's own lines
        if record.get("code") == 500:
            found.append(line)
    return found


def topups_since(sql, started) -> int:
    return one(sql, "SELECT count(*) FROM payouts_topup WHERE created_at >= %s", [started])


def test_a_web_process_killed_mid_money_post_leaves_one_top_up_per_key(stack, sql):
    client = Client(stack, stack.tokens["brand"])
    started = one(sql, "SELECT now()")
    log_from = len(stack.log_text("web"))
    keys: list[str] = []
    done = threading.Event()
    killed = []

    def top_up_until_done():
        while not done.is_set():
            key = f"webkill-{uuid.uuid4().hex}"
            keys.append(key)
            client.top_up_until_answered(key)

    def killer():
        # Four kills, each after the web processes have had time to come back (gunicorn restarts one in ~1 s).
        try:
            for _ in range(4):
                time.sleep(1.5)
                victim = random.choice(stack.children("web"))
                os.kill(victim, 9)
                killed.append(victim)
            time.sleep(1.5)
        finally:
            done.set()

    with ThreadPoolExecutor(7) as pool:
        running = [pool.submit(top_up_until_done) for _ in range(6)] + [pool.submit(killer)]
    for future in running:
        future.result()  # a client's failed assertion (an unexpected status) fails the test with its reason

    dropped = [s for s in client.seen if s.status is None]
    assert len(killed) == 4 and dropped, "no request was cut off: the test proved nothing"
    assert set(client.topups) == set(keys)
    assert len(set(client.topups.values())) == len(keys)  # one top-up per key, however often it was sent
    assert topups_since(sql, started) == len(keys)  # and nothing half-written beside them
    assert all(s.status in (None, 200, 201, 503) for s in client.seen)
    assert web_500s(stack, log_from) == []
    stack.wait_ready()
    print(f"web kill: 4 processes killed, {len(dropped)} requests cut off, all {len(keys)} keys answered once")


def test_postgresql_stopped_for_20_seconds_under_traffic(stack, sql):
    client = Client(stack, stack.tokens["brand"])
    log_from = len(stack.log_text("web"))
    with under_traffic(client):
        stack.stop_server("postgres")
        down_at = time.monotonic()
        time.sleep(20)
        starting_at = time.monotonic()
        stack.start_server("postgres")
        up_at = time.monotonic()
        time.sleep(15)

    gap = [s for s in client.seen if down_at + 0.5 < s.at < starting_at]
    after = [s for s in client.seen if s.at > up_at + 5]
    assert gap and after
    assert all(s.status == 503 and s.retry_after for s in gap), {(s.what, s.status) for s in gap}
    assert all(s.status in (200, 201) for s in after), {(s.what, s.status) for s in after}  # no restart needed
    assert all(s.status is not None for s in client.seen)  # the web server stayed up throughout
    assert web_500s(stack, log_from) == []
    for key in client.pending:  # the top-ups refused with 503, sent again with their keys
        client.top_up_until_answered(key)
    # The worker and beat, which lost their connections too, work again: a ranking runs to the end.
    rerank = f"/api/v1/orders/{published_order(sql)}/matches/rerank/"
    status, _, run = stack.request("POST", rerank, token=stack.tokens["brand"])
    assert status == 202, run
    state = f"SELECT status FROM matching_rankingrun WHERE id = {int(run['id'])}"
    wait_for(lambda: one(sql, state) == "done", 60, "a ranking after the outage")
    print(f"postgres down 20 s: {len(gap)} answers in the gap, all 503; {len(client.pending)} top-ups retried")


def test_redis_stopped_for_60_seconds_under_traffic(stack, sql):
    client = Client(stack, stack.tokens["brand"])
    log_from = len(stack.log_text("web"))
    with under_traffic(client):
        stack.stop_server("redis")
        down_at = time.monotonic()
        time.sleep(5)
        # A ranking asked for while Redis is down is queued in the outbox and runs once it is back.
        rerank = f"/api/v1/orders/{published_order(sql)}/matches/rerank/"
        status, _, run = stack.request("POST", rerank, token=stack.tokens["brand"])
        time.sleep(55)
        starting_at = time.monotonic()
        stack.start_server("redis")
        time.sleep(10)

    assert status == 202, run
    gap = [s for s in client.seen if down_at + 0.5 < s.at < starting_at]
    assert len(gap) > 100
    assert all(s.status in (200, 201) for s in gap), {(s.what, s.status) for s in gap}  # reads and money go on
    assert client.pending == []  # every top-up was answered during the outage
    assert web_500s(stack, log_from) == []
    state = f"SELECT status FROM matching_rankingrun WHERE id = {int(run['id'])}"
    wait_for(lambda: one(sql, state) == "done", 90, "the ranking queued during the outage")
    print(f"redis down 60 s: {len(gap)} answers in the gap, all 2xx; the ranking queued meanwhile ran after")
