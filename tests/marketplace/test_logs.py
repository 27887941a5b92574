"""Structured logs: one request id from the web request into its log lines, the response, the outbox message,
the task's header and the audit rows; secrets that travel in URLs never reach a log line."""

import io
import json
import logging
import re
import uuid

import pytest
from celery import Celery, signals
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from marketplace.core import logs, outbox
from marketplace.core.models import AuditLog, OutboxMessage
from orders.models import CollaborationEvent, OrderEvent, OrderTargetLabel
from orders.services.calendar import calendar_feed_renew
from payouts.models import LedgerTransaction
from tests.factories import LabelFactory, MembershipFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines():
    """Every record logged during the test, as the JSON lines production writes (the project's formatter)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter("json"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    def read() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    read.text = stream.getvalue
    yield read
    root.removeHandler(handler)
    root.setLevel(old_level)


def _finished(lines: list[dict]) -> dict:
    [line] = [line for line in lines if line["event"] == "request_finished"]
    return line


def test_a_request_logs_a_json_line_with_the_callers_request_id_and_returns_it(client, log_lines):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID="lb-7f3a.42:1")

    line = _finished(log_lines())
    assert response["X-Request-ID"] == "lb-7f3a.42:1"
    assert (line["request_id"], line["code"], line["level"]) == ("lb-7f3a.42:1", 200, "info")
    assert line["request"] == f"GET {reverse('login')}"
    assert "timestamp" in line and "ip" in line


@pytest.mark.parametrize(
    "hostile",
    ["req\x00-1", "x" * 10_000, "req-1\nINFO forged line", "req-1\r\nSet-Cookie: a=b", "ünïcode", ""],
    ids=["nul", "10kB", "newline", "crlf", "unicode", "empty"],
)
def test_a_hostile_request_id_is_replaced_in_the_response_and_the_log(client, log_lines, hostile):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID=hostile)

    replaced = response["X-Request-ID"]
    assert response.status_code == 200
    assert uuid.UUID(replaced).version == 4
    assert {line["request_id"] for line in log_lines()} == {replaced}
    assert "forged" not in log_lines.text() and "x" * 100 not in log_lines.text()


def test_a_web_request_s_id_is_on_its_outbox_message_its_audit_rows_and_the_task_it_publishes(
    client, log_lines, published, django_capture_on_commit_callbacks
):
    """The publish writes order.published to the outbox; sending it (at commit, and again by the relay, which
    runs outside any request) gives the task the request's id in django-structlog's header."""
    manager = MembershipFactory(role="manager")
    order = OrderFactory(brand=manager.brand)
    OrderTargetLabel.objects.create(order=order, label=LabelFactory(), weight=1.0)
    client.force_login(manager.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("orders:publish", args=[order.pk]), HTTP_X_REQUEST_ID="req-publish-1")
    OutboxMessage.objects.update(dispatched_at=None)  # as if the broker had been down
    assert logs.current_request_id() == ""
    assert outbox.outbox_relay() == 1

    message = OutboxMessage.objects.get(topic="order.published")
    assert response.status_code == 302 and response["X-Request-ID"] == "req-publish-1"
    assert message.request_id == "req-publish-1"
    assert OrderEvent.objects.get(order=order).request_id == "req-publish-1"
    assert AuditLog.objects.get(action="order.published").request_id == "req-publish-1"
    assert [h["__django_structlog__"]["request_id"] for h in published] == ["req-publish-1", "req-publish-1"]
    assert {line["request_id"] for line in log_lines() if line["event"] == "task_enqueued"} == {"req-publish-1"}


@pytest.fixture
def published(monkeypatch):
    """Send outbox messages through an in-memory broker and keep the headers of each task published."""
    app = Celery("starmap-test-logs", broker="memory://", set_as_current=False)
    monkeypatch.setattr("marketplace.core.outbox.broker", lambda: app)
    headers: list[dict] = []

    def keep(headers=None, **kwargs):
        headers_seen.append(dict(headers))

    headers_seen = headers
    signals.before_task_publish.connect(keep, weak=False)
    yield headers
    signals.before_task_publish.disconnect(keep)


# ------------------------------------------------------------------ secrets in URLs


def test_the_calendar_feed_token_never_reaches_a_log_line(client, log_lines):
    user = MembershipFactory(role="owner").user
    token = calendar_feed_renew(user=user)

    good = client.get(reverse("calendar_feed", args=[token]))
    wrong = client.get(reverse("calendar_feed", args=[token[::-1]]))

    assert (good.status_code, wrong.status_code) == (200, 404)
    assert token not in log_lines.text() and token[::-1] not in log_lines.text()
    requests = [line["request"] for line in log_lines() if line["event"] == "request_finished"]
    assert requests == [f"GET /calendar/{logs.REDACTED}.ics"] * 2


def _secret_routes(patterns, prefix=""):
    """(name, kwargs names) of every URL whose path holds a keyword argument named as a secret."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _secret_routes(entry.url_patterns, prefix + (f"{entry.namespace}:" if entry.namespace else ""))
        elif isinstance(entry, URLPattern) and entry.name:
            kwargs = list(entry.pattern.regex.groupindex)
            if logs.SECRET_URL_KWARGS & set(kwargs):
                yield prefix + entry.name, kwargs


SECRET_ROUTES = sorted(_secret_routes(get_resolver().url_patterns))


def test_the_url_conf_has_the_secret_routes_this_file_knows_of():
    assert {"calendar_feed", "password_reset_confirm"} <= {name for name, _ in SECRET_ROUTES}


@pytest.mark.parametrize(("name", "kwargs"), SECRET_ROUTES, ids=[name for name, _ in SECRET_ROUTES])
def test_every_url_with_a_secret_in_its_path_is_redacted_from_every_kind_of_line(log_lines, name, kwargs):
    secret = "S3cr3tV4lue-" + uuid.uuid4().hex
    path = reverse(name, kwargs={kwarg: secret if kwarg in logs.SECRET_URL_KWARGS else "MQ" for kwarg in kwargs})

    logging.getLogger("django.request").warning("Not Found: %s", path)  # Django's own 404 line
    logs.structlog.get_logger("t").info("request_finished", request=f"GET {path}?page=2", code=200)
    logging.getLogger("t").error("failed", exc_info=ValueError(f"bad {path}"))

    assert len(log_lines()) == 3
    assert secret not in log_lines.text()
    assert log_lines.text().count(logs.REDACTED) >= 3


@pytest.mark.parametrize("param", ["token", "secret", "password", "key", "api_key", "signature"])
def test_a_secret_query_parameter_is_redacted(log_lines, param):
    logs.structlog.get_logger("t").info("request_finished", request=f"GET /x/?a=1&{param}=hunter2&b=2")

    assert log_lines()[0]["request"] == f"GET /x/?a=1&{param}={logs.REDACTED}&b=2"


def test_no_secret_setting_or_credential_header_reaches_a_request_s_lines(client, log_lines, settings):
    settings.METRICS_TOKEN = "m3tr1cs-" + uuid.uuid4().hex

    client.get(
        "/metrics",
        HTTP_AUTHORIZATION=f"Bearer {settings.METRICS_TOKEN}",
        HTTP_COOKIE="sessionid=c00kie-value",
    )

    text = log_lines.text()
    assert _finished(log_lines())["code"] == 200
    for secret in (settings.METRICS_TOKEN, settings.SECRET_KEY, "c00kie-value"):
        assert not re.search(re.escape(secret), text)


# ------------------------------------------------------------------ rows that keep the request id

ACTOR_ROWS = sorted((m for m in apps.get_models() if any(f.name == "actor" for f in m._meta.get_fields())), key=str)


def test_every_row_that_records_an_actor_and_every_money_or_outbox_row_keeps_the_request_id():
    """Generated from the model registry: a new event or audit model (a row with an actor) is covered."""
    rows = {*ACTOR_ROWS, LedgerTransaction, OutboxMessage}

    assert {AuditLog, OrderEvent, CollaborationEvent} <= set(ACTOR_ROWS)
    assert {m._meta.label: m._meta.get_field("request_id").default for m in rows} == {
        m._meta.label: logs.current_request_id for m in rows
    }


def test_a_row_written_outside_any_request_or_task_has_no_request_id():
    assert logs.current_request_id() == ""

    row = AuditLog.objects.create(action="t", object_type="t", object_id="1")

    assert row.request_id == ""
