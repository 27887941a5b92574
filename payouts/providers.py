"""Payment providers: the edge where money enters and leaves Starmap.

Every call carries an idempotency key; a provider must treat a repeated key as the same
request (real gateways do). ``PAYMENT_PROVIDER`` picks one:

- ``sandbox`` (default, demo and tests): everything succeeds at once, references are derived from
  the key, and every call is recorded so tests can count them. ``fail_next`` simulates outages.
  ``SANDBOX_PROVIDER_LOG`` (a file) also records each payout call there, outside any process and
  transaction, and ``SANDBOX_PROVIDER_DELAY_MS`` makes each call that slow (half before it is recorded,
  half after): the fault tests kill a worker inside a call and count what the "gateway" saw.
- ``manual``: nothing happens automatically. An admin confirms a bank transfer in (with its
  reference) and marks a payout as sent (with its reference) — payouts.services.topup_confirm and
  payout_mark_sent.

A real gateway is another subclass registered in PROVIDERS.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings


class ProviderError(Exception):
    """A transient failure: the same call may be retried with the same idempotency key."""


@dataclass(frozen=True)
class ProviderResult:
    status: str  # SUCCEEDED or PENDING
    reference: str = ""

    SUCCEEDED: ClassVar[str] = "succeeded"
    PENDING: ClassVar[str] = "pending"  # an admin confirms it later (manual provider)

    @property
    def succeeded(self) -> bool:
        return self.status == self.SUCCEEDED


@dataclass(frozen=True)
class ProviderCall:
    operation: str  # "top_up" or "send_payout"
    idempotency_key: str
    amount: int
    currency: str


class PaymentProvider(ABC):
    name: ClassVar[str]

    @abstractmethod
    def top_up(self, *, idempotency_key: str, brand_id: int, amount: int, currency: str) -> ProviderResult:
        """Start collecting ``amount`` from a brand."""

    @abstractmethod
    def send_payout(
        self, *, idempotency_key: str, creator_id: int | None, amount: int, currency: str
    ) -> ProviderResult:
        """Send ``amount`` to a creator (or, with no creator id, to an agency). Raises ProviderError on a transient
        failure."""


class SandboxProvider(PaymentProvider):
    name = "sandbox"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[ProviderCall] = []
        self._failures_left = 0

    def top_up(self, *, idempotency_key: str, brand_id: int, amount: int, currency: str) -> ProviderResult:
        self._record("top_up", idempotency_key, amount, currency)
        return ProviderResult(ProviderResult.SUCCEEDED, _reference("sbx_in", idempotency_key))

    def send_payout(
        self, *, idempotency_key: str, creator_id: int | None, amount: int, currency: str
    ) -> ProviderResult:
        delay = settings.SANDBOX_PROVIDER_DELAY_MS / 2000
        time.sleep(delay)
        _append_to_log(ProviderCall("send_payout", idempotency_key, amount, currency))
        time.sleep(delay)
        with self._lock:
            self._calls.append(ProviderCall("send_payout", idempotency_key, amount, currency))
            failing = self._failures_left > 0
            self._failures_left -= int(failing)
        if failing:
            raise ProviderError("sandbox: simulated outage")
        return ProviderResult(ProviderResult.SUCCEEDED, _reference("sbx_out", idempotency_key))

    # ---- for tests and the demo

    def fail_next(self, count: int) -> None:
        """The next ``count`` payouts raise ProviderError."""
        with self._lock:
            self._failures_left = count

    def calls(self, operation: str | None = None, idempotency_key: str | None = None) -> list[ProviderCall]:
        with self._lock:
            return [
                c
                for c in self._calls
                if (operation is None or c.operation == operation)
                and (idempotency_key is None or c.idempotency_key == idempotency_key)
            ]

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._failures_left = 0

    def _record(self, operation: str, key: str, amount: int, currency: str) -> None:
        with self._lock:
            self._calls.append(ProviderCall(operation, key, amount, currency))


def _append_to_log(call: ProviderCall) -> None:
    """One JSON line per call in SANDBOX_PROVIDER_LOG, on disk before the call returns."""
    path = settings.SANDBOX_PROVIDER_LOG
    if not path:
        return
    line = json.dumps({"operation": call.operation, "key": call.idempotency_key, "amount": call.amount})
    with open(path, "a", encoding="utf-8") as log:
        log.write(line + "\n")
        log.flush()
        os.fsync(log.fileno())


class ManualProvider(PaymentProvider):
    name = "manual"

    def top_up(self, *, idempotency_key: str, brand_id: int, amount: int, currency: str) -> ProviderResult:
        return ProviderResult(ProviderResult.PENDING)

    def send_payout(
        self, *, idempotency_key: str, creator_id: int | None, amount: int, currency: str
    ) -> ProviderResult:
        return ProviderResult(ProviderResult.PENDING)


def _reference(prefix: str, key: str) -> str:
    return f"{prefix}_{hashlib.sha256(key.encode()).hexdigest()[:20]}"


sandbox = SandboxProvider()
PROVIDERS: dict[str, PaymentProvider] = {"sandbox": sandbox, "manual": ManualProvider()}


def get_provider(name: str | None = None) -> PaymentProvider:
    """The provider named ``name``, or the one PAYMENT_PROVIDER selects."""
    return PROVIDERS[name or settings.PAYMENT_PROVIDER]
