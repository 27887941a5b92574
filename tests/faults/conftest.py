"""One whole stack for the fault tests (marketplace.dev.stack): its own PostgreSQL, Redis, web, worker and
beat, on its own ports and data directory, shared by the tests of this package. Each test leaves it
running and whole (a killed process is started again, a stopped server too), so the next finds it
as the first did; the invariants are checked after each test."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import psycopg2
import pytest

from marketplace.dev.stack import Stack

pytestmark = pytest.mark.slow

TOKENS = """
import json
from django.contrib.auth import get_user_model
from marketplace.core.tokens import api_token_create
from payouts.models import Account
richest = (
    Account.objects.filter(kind=Account.Kind.CREATOR_AVAILABLE, creator__user__isnull=False)
    .order_by("-balance").values_list("creator__user__email", flat=True).first()
)
users = {"brand": "owner@aurora.demo", "creator": "creator@starmap.demo", "earner": richest}
User = get_user_model()
tokens = {who: api_token_create(user=User.objects.get(email=email), name="faults")[1] for who, email in users.items()}
print(json.dumps(tokens))
"""


@pytest.fixture(scope="session")
def stack():
    if shutil.which("pgrep") is None:
        pytest.skip("the fault tests find a worker's pool processes with pgrep (procps)")
    # Not under pytest's tmp_path: PostgreSQL runs as its own user when we are root, and every pytest
    # session resets pytest's base directory to 0700, which that user cannot enter.
    root = Path(tempfile.mkdtemp(prefix="starmap-faults-"))
    root.chmod(0o755)
    stack = Stack.create(
        root,
        THROTTLE_MONEY="10000/minute",
        THROTTLE_RERANK="10000/hour",
        WORKER_CONCURRENCY="1",
        SANDBOX_PROVIDER_LOG=str(root / "provider.jsonl"),
        SANDBOX_PROVIDER_DELAY_MS="3000",
    )
    with stack:
        stack.bootstrap(demo_creators=300)
        stack.tokens = stack.json(TOKENS)
        stack.start("web", "beat")
        start_worker(stack)
        yield stack
    shutil.rmtree(root, ignore_errors=True)


class Sql:
    """Reads of the stack's database for the tests' polls: autocommit, so each sees the latest commits, and
    reconnected after a lost connection (the PostgreSQL test stops the server under it)."""

    def __init__(self, url: str):
        self.url = url
        self.connection = None

    def one(self, query: str, params=()):
        """The first row of a query (its value when it has one column), or None."""
        return self._do(query, params, fetch=True)

    def run(self, query: str, params=()) -> None:
        """A statement that returns no rows (the tests' set-up writes)."""
        self._do(query, params, fetch=False)

    def _do(self, query: str, params, *, fetch: bool):
        for attempt in range(2):
            try:
                if self.connection is None or self.connection.closed:
                    self.connection = psycopg2.connect(self.url)
                    self.connection.autocommit = True
                with self.connection.cursor() as cursor:
                    cursor.execute(query, params)
                    row = cursor.fetchone() if fetch else None
                return row[0] if row is not None and len(row) == 1 else row
            except (psycopg2.OperationalError, psycopg2.InterfaceError):
                self.connection = None
                if attempt:
                    raise
        return None


@pytest.fixture
def sql(stack):
    reader = Sql(stack.database_url)
    yield reader
    if reader.connection is not None:
        reader.connection.close()


@pytest.fixture(autouse=True)
def _invariants_hold_afterwards(request):
    yield
    if "stack" in request.fixturenames:
        stack = request.getfixturevalue("stack")
        state = stack.invariants(quiet_after=45)
        assert state["problems"] == []


def wait_for(check, timeout: float, what: str, every: float = 0.05):
    """Poll ``check`` until it returns something true; that value, or a failure naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    pytest.fail(f"{what}: not within {timeout} s")


def start_worker(stack: Stack, name: str = "worker", timeout: float = 90) -> None:
    """Start a worker and wait until its log says it is ready (connected to the broker, consuming)."""
    seen = len(stack.log_text(name))
    stack.start(name)
    ready = f"{name}@"
    wait_for(lambda: ready in stack.log_text(name)[seen:] and " ready." in stack.log_text(name)[seen:], timeout, name)


def one(sql: Sql, query: str, params=()):
    return sql.one(query, params)


def kill_pool(stack: Stack, name: str) -> list[int]:
    """kill -9 the worker's pool processes (where tasks run); the worker's main process stays."""
    pids = stack.children(name)
    for pid in pids:
        os.kill(pid, 9)
    return pids


def published_order(sql) -> int:
    return one(
        sql,
        "SELECT o.id FROM marketplace_order o JOIN brands_brandmembership m ON m.brand_id = o.brand_id "
        "JOIN marketplace_user u ON u.id = m.user_id WHERE u.email = 'owner@aurora.demo' AND o.status = 'published' "
        "ORDER BY o.id LIMIT 1",
    )
