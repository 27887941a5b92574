"""A small webhook receiver for trying webhooks locally: it verifies each delivery's Standard Webhooks signature
with the endpoint's secret and prints the event (docs/webhooks.md). Not for production use."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.management.base import BaseCommand, CommandError
from standardwebhooks import Webhook, WebhookVerificationError

DEMO_SECRET = "whsec_c3Rhcm1hcC1kZW1vLXdlYmhvb2stc2VjcmV0"  # noqa: S105 - the demo endpoint's, printed in the README


class Command(BaseCommand):
    help = "Listen for webhooks on 127.0.0.1:PORT, verify each signature and print the event."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765, help="0 takes a free port (printed).")
        parser.add_argument("--secret", default=DEMO_SECRET, help="The endpoint's signing secret (whsec_…).")
        parser.add_argument("--fail", type=int, default=0, help="Answer 500 to the first N (see retries).")
        parser.add_argument("--seconds", type=int, default=0, help="Stop after this long (0: run until Ctrl-C).")

    def handle(self, *args, port: int, secret: str, fail: int, seconds: int, **options):
        try:
            hook = Webhook(secret)
        except Exception as exc:
            raise CommandError(f"--secret: not a whsec_ secret ({exc})") from None
        if not 0 <= port <= 65535:
            raise CommandError("--port: give a number from 0 to 65535")
        if not 0 <= fail <= 1_000_000:
            raise CommandError("--fail: give a number from 0 to 1,000,000")
        if not 0 <= seconds <= 86_400:
            raise CommandError("--seconds: give a number from 0 to 86,400")
        seen, failures = set(), [fail]

        def say(text: str) -> None:
            self.stdout.write(text)
            self.stdout.flush()  # a line at a time, also when the output is a pipe or a file

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                try:
                    event = hook.verify(body, dict(self.headers))
                except WebhookVerificationError as exc:
                    say(f"REFUSED {self.headers.get('webhook-id')}: {exc}")
                    self._answer(400)
                    return
                if failures[0] > 0:
                    failures[0] -= 1
                    say(f"answering 500 to {event['type']} {event['id']} (as asked)")
                    self._answer(500)
                    return
                again = " (seen before: a retry or re-send)" if event["id"] in seen else ""
                seen.add(event["id"])
                say(f"verified {event['type']} {event['id']}{again}")
                say(json.dumps(event["data"], indent=2, ensure_ascii=False))
                self._answer(200)

            def _answer(self, status: int) -> None:
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                return

        try:
            server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        except OSError as exc:
            raise CommandError(f"--port: cannot listen on 127.0.0.1:{port} ({exc.strerror})") from None
        say(f"Listening on http://127.0.0.1:{server.server_port}/ — Ctrl-C stops.")
        server.timeout = 0.2
        deadline = time.monotonic() + seconds if seconds else None
        try:
            while deadline is None or time.monotonic() < deadline:
                server.handle_request()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
