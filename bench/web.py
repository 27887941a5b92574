"""Benchmark serving speed (issue 6): the demo data behind gunicorn, loaded with wrk, in one run.

    .venv/bin/python bench/web.py [--creators 2000] [--duration 10] [--connections 8 64]
                                  [--db starmap_bench_web] [--keep-db]

gunicorn runs sync with 2 workers and persistent database connections (DB_CONN_MAX_AGE=600), with
DEBUG off, against a database of its own on the embedded PostgreSQL (migrated, demo loaded with
``--creators`` creators, dropped at the end unless ``--keep-db``), Redis db 10 and a cache prefix of
its own. wrk (Debian's package; installed with apt-get when missing and running as root) loads, at
each connection count, for ``--duration`` seconds after a 2 s warm-up:

- ``floor``: /bench/floor/, a constant JSON answer with no auth (routed only with STARMAP_BENCH_FLOOR=1);
- ``orders_list``: GET /api/v1/orders/ (20 rows, brand token; the brand has at least 20 orders);
- ``dashboard``: GET /brand/ (session cookie from a real login);
- ``matches``: GET /api/v1/orders/<id>/matches/?page_size=20 of an order ranked in-process first;
- ``order_create``: POST /api/v1/orders/ (a draft; wrk Lua script), last, as it grows the table.

Before each endpoint's run the floor runs again at the same connection count, and the endpoint's
``ratio_to_floor`` is to that adjacent floor run (``floor_adjacent_rps``): on a shared machine the
load from other work drifts over minutes, and the adjacent pair sees nearly the same.

Queries per request are counted separately, in this process, with Django's test client and
CaptureQueriesContext, at page sizes 5 and 20 where the endpoint pages. Prints one JSON object per
line on stdout, for example ``{"name": "requests_per_s", "endpoint": "orders_list", "connections": 64,
"value": 301.2, "unit": "req/s"}`` (names: requests_per_s, p50_ms, p99_ms, non_2xx, ratio_to_floor, floor_adjacent_rps,
queries_per_request); progress and a summary against the issue's targets go to stderr.
See docs/performance.md ("Web").
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import connect, drop_database, loadavg, recreate_database, say, step, with_db  # noqa: E402
from marketplace.dev import devservers  # noqa: E402

REDIS_DB = 10
OWNER = "owner@aurora.demo"
MIN_ORDERS = 20
WARMUP_S = 2
WRK_THREADS = 2
WRK_TIMEOUT = "10s"  # wrk drops slower answers from the latency figures; none should be near this

# Each endpoint's share of the floor's requests/s must reach (issue 6).
RATIO_TARGETS = {"orders_list": 0.10, "dashboard": 0.09}
P99_TARGET_MS = 300  # at 64 connections
MAX_QUERIES = 5

DONE_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, '
    .. '"p50_us": %d, "p99_us": %d, "max_us": %d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


@dataclass
class Endpoint:
    name: str
    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    expect: int = 200
    sized: str = ""  # the path with {} for the page size, for endpoints that page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--creators", type=int, default=2000)
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per endpoint and connection count")
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 64])
    parser.add_argument("--db", default="starmap_bench_web", help="the work database (recreated, then dropped)")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the work database at the end")
    args = parser.parse_args()

    wrk = _wrk()
    devservers.ensure_started()
    base_url = os.environ.get("DATABASE_URL") or devservers.embedded_database_url()
    redis_url = os.environ.get("REDIS_URL") or devservers.embedded_redis_url()
    admin = connect(base_url, "postgres")
    work = Path(tempfile.mkdtemp(prefix="bench-web-", dir=devservers.var_dir()))
    # This process and gunicorn share these: our database, Redis db, cache prefix, queue, snapshots.
    os.environ.update(
        DJANGO_SETTINGS_MODULE="marketplace.settings",
        DATABASE_URL=with_db(base_url, args.db),
        REDIS_URL=with_db(redis_url, str(REDIS_DB)),
        CACHE_KEY_PREFIX="bench_web",
        CELERY_QUEUE="bench_web",
        MATCHING_SNAPSHOT_DIR=str(work / "snapshots"),
        STARMAP_BENCH_FLOOR="1",
        DEBUG="false",
        LOG_LEVEL="WARNING",
    )
    started = time.monotonic()
    server = None
    figures: list[dict] = []
    try:
        with step(f"database {args.db}: migrate, taxonomy, demo with {args.creators} creators"):
            recreate_database(admin, args.db)
            _manage("bootstrap", "--demo-creators", str(args.creators))
        import django

        django.setup()
        with step("brand orders, API token, in-process ranking"):
            fixture = _prepare()
        endpoints = _endpoints(fixture)
        with step("queries per request (Django test client)"):
            _queries(endpoints, fixture, figures)
        server = Gunicorn(work)
        endpoints["dashboard"].headers["Cookie"] = _login(server.port)
        _loads(wrk, server.port, endpoints, args, work, figures)
    finally:
        if server is not None:
            server.stop()
        _cleanup(admin, args, redis_url, work)
    emit(figures, "run_duration_s", round(time.monotonic() - started, 1), "s")
    _summary(figures, args.connections)


# ------------------------------------------------------------------ set-up


def _wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        with step("apt-get install wrk"):
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            if subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=False).returncode:
                subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
                subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=True)
        found = shutil.which("wrk")
    if not found:
        sys.exit("wrk is not installed: `sudo apt-get install wrk` (Debian/Ubuntu), then run this again.")
    return found


def _manage(*argv: str) -> None:
    # Its output is progress, not figures: keep stdout for the JSON lines.
    subprocess.run([sys.executable, "manage.py", *argv], cwd=ROOT, check=True, stdout=sys.stderr)


@dataclass
class Fixture:
    user: object
    brand_id: int
    token: str
    ranked_order_id: int
    category_id: int


def _prepare() -> Fixture:
    """The demo brand owner with ≥ 20 orders, an API token, and one published order ranked in-process."""
    from brands.models import BrandMembership
    from marketplace.core.models import User
    from marketplace.core.tokens import api_token_create
    from matching import services as matching
    from matching.models import RankingRun
    from orders.models import Order
    from orders.services.orders import OrderBrief, order_create

    user = User.objects.get(email=OWNER)
    membership = BrandMembership.objects.select_related("brand").get(user=user)
    template = Order.objects.filter(brand=membership.brand).order_by("id").first()
    for i in range(Order.objects.filter(brand=membership.brand).count(), MIN_ORDERS):
        brief = OrderBrief(
            title=f"Bench order {i}",
            product_name=template.product_name,
            product_category=template.product_category,
            format=template.format,
            price_per_creator=template.price_per_creator or 500_000,
        )
        order_create(brand=membership.brand, actor=user, brief=brief)
    _, token = api_token_create(user=user, name="bench/web.py")
    order = Order.objects.filter(brand=membership.brand, status=Order.Status.PUBLISHED).order_by("id").first()
    run = matching.ranking_request(order=order, actor=user, trigger="manual")
    matching.ranking_execute(run_id=run.pk)
    run.refresh_from_db()
    if run.status != RankingRun.Status.DONE or not run.results.exists():
        raise SystemExit(f"the in-process ranking of order {order.pk} did not finish: {run.status} {run.error}")
    return Fixture(user, membership.brand_id, token, order.pk, template.product_category_id)


def _endpoints(fx: Fixture) -> dict[str, Endpoint]:
    api = {"Authorization": f"Token {fx.token}"}
    create = {
        "title": "Bench launch",
        "product_name": "Hydrating serum",
        "product_category": fx.category_id,
        "format": "short_21_60",
        "price_per_creator_minor": 500_000,
    }
    return {
        "floor": Endpoint("floor", "/bench/floor/"),
        "orders_list": Endpoint(
            "orders_list", "/api/v1/orders/", headers=dict(api), sized="/api/v1/orders/?page_size={}"
        ),
        "dashboard": Endpoint("dashboard", "/brand/"),
        "matches": Endpoint(
            "matches",
            f"/api/v1/orders/{fx.ranked_order_id}/matches/?page_size=20",
            headers=dict(api),
            sized=f"/api/v1/orders/{fx.ranked_order_id}/matches/?page_size={{}}",
        ),
        "order_create": Endpoint(
            "order_create",
            "/api/v1/orders/",
            method="POST",
            headers={**api, "Content-Type": "application/json"},
            body=json.dumps(create),
            expect=201,
        ),
    }


# ----------------------------------------------------------------- queries


def _queries(endpoints: dict[str, Endpoint], fx: Fixture, figures: list[dict]) -> None:
    """Queries of one request per endpoint (after one unmeasured request), at page sizes 5 and 20."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    token_client = Client(HTTP_AUTHORIZATION=f"Token {fx.token}")
    session_client = Client()
    session_client.force_login(fx.user)

    def count(client: Client, ep: Endpoint, path: str) -> int:
        def call():
            if ep.method == "POST":
                return client.post(path, ep.body, content_type="application/json")
            return client.get(path)

        call()  # the token's last-used stamp and other first-request work are not per-request costs
        with CaptureQueriesContext(connection) as captured:
            response = call()
        if response.status_code != ep.expect:
            raise SystemExit(f"{ep.name}: {path} answered {response.status_code} in-process")
        return len(captured)

    for name, ep in endpoints.items():
        client = session_client if name == "dashboard" else token_client
        if ep.sized:
            for size in (5, 20):
                q = count(client, ep, ep.sized.format(size))
                emit(figures, "queries_per_request", q, "queries", endpoint=name, page_size=size)
        else:
            emit(figures, "queries_per_request", count(client, ep, ep.path), "queries", endpoint=name)


# ------------------------------------------------------------------ server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn as `make run` starts it (sync workers), with persistent database connections."""

    def __init__(self, work: Path):
        self.port = _free_port()
        env = {**os.environ, "DB_CONN_MAX_AGE": "600"}
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "marketplace.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ]
        self.log = open(work / "gunicorn.log", "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.proc.returncode}; see {self.log.name}")
            try:
                if request(self.port, "GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit("gunicorn did not answer /healthz within 60 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def request(port: int, method: str, path: str, body: str = "", headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body.encode() or None, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def _cookies(headers) -> dict[str, str]:
    return dict(v.split(";", 1)[0].split("=", 1) for k, v in headers if k.lower() == "set-cookie")


def _login(port: int) -> str:
    """The Cookie header of a session from a real login through the form (CSRF token and all)."""
    from marketplace.dev.run import DEMO_PASSWORD

    status, headers, body = request(port, "GET", "/accounts/login/")
    csrf = _cookies(headers)["csrftoken"]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urlencode({"username": OWNER, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token})
    status, headers, _ = request(
        port,
        "POST",
        "/accounts/login/",
        form,
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}"},
    )
    cookies = _cookies(headers)
    if status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"login as {OWNER} failed: {status}")
    return f"csrftoken={cookies.get('csrftoken', csrf)}; sessionid={cookies['sessionid']}"


# -------------------------------------------------------------------- load


def _loads(wrk: str, port: int, endpoints: dict[str, Endpoint], args, work: Path, figures: list[dict]) -> None:
    """Each endpoint right after a floor run at the same connection count: its ratio is to that adjacent
    floor, so load from other work on a shared machine, which drifts over minutes, hits both alike."""
    scripts: dict[str, Path] = {}
    for name, ep in endpoints.items():
        status, _, body = request(port, ep.method, ep.path, ep.body, ep.headers)
        if status != ep.expect:
            raise SystemExit(f"{name}: {ep.method} {ep.path} answered {status}: {body[:300]!r}")
        scripts[name] = work / f"{name}.lua"
        scripts[name].write_text(_lua(ep))
        _run_wrk(wrk, port, ep, scripts[name], connections=8, seconds=WARMUP_S)

    def load(name: str, c: int) -> float:
        say(f"{name}: {c} connections, {args.duration} s (load average {loadavg():.1f})")
        result = _run_wrk(wrk, port, endpoints[name], scripts[name], connections=c, seconds=args.duration)
        return result["requests"] / (result["duration_us"] / 1e6), result

    for name in endpoints:
        for c in args.connections:
            floor_rps = None
            if name != "floor":
                floor_rps, _ = load("floor", c)
                emit(figures, "floor_adjacent_rps", round(floor_rps, 1), "req/s", endpoint=name, connections=c)
            rps, result = load(name, c)
            tags = {"endpoint": name, "connections": c}
            emit(figures, "requests_per_s", round(rps, 1), "req/s", **tags)
            emit(figures, "p50_ms", round(result["p50_us"] / 1000, 2), "ms", **tags)
            emit(figures, "p99_ms", round(result["p99_us"] / 1000, 2), "ms", **tags)
            emit(figures, "non_2xx", result["non_2xx"] + result["socket_errors"], "responses", **tags)
            emit(figures, "ratio_to_floor", round(rps / (floor_rps or rps), 4), "", **tags)


def _lua(ep: Endpoint) -> str:
    lines = [f"wrk.method = {json.dumps(ep.method)}"]
    if ep.body:
        lines.append(f"wrk.body = {json.dumps(ep.body)}")
    for key, value in ep.headers.items():
        lines.append(f"wrk.headers[{json.dumps(key)}] = {json.dumps(value)}")
    return "\n".join(lines) + "\n" + DONE_LUA


def _run_wrk(wrk: str, port: int, ep: Endpoint, script: Path, *, connections: int, seconds: int) -> dict:
    threads = min(WRK_THREADS, connections)
    argv = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", WRK_TIMEOUT, "-s", str(script)]
    out = subprocess.run([*argv, f"http://127.0.0.1:{port}{ep.path}"], capture_output=True, text=True, check=True)
    line = next((x for x in out.stdout.splitlines() if x.startswith("WRK ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no summary:\n{out.stdout}\n{out.stderr}")
    return json.loads(line[4:])


# ------------------------------------------------------------------ output


def emit(figures: list[dict], name: str, value, unit: str, **tags) -> None:
    record = {"name": name, **tags, "value": value, "unit": unit}
    print(json.dumps(record), flush=True)
    figures.append(record)


def _cleanup(admin, args, redis_url: str, work: Path) -> None:
    import redis

    try:
        redis.Redis.from_url(with_db(redis_url, str(REDIS_DB))).flushdb()
    except redis.RedisError as exc:
        say(f"could not empty Redis db {REDIS_DB}: {exc}")
    if not args.keep_db:
        from django.db import connections

        connections.close_all()
        drop_database(admin, args.db)
    shutil.rmtree(work, ignore_errors=True)


def _summary(figures: list[dict], connections: list[int]) -> None:
    def get(name: str, **tags):
        for f in figures:
            if f["name"] == name and all(f.get(k) == v for k, v in tags.items()):
                return f["value"]
        return None

    names = ("floor", "orders_list", "dashboard", "matches", "order_create")
    header = (
        f"{'endpoint':<13}{'conns':>6}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}{'floor':>9}{'× floor':>9}"
    )
    lines = ["", "Web benchmark summary", header, "-" * len(header)]
    missed = []
    for name in names:
        for c in connections:
            row = [get(k, endpoint=name, connections=c) for k in ("requests_per_s", "p50_ms", "p99_ms", "non_2xx")]
            ratio = get("ratio_to_floor", endpoint=name, connections=c)
            floor = get("floor_adjacent_rps", endpoint=name, connections=c)
            cells = "".join(f"{_fmt(v):>9}" for v in (*row[1:], floor, ratio))
            lines.append(f"{name:<13}{c:>6}{_fmt(row[0]):>10}{cells}")
            if name in RATIO_TARGETS and ratio is not None and ratio < RATIO_TARGETS[name]:
                missed.append(f"{name} at {c} connections: {ratio:.1%} of the floor < {RATIO_TARGETS[name]:.0%}")
            if c == 64 and row[2] is not None and row[2] > P99_TARGET_MS:
                missed.append(f"{name}: p99 {row[2]} ms at 64 connections > {P99_TARGET_MS} ms")
            if row[3]:
                missed.append(f"{name} at {c} connections: {row[3]} non-2xx answers or socket errors")
    lines.append("")
    for name in names:
        sizes = [f for f in figures if f["name"] == "queries_per_request" and f["endpoint"] == name]
        counts = {f.get("page_size", "-"): f["value"] for f in sizes}
        lines.append(f"queries per request, {name}: " + ", ".join(f"page size {k}: {v}" for k, v in counts.items()))
        if len(set(counts.values())) > 1:
            missed.append(f"{name}: queries depend on the page size ({counts})")
        if any(v > MAX_QUERIES for v in counts.values()):
            missed.append(f"{name}: more than {MAX_QUERIES} queries per request ({counts})")
    lines.append("")
    lines += ["targets: all met"] if not missed else ["targets MISSED:", *(f"  {m}" for m in missed)]
    print("\n".join(lines), file=sys.stderr, flush=True)


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, int):
        return f"{v:,}"
    return f"{v:,.1f}" if abs(v) >= 100 else f"{v:.2f}" if abs(v) >= 1 else f"{v:.3f}"


if __name__ == "__main__":
    main()
