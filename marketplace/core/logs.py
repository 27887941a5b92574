"""Structured logs, and the one request id that follows a web request into the outbox, the worker and the audit rows.

django-structlog binds ``request_id`` (with ``user_id`` and ``ip``) in structlog's context variables for the
length of a request, and copies that context into a header of every Celery task published while it is
bound; the worker binds it again before the task runs (marketplace/celery.py). ``current_request_id()``
reads it there: it is the one place the audit rows, outbox messages and error reports take the id from.

Every line goes through ``formatter()``: JSON (one object a line) or a readable console form, with the
secrets that travel in URLs (the calendar feed's token, a password-reset token) blanked out first.
"""

from __future__ import annotations

import functools
import re
import sys
import uuid

import structlog
from django.apps import apps
from django.conf import settings
from django.db import models

REQUEST_ID_MAX = 64
# What we accept from a client or proxy as a request id: short, and safe to copy into logs and audit rows.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
LOG_FORMATS = ("json", "console")
REDACTED = "[redacted]"
# A URL keyword argument by one of these names is a secret (orders' calendar feed, Django's password reset).
SECRET_URL_KWARGS = frozenset({"token", "secret"})
_SECRET_QUERY = re.compile(r"(?i)([?&](?:token|secret|password|api_key|key|signature)=)[^&\s#\"']*")


def request_id_or_new(incoming: str | None) -> str:
    """The caller's request id when it is sane, else a new uuid4."""
    if incoming and _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return str(uuid.uuid4())


def current_request_id() -> str:
    """The id of the request being handled, or of the request that started the running task; "" otherwise."""
    value = structlog.contextvars.get_contextvars().get("request_id")
    return value if isinstance(value, str) and _SANE_REQUEST_ID.fullmatch(value) else ""


def bound_request_id(request_id: str):
    """Bind ``request_id`` while sending a message recorded earlier (the outbox relay), so the task's header
    carries the request that wrote it rather than the relay's own context."""
    return structlog.contextvars.bound_contextvars(request_id=request_id or None)


def request_id_field() -> models.CharField:
    """The column an audit or event row keeps its request id in, filled when the row is created. The database's
    own default ("") serves the rows written by SQL (COPY, raw inserts) and by code older than the column."""
    return models.CharField(
        max_length=REQUEST_ID_MAX, blank=True, default=current_request_id, db_default="", editable=False
    )


# ------------------------------------------------------------------ redaction


@functools.cache
def _secret_paths(urlconf: str) -> tuple[re.Pattern, ...]:
    """One pattern per URL of ``urlconf`` with a secret keyword argument, found anywhere in a string."""
    from django.urls import URLResolver, get_resolver

    found = []

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            regex = getattr(entry.pattern, "regex", None)
            if regex is None:
                continue
            part = regex.pattern.removeprefix("^").removesuffix(r"\Z").removesuffix("$")
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + part)
            elif SECRET_URL_KWARGS & set(re.compile(part).groupindex):
                found.append(re.compile("/" + prefix + part))

    walk(get_resolver(urlconf).url_patterns, "")
    return tuple(found)


def _blank_secrets(match: re.Match) -> str:
    text, start = match.group(0), match.start()
    spans = sorted((match.span(name) for name in SECRET_URL_KWARGS & set(match.re.groupindex)), reverse=True)
    for begin, end in spans:
        if begin >= 0:
            text = text[: begin - start] + REDACTED + text[end - start :]
    return text


def redact(text: str) -> str:
    """``text`` with the secrets of secret-bearing URLs and query parameters replaced by [redacted]."""
    if "/" not in text and "=" not in text:  # most fields: nothing a URL or a query could hide in
        return text
    if apps.ready:
        for pattern in _secret_paths(settings.ROOT_URLCONF):
            text = pattern.sub(_blank_secrets, text)
    return _SECRET_QUERY.sub(rf"\1{REDACTED}", text)


def redact_secrets(logger, method_name: str, event_dict: dict) -> dict:
    """structlog processor: every string field of the line goes through ``redact``."""
    return {key: redact(value) if isinstance(value, str) else value for key, value in event_dict.items()}


# ------------------------------------------------------------------ configuration

_SHARED = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def formatter(renderer: str = "json") -> structlog.stdlib.ProcessorFormatter:
    """The logging formatter of every handler: structlog's and the standard library's records alike.

    Tracebacks are rendered as plain text (no local variables, which could hold secrets), then redacted."""
    if renderer == "json":
        render = structlog.processors.JSONRenderer()
    else:
        render = structlog.dev.ConsoleRenderer(
            colors=sys.stdout.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact_secrets,
            render,
        ],
    )


def logging_config(*, log_format: str, level: str) -> dict:
    """Configure structlog and return the LOGGING dict: every record to stdout in ``log_format``."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": {"()": "marketplace.core.logs.formatter", "renderer": log_format}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "structured"}
        },
        "root": {"handlers": ["console"], "level": level},
        # WeasyPrint logs each step of every PDF at INFO (invoices.render); its warnings still show.
        "loggers": {"django.db.backends": {"level": "INFO"}, "weasyprint": {"level": "WARNING"}},
    }


__all__ = [
    "LOG_FORMATS",
    "REDACTED",
    "REQUEST_ID_MAX",
    "SECRET_URL_KWARGS",
    "bound_request_id",
    "current_request_id",
    "formatter",
    "logging_config",
    "redact",
    "request_id_field",
    "request_id_or_new",
]


def failed_request_code(sender, request, logger, exception, log_kwargs, **kwargs) -> None:
    """django-structlog writes every request_failed line with "code": 500; one that met PostgreSQL or Redis
    down was answered 503 (marketplace.core.unavailable), and the line says so."""
    from marketplace.core.unavailable import dependency_down

    if dependency_down(exception):
        log_kwargs["code"] = 503
