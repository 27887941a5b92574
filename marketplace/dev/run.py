"""Serve Starmap in the foreground: web (gunicorn), a Celery worker and Celery beat.

    python -m marketplace.dev.run --host 127.0.0.1 --port 8000

Ctrl-C (or SIGTERM) stops all three; if one of them dies, the others are stopped too so the
failure is visible instead of a half-running stack. `make run` calls this after migrating.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]

DEMO_LOGINS = (
    ("brand owner", "owner@aurora.demo"),
    ("brand manager", "manager@aurora.demo"),
    ("brand viewer", "viewer@aurora.demo"),
    ("second brand owner", "owner@northwind.demo"),
    ("creator", "creator@starmap.demo"),
    ("agency (MCN) owner", "owner@lumen.demo"),
    ("admin (staff)", "admin@starmap.demo"),
)
DEMO_PASSWORD = "starmap-demo"  # noqa: S105 - published demo password, documented in the README


def commands(host: str, port: int, *, worker_name: str = "worker", var_dir: str | None = None) -> dict[str, list[str]]:
    """The command lines of web, worker and beat (marketplace/dev/stack.py starts the same ones, with its own
    ``var_dir`` for beat's schedule file)."""
    python = sys.executable
    var_dir = var_dir or os.environ.get("VAR_DIR", str(BASE_DIR / "var"))
    return {
        "web": [
            python,
            "-m",
            "gunicorn",
            "marketplace.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            os.environ.get("WEB_CONCURRENCY", "2"),
            # No gunicorn access log: Django's request_finished line is it (marketplace.core.logs).
            "--log-level",
            "warning",
        ],
        "worker": [
            python,
            "-m",
            "celery",
            "-A",
            "marketplace",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            os.environ.get("WORKER_CONCURRENCY", "2"),
            "-n",
            f"{worker_name}@%h",
        ],
        "beat": [
            python,
            "-m",
            "celery",
            "-A",
            "marketplace",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            os.path.join(var_dir, "celerybeat-schedule"),
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "marketplace.settings", "PYTHONUNBUFFERED": "1"}
    # Mails sent while developing link to where this server answers (PORT=8011 make run), unless set.
    local = args.host in ("127.0.0.1", "0.0.0.0")  # noqa: S104 (a name compared, nothing bound here)
    env.setdefault("SITE_URL", f"http://{'localhost' if local else args.host}:{args.port}")
    procs = {
        name: subprocess.Popen(cmd, cwd=BASE_DIR, env=env, start_new_session=True)
        for name, cmd in commands(args.host, args.port).items()
    }
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    _print_banner(args.host, args.port)
    try:
        while not stopping:
            dead = [name for name, p in procs.items() if p.poll() is not None]
            if dead:
                print(f"\n{', '.join(dead)} exited; stopping the rest.", file=sys.stderr)
                break
            time.sleep(0.5)
    finally:
        _terminate(procs)
    return 0 if stopping else 1


def _terminate(procs: dict[str, subprocess.Popen]) -> None:
    for p in procs.values():
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for p in procs.values():
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
    print("Stopped web, worker and beat. `make stop` also stops PostgreSQL and Redis.")


def _print_banner(host: str, port: int) -> None:
    lines = [
        "",
        f"Starmap is running at http://{host}:{port}/  (Ctrl-C stops web, worker and beat)",
        f"Demo logins (password: {DEMO_PASSWORD}):",
        *(f"  {who:<20} {email}" for who, email in DEMO_LOGINS),
        "",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
