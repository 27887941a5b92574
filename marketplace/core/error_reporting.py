"""Optional error reporting to Sentry (or a Sentry-compatible server such as GlitchTip): off unless SENTRY_DSN
is set. Unhandled errors of web requests and Celery tasks, and log records at ERROR, are sent with the request
id (the X-Request-ID header and the audit rows carry the same one); no personal data (send_default_pii off)."""

from __future__ import annotations

from marketplace.core.logs import current_request_id


def init_sentry(dsn: str, *, environment: str, transport=None) -> bool:
    """Start reporting to ``dsn``; False (and nothing imported) when it is empty."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=0.0,
        before_send=_with_request_id,
        transport=transport,
    )
    return True


def _with_request_id(event, hint):
    request_id = current_request_id()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return event
