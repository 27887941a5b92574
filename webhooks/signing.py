"""Standard Webhooks signatures (https://www.standardwebhooks.com), made with the project's own library.

``webhook-signature`` is ``v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">``; during a secret's
rotation overlap it holds two, space-separated (the new secret's and the old one's), so a receiver with
either verifies.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 - the form's prefix, not a secret
USER_AGENT = "Starmap-Webhooks/1"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def signing_secrets(endpoint, now: datetime) -> list[str]:
    keys = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_until and endpoint.previous_secret_until > now:
        keys.append(endpoint.previous_secret)
    return keys


def signed_headers(*, keys: list[str], msg_id: str, body: str, now: datetime) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(Webhook(key).sign(msg_id, now, body) for key in keys),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
