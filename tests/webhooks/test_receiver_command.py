"""The demo's receiver (manage.py webhook_receiver) verifies a real delivery and refuses a forged one."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime

from django.conf import settings

from webhooks.management.commands.webhook_receiver import DEMO_SECRET
from webhooks.signing import signed_headers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port: int, body: str, headers: dict) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/starmap", data=body.encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - a local http URL
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_receiver_prints_a_verified_delivery_and_refuses_a_forged_one(tmp_path):
    port = free_port()
    log = tmp_path / "out.txt"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "webhook_receiver", "--port", str(port)],
            cwd=settings.BASE_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(600):  # Django starts first
            if "Listening" in log.read_text():
                break
            time.sleep(0.1)
        body = '{"id":"evt_1","type":"offer.accepted","object":"collaboration","data":{"id":7}}'
        headers = signed_headers(keys=[DEMO_SECRET], msg_id="evt_1", body=body, now=datetime.now(UTC))

        good = post(port, body, headers)
        forged = post(port, body.replace("7", "8"), headers)
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    assert (good, forged) == (200, 400)
    printed = log.read_text()
    assert "verified offer.accepted evt_1" in printed and "REFUSED evt_1" in printed
