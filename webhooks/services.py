"""Every write of webhooks: endpoints (register, change, rotate the secret, delete), the events the apps below
announce, and each delivery's attempts with their backoff (docs/webhooks.md).

A delivery is written in the transaction of the change it reports, with an outbox message
(``webhooks.deliver``) that starts its first attempt after commit. Attempts claim the delivery with a
compare-and-set (``pending → sending``), so two tasks never send one delivery at once, and only when no
earlier delivery about the same object to the same endpoint is still open (in order per object). A failed
attempt schedules the next after an exponential backoff; :func:`webhook_sweep` (beat) sends the due ones.
After ``RETRY_FOR`` from the event, the delivery fails for good and the next one about that object goes.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from http.client import HTTPException

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core import DomainError, NotFound, audit
from marketplace.core.models import User
from marketplace.core.outbox import broker, outbox_put
from webhooks import transport
from webhooks.access import webhook_owner
from webhooks.events import api_view_of, audience_of, catalogue_for, event_body, event_type_for, new_event_id
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.signing import new_secret, signed_headers, signing_secrets

D = WebhookDelivery.Status
OPEN = (D.PENDING, D.SENDING)
RETRY_FOR = timedelta(days=3)
FIRST_RETRY = timedelta(seconds=10)
LONGEST_WAIT = timedelta(hours=12)
ROTATION_OVERLAP = timedelta(hours=24)
MAX_ENDPOINTS = 20
# A claim older than this is a worker that died mid-send: the sweep hands the delivery out again.
STALE_CLAIM = timedelta(minutes=2)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 10 s, 30 s, 90 s, … tripling, at most 12 hours."""
    return min(FIRST_RETRY * 3 ** max(attempts - 1, 0), LONGEST_WAIT)


# ------------------------------------------------------------------ endpoints


def _clean(*, url: str, event_types: list[str], description: str, catalogue: dict) -> tuple[str, list[str], str]:
    url = (url or "").strip()
    if not url or len(url) > 1000 or "\x00" in url:
        raise DomainError(_("Give the receiver's address (up to 1,000 characters)."), field="url")
    refusal = transport.url_refusal(url)
    if refusal:
        raise DomainError(refusal, field="url")
    unknown = [t for t in event_types if t not in catalogue]
    if unknown or not event_types:
        raise DomainError(_("Choose one or more of the listed events."), field="event_types")
    description = (description or "").strip()
    if len(description) > 200 or "\x00" in description:
        raise DomainError(_("Keep the description under 200 characters."), field="description")
    return url, sorted(set(event_types)), description


def _endpoint_for_update(actor: User, endpoint_id: int) -> WebhookEndpoint:
    owner = webhook_owner(actor)
    endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id, **owner.lookup).first()
    if endpoint is None:
        raise NotFound(_("No such endpoint."))
    return endpoint


@transaction.atomic
def endpoint_create(
    *, actor: User, url: str, event_types: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint for the actor's brand or agency (owners and managers); returns it and its secret, which
    is shown this once."""
    owner = webhook_owner(actor)
    url, event_types, description = _clean(
        url=url, event_types=event_types, description=description, catalogue=owner.event_types
    )
    if WebhookEndpoint.objects.filter(**owner.lookup).count() >= MAX_ENDPOINTS:
        raise DomainError(_("An account can register up to %(n)s endpoints.") % {"n": MAX_ENDPOINTS}, field="url")
    secret = new_secret()
    endpoint = WebhookEndpoint.objects.create(
        **owner.lookup,
        url=url,
        event_types=event_types,
        description=description,
        secret=secret,
        created_by=actor,
    )
    audit(actor=actor, action="webhook.endpoint_created", obj=endpoint, url=url, event_types=event_types)
    return endpoint, secret


@transaction.atomic
def endpoint_update(
    *,
    actor: User,
    endpoint_id: int,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> WebhookEndpoint:
    endpoint = _endpoint_for_update(actor, endpoint_id)
    url, event_types, description = _clean(
        url=endpoint.url if url is None else url,
        event_types=endpoint.event_types if event_types is None else event_types,
        description=endpoint.description if description is None else description,
        catalogue=catalogue_for(_kind_of(endpoint)),
    )
    changes = {"url": url, "event_types": event_types, "description": description}
    if is_active is not None:
        changes["is_active"] = is_active
    changed = sorted(name for name, value in changes.items() if getattr(endpoint, name) != value)
    for name, value in changes.items():
        setattr(endpoint, name, value)
    endpoint.save(update_fields=[*changes, "updated_at"])
    audit(actor=actor, action="webhook.endpoint_updated", obj=endpoint, fields=changed)
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(
    *, actor: User, endpoint_id: int, now: datetime | None = None
) -> tuple[WebhookEndpoint, str]:
    """A new secret (shown once); the old one keeps signing beside it for ``ROTATION_OVERLAP``."""
    endpoint = _endpoint_for_update(actor, endpoint_id)
    now = now or timezone.now()
    secret = new_secret()
    endpoint.previous_secret, endpoint.previous_secret_until = endpoint.secret, now + ROTATION_OVERLAP
    endpoint.secret = secret
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until", "updated_at"])
    audit(actor=actor, action="webhook.secret_rotated", obj=endpoint)
    return endpoint, secret


@transaction.atomic
def endpoint_delete(*, actor: User, endpoint_id: int) -> None:
    endpoint = _endpoint_for_update(actor, endpoint_id)
    audit(actor=actor, action="webhook.endpoint_deleted", obj=endpoint, url=endpoint.url)
    endpoint.delete()


# ------------------------------------------------------------------ events


def event_announce(fact: str, obj) -> list[WebhookEvent]:
    """Record the public event for a fact announced by a lower app (in its transaction), once per owner told of it
    (the brand, the creator's agency: each its own event id), with one delivery per active endpoint of that owner
    subscribed to it; each delivery's first attempt starts after commit."""
    event_type = event_type_for(fact, obj)
    if event_type is None:
        return []
    kind, audience = audience_of(obj)
    by_owner: dict[tuple, list[WebhookEndpoint]] = {}
    for endpoint in WebhookEndpoint.objects.filter(audience, is_active=True).distinct():
        if event_type in endpoint.event_types and event_type in catalogue_for(_kind_of(endpoint)):
            by_owner.setdefault((endpoint.brand_id, endpoint.agency_id), []).append(endpoint)
    if not by_owner:
        return []
    data = api_view_of(obj)  # only when someone listens: an owner without endpoints pays one query
    now = timezone.now()
    events = []
    for (brand_id, agency_id), endpoints in sorted(by_owner.items(), key=str):
        event_id = new_event_id()
        event = WebhookEvent.objects.create(
            public_id=event_id,
            type=event_type,
            brand_id=brand_id,
            agency_id=agency_id,
            object_key=f"{kind}:{obj.pk}",
            body=event_body(event_id=event_id, event_type=event_type, kind=kind, data=data, at=now),
        )
        for endpoint in endpoints:
            delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=event, next_attempt_at=now)
            outbox_put(topic="webhooks.deliver", payload={"delivery_id": delivery.pk})
        events.append(event)
    return events


def _kind_of(endpoint: WebhookEndpoint) -> str:
    return "agency" if endpoint.agency_id is not None else "brand"


# ------------------------------------------------------------------ deliveries


def _earlier_open():
    return WebhookDelivery.objects.filter(
        endpoint_id=OuterRef("endpoint_id"),
        event__object_key=OuterRef("event__object_key"),
        pk__lt=OuterRef("pk"),
        status__in=OPEN,
    )


def _claim(delivery_id: int, now: datetime) -> bool:
    """pending → sending, if due and first in line for its object at its endpoint; True for the one winner."""
    with transaction.atomic():
        ready = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=delivery_id, status=D.PENDING, next_attempt_at__lte=now)
            .exclude(Exists(_earlier_open()))
            .first()
        )
        if ready is None:
            return False
        return bool(
            WebhookDelivery.objects.filter(pk=delivery_id, status=D.PENDING).update(status=D.SENDING, claimed_at=now)
        )


def delivery_attempt(*, delivery_id: int, now: datetime | None = None, manual: bool = False) -> WebhookDelivery | None:
    """Send one due delivery once (None when it is not due, not first in line, or taken by another task).

    The POST runs outside any transaction; its outcome is recorded afterwards. A 2xx delivers; anything else
    (another status, a timeout, a refused address) waits ``backoff`` for the next attempt, or fails for good
    ``RETRY_FOR`` after the event."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint", "event").get(pk=delivery_id)
    endpoint, event = delivery.endpoint, delivery.event
    body = json.dumps(event.body, separators=(",", ":"), ensure_ascii=False)
    answer, error, started = None, "", time.monotonic()
    if not endpoint.is_active:
        error = _("The endpoint is disabled.")
    else:
        headers = signed_headers(keys=signing_secrets(endpoint, now), msg_id=event.public_id, body=body, now=now)
        try:
            answer = transport.post(
                endpoint.url, body=body.encode(), headers=headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS
            )
        except transport.Refused as exc:
            error = str(exc)
        except TimeoutError:
            error = _("No answer within %(n)s seconds.") % {"n": settings.WEBHOOK_TIMEOUT_SECONDS}
        except (OSError, HTTPException) as exc:
            error = _("Could not connect: %(reason)s") % {"reason": exc.__class__.__name__}
    elapsed_ms = int((time.monotonic() - started) * 1000)
    give_up = not endpoint.is_active
    done = _record(delivery, answer=answer, error=error, elapsed_ms=elapsed_ms, now=now, manual=manual, give_up=give_up)
    if done.status in (D.SUCCEEDED, D.FAILED):
        _start_next(done)
    return done


@transaction.atomic
def _record(
    delivery: WebhookDelivery,
    *,
    answer,
    error: str,
    elapsed_ms: int,
    now: datetime,
    manual: bool,
    give_up: bool = False,
) -> WebhookDelivery:
    finished = timezone.now()
    WebhookAttempt.objects.create(
        delivery=delivery,
        status_code=answer.status if answer else None,
        latency_ms=answer.latency_ms if answer else elapsed_ms,
        response_body=answer.body if answer else "",
        error=error[:500],
        manual=manual,
    )
    ok = answer is not None and 200 <= answer.status < 300
    delivery.attempts += 1
    delivery.last_status_code = answer.status if answer else None
    delivery.last_latency_ms = answer.latency_ms if answer else None
    delivery.last_error = (
        error[:500] if not answer else ("" if ok else _("The receiver answered %(code)s.") % {"code": answer.status})
    )
    if ok:
        delivery.status, delivery.delivered_at = D.SUCCEEDED, finished
    elif give_up or now + backoff(delivery.attempts) > delivery.event.created_at + RETRY_FOR:
        delivery.status = D.FAILED
    else:
        delivery.status, delivery.next_attempt_at = D.PENDING, now + backoff(delivery.attempts)
    delivery.claimed_at = None
    delivery.save()
    return delivery


def _start_next(delivery: WebhookDelivery) -> None:
    """The next delivery about the same object to the same endpoint, which waited for this one, goes now."""
    following = (
        WebhookDelivery.objects.filter(
            endpoint_id=delivery.endpoint_id,
            event__object_key=delivery.event.object_key,
            status=D.PENDING,
            pk__gt=delivery.pk,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if following:
        _send_attempt(following)


def _send_attempt(delivery_id: int) -> None:
    try:
        broker().send_task("webhooks.tasks.webhook_attempt_task", kwargs={"delivery_id": delivery_id}, retry=False)
    except Exception:
        return


@transaction.atomic
def delivery_resend(*, actor: User, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again now (a delivered one too: the receiver sees the same ``webhook-id``)."""
    owner = webhook_owner(actor)
    delivery = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .filter(pk=delivery_id, **{f"endpoint__{owner.kind}_id": owner.pk})
        .first()
    )
    if delivery is None:
        raise NotFound(_("No such delivery."))
    if delivery.status == D.SENDING:
        raise DomainError(_("This delivery is being sent right now."), field="delivery")
    delivery.status, delivery.next_attempt_at = D.PENDING, timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at"])
    audit(actor=actor, action="webhook.resent", obj=delivery)
    outbox_put(topic="webhooks.deliver", payload={"delivery_id": delivery.pk, "manual": True})
    return delivery


def webhook_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Beat: hand out again the claims of dead workers, then send every due delivery that is first in line."""
    now = now or timezone.now()
    WebhookDelivery.objects.filter(status=D.SENDING, claimed_at__lt=now - STALE_CLAIM).update(
        status=D.PENDING, claimed_at=None
    )
    due = list(
        WebhookDelivery.objects.filter(status=D.PENDING, next_attempt_at__lte=now)
        .exclude(Exists(_earlier_open()))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for delivery_id in due:
        _send_attempt(delivery_id)
    return len(due)
