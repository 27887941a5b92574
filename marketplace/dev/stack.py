"""A whole Starmap on its own ports and data directory: PostgreSQL, Redis, web, workers and beat.

The fault tests (tests/faults/) and the soak benchmark (bench/soak.py) start one, drive it over HTTP,
kill or stop parts of it and check what is left. It is what `make run` starts (the same command lines,
from marketplace.dev.run), never the servers the test run itself uses: stopping this stack's
PostgreSQL must not take the test database down with it.

    with Stack.create(tmp_path) as stack:
        stack.start("web", "worker", "beat")
        stack.kill("worker")            # SIGKILL, as the OOM killer or a lost machine would
        stack.stop_server("postgres")   # and start_server("postgres") to bring it back

Like devservers, this module does not import Django: it runs in processes with other settings.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from marketplace.dev import run as serve

BASE_DIR = Path(__file__).resolve().parents[2]
# What a child process must not inherit from the test run: it would talk to the test run's servers.
INHERITED_NOT = ("DATABASE_URL", "REDIS_URL", "TEST_DB_NAME", "CACHE_KEY_PREFIX", "CELERY_QUEUE", "VAR_DIR")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    root: Path
    web_port: int
    pg_port: int
    redis_port: int
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    @classmethod
    def create(cls, root: Path, **extra_env: str) -> Stack:
        root.mkdir(parents=True, exist_ok=True)
        stack = cls(root=root, web_port=free_port(), pg_port=free_port(), redis_port=free_port(), extra_env=extra_env)
        ports = {"web_port": stack.web_port, "pg_port": stack.pg_port, "redis_port": stack.redis_port}
        (root / "stack.json").write_text(json.dumps(ports))
        return stack

    @classmethod
    def attach(cls, root: Path) -> Stack:
        """The stack created in ``root`` before (its servers' ports are in stack.json); processes are not adopted."""
        return cls(root=root, **json.loads((root / "stack.json").read_text()))

    # ------------------------------------------------------------------ environment

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/starmap"

    def env(self, **more: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in INHERITED_NOT and not k.startswith("PYTEST")}
        env.update(
            DJANGO_SETTINGS_MODULE="marketplace.settings",
            PYTHONUNBUFFERED="1",
            VAR_DIR=str(self.root),
            EMBEDDED_PG_PORT=str(self.pg_port),
            EMBEDDED_REDIS_PORT=str(self.redis_port),
            DATABASE_URL=self.database_url,
            REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            SITE_URL=self.url,
            DEBUG="false",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            LOG_FORMAT="json",  # what production writes; the fault tests read the web's request lines
            FAST_PASSWORD_HASHER="true",  # noqa: S106 (a switch, not a password)
            # A worker lost with its message unacknowledged gets it back after this, not after an hour.
            CELERY_VISIBILITY_TIMEOUT="15",
        )
        env.update(self.extra_env)
        env.update(more)
        return env

    def _log(self, name: str):
        (self.root / "logs").mkdir(exist_ok=True)
        return (self.root / "logs" / f"{name}.log").open("ab")

    def log_text(self, name: str) -> str:
        path = self.root / "logs" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # ---------------------------------------------------------------------- servers

    def _servers(self, command: str, which: str | None = None) -> None:
        env = self.env()
        for name in ("DATABASE_URL", "REDIS_URL"):
            env.pop(name)  # devservers starts what these do not point elsewhere
        argv = [sys.executable, "-m", "marketplace.dev.devservers", command, *([which] if which else [])]
        with self._log("servers") as log:
            subprocess.run(argv, cwd=BASE_DIR, env=env, check=True, stdout=log, stderr=log, timeout=120)

    def start_servers(self) -> None:
        self._servers("start")

    def stop_server(self, which: str) -> None:
        self._servers("stop", which)

    def start_server(self, which: str) -> None:
        self._servers("start", which)

    def manage(self, *args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=check,
        )

    def python(self, code: str, timeout: float = 300) -> str:
        """Run ``code`` in a Django shell of this stack; its stdout (a failure raises with the shell's stderr)."""
        done = self.manage("shell", "-c", code, timeout=timeout, check=False)
        if done.returncode:
            raise RuntimeError(f"the stack's shell failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def json(self, code: str, timeout: float = 300):
        """The JSON value ``code`` prints on its last line of output."""
        return json.loads(self.python(code, timeout=timeout).strip().splitlines()[-1])

    def invariants(self, quiet_after: float = 60) -> dict:
        """marketplace.dev.invariants on this stack: {"problems": [...], "counts": {...}}."""
        return self.json(f"from marketplace.dev.invariants import report; report({quiet_after})")

    def bootstrap(self, *, demo_creators: int = 300) -> None:
        self.manage("bootstrap", "--demo-creators", str(demo_creators), "--verbosity", "0", timeout=900)

    # -------------------------------------------------------------------- processes

    def command(self, name: str) -> list[str]:
        """``web``, ``beat`` or a worker (``worker``, ``worker2``…), as `make run` starts them."""
        role = "worker" if name.startswith("worker") else name
        return serve.commands("127.0.0.1", self.web_port, worker_name=name, var_dir=str(self.root))[role]

    def start(self, *names: str, wait: bool = True) -> None:
        for name in names:
            if name in self.procs and self.procs[name].poll() is None:
                continue
            self.procs[name] = subprocess.Popen(
                self.command(name),
                cwd=BASE_DIR,
                env=self.env(),
                stdout=self._log(name),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if wait and "web" in names:
            self.wait_ready()

    def pids(self, name: str) -> list[int]:
        """The process and its children (gunicorn's and Celery's pool processes)."""
        proc = self.procs[name]
        out = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def children(self, name: str) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.procs[name].pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Kill the process and its children at once (its whole process group)."""
        proc = self.procs.pop(name)
        if proc.poll() is None:
            os.killpg(proc.pid, sig)
        proc.wait(timeout=30)

    def stop(self, name: str) -> None:
        proc = self.procs.get(name)
        if proc is None:
            return
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self.procs.pop(name, None)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:  # noqa: S310 (http://127.0.0.1)
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the stack's web server did not answer in {timeout} s:\n{self.log_text('web')[-3000:]}")

    def close(self) -> None:
        for name in list(self.procs):
            self.stop(name)
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._servers("stop")

    def __enter__(self) -> Stack:
        self.start_servers()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------------ HTTP

    def request(self, method: str, path: str, *, token: str | None = None, body=None, headers=None, timeout=30):
        """(status, headers, parsed JSON or text) of one request; a connection that dies is raised as OSError,
        also when it dies mid-answer (a status line or body cut off: http.client's own errors, not OSErrors)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)  # noqa: S310 (our own URL)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Token {token}")
        for k, v in (headers or {}).items():
            request.add_header(k, v)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (our own URL)
                return response.status, dict(response.headers), _body(response.read())
        except urllib.error.HTTPError as error:
            try:
                return error.code, dict(error.headers), _body(error.read())
            except http.client.HTTPException as cut:
                raise ConnectionError(f"answer cut off: {cut!r}") from cut
        except http.client.HTTPException as cut:
            raise ConnectionError(f"answer cut off: {cut!r}") from cut


def _body(raw: bytes):
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")
