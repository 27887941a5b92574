"""/healthz (the process answers) and /readyz (PostgreSQL, Redis and the matching snapshot are reachable).

Both are public (load balancers and compose call them without logging in); /readyz gives the details of
each check, with their latencies and errors, to signed-in staff only.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from marketplace.core.throttles import limiter_store


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    checks = {"database": _database, "redis": _redis, "snapshot": _snapshot}
    results = {}
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            detail = check()
            results[name] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1), **detail}
        except Exception as exc:  # a readiness probe reports every failure instead of raising
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    ready = all(r["ok"] for r in results.values())
    body = {"status": "ready" if ready else "not ready"}
    # What failed, and how long each check took, is for staff: it names servers and paths.
    if request.user.is_staff:
        body["checks"] = results
    return JsonResponse(body, status=200 if ready else 503)


def _database() -> dict:
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
        cur.fetchone()
    return {}


def _redis() -> dict:
    # Through the cache that raises (the default one answers a miss while Redis is down, by design).
    cache = limiter_store()
    cache.set("readyz", "1", timeout=10)
    if cache.get("readyz") != "1":
        raise RuntimeError("Redis did not return what was written")
    return {}


def _snapshot() -> dict:
    from matching import snapshot

    root = settings.MATCHING_SNAPSHOT_DIR
    version = snapshot.current_version(root) if root.exists() else None
    if version is None:
        raise RuntimeError(f"no matching snapshot under {root.name}/ yet (run rebuild_snapshot)")
    return {"version": version}
