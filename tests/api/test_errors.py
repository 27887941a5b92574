"""Every error an API caller can get has the API's JSON body, also those Django answers before DRF runs."""

import json
from pathlib import Path

import pytest
from django.db import OperationalError
from django.middleware.csrf import _get_failure_view
from django.test import RequestFactory
from django.urls import get_resolver, reverse
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIClient

from tests.api.clients import api_for
from tests.factories import CollaborationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

LIMIT = 1_000  # DATA_UPLOAD_MAX_MEMORY_SIZE in these tests, in bytes


@pytest.fixture
def small_limits(settings):
    settings.DEBUG = False
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20


def _json_order_too_big():
    api = api_for(MembershipFactory().user)
    return api.post("/api/v1/orders/", {"title": "x" * (2 * LIMIT)}, format="json")


def _multipart_field_too_big():
    c = CollaborationFactory()
    api = api_for(c.creator.user)
    return api.post(f"/api/v1/collaborations/{c.pk}/dispute/", {"reason": "x" * (2 * LIMIT)}, format="multipart")


def _multipart_too_many_fields():
    c = CollaborationFactory()
    api = api_for(c.creator.user)
    fields = {f"f{i}": "x" for i in range(50)}
    return api.post(f"/api/v1/collaborations/{c.pk}/dispute/", fields, format="multipart")


def _foreign_host():
    return api_for(UserFactory()).get("/api/v1/me/", HTTP_HOST="evil.example")


def _no_such_url():
    return api_for(UserFactory()).get("/api/v1/no-such-thing/")


def _wrong_method():
    return api_for(UserFactory()).delete("/api/v1/me/")


def _session_post_without_csrf():
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(UserFactory())
    return api.post("/api/v1/notifications/read/", {}, format="json")


def _raising(error: Exception):
    def make(monkeypatch):
        def boom(*args, **kwargs):
            raise error

        monkeypatch.setattr("marketplace.api.me.MeApi.get", boom)
        api = api_for(UserFactory())
        api.raise_request_exception = False
        return api.get("/api/v1/me/")

    return make


_server_error = _raising(RuntimeError("boom"))
# PostgreSQL or Redis unreachable: 503 with Retry-After (tests/faults/ stops the real servers).
_database_down = _raising(OperationalError("connection to server failed: Connection refused"))
_redis_down = _raising(RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."))


CASES = {
    "a JSON body over the size limit": (_json_order_too_big, 400, "request_too_large"),
    "a multipart field over the size limit": (_multipart_field_too_big, 400, "request_too_large"),
    "more form fields than allowed": (_multipart_too_many_fields, 400, "too_many_fields"),
    "a Host header the site does not serve": (_foreign_host, 400, "disallowed_host"),
    "a URL that matches nothing": (_no_such_url, 404, "not_found"),
    "a method the operation does not have": (_wrong_method, 405, "method_not_allowed"),
    "a session POST without its CSRF token": (_session_post_without_csrf, 403, "permission_denied"),
    "a server error": (_server_error, 500, "server_error"),
    "the database unreachable": (_database_down, 503, "unavailable"),
    "Redis unreachable": (_redis_down, 503, "unavailable"),
}


@pytest.mark.parametrize("case", CASES)
def test_every_error_on_the_api_has_the_json_error_body(case, small_limits, monkeypatch):
    make, status, code = CASES[case]

    raising = make in (_server_error, _database_down, _redis_down)
    response = make(monkeypatch) if raising else make()

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert set(body) == {"code", "detail", "errors"} and body["code"] == code and body["detail"]
    assert (response.get("Retry-After") == "5") == (status == 503)


def test_a_json_body_within_the_limit_is_still_read(small_limits):
    api = api_for(MembershipFactory().user)

    response = api.post("/api/v1/orders/", {"title": "x" * (LIMIT // 2)}, format="json")

    assert response.status_code == 400  # the brief is incomplete: the body was read and checked
    assert "product_name" in response.json()["errors"]


@pytest.mark.parametrize(
    ("view", "args", "status", "code"),
    [
        ("csrf_failure", {"reason": "CSRF cookie not set."}, 403, "csrf_failed"),
        ("permission_denied", {"exception": None}, 403, "permission_denied"),
        ("bad_request", {"exception": None}, 400, "bad_request"),
    ],
)
def test_the_error_views_django_calls_answer_json_under_the_api_and_html_elsewhere(view, args, status, code):
    # What Django itself calls: the CSRF failure view, or the URL conf's handler for the status.
    view = _get_failure_view() if view == "csrf_failure" else get_resolver().resolve_error_handler(status)
    api = view(RequestFactory().post("/api/v1/orders/"), **args)
    page = view(RequestFactory().post(reverse("orders:list")), **args)

    assert (api.status_code, json.loads(api.content)["code"]) == (status, code)
    assert page.status_code == status and page["Content-Type"].startswith("text/html")


def test_a_page_meeting_a_database_outage_gets_a_503_page_that_needs_no_database():
    from marketplace.views import errors

    request = RequestFactory().get("/orders/")
    try:
        raise OperationalError("connection to server failed: Connection refused")
    except OperationalError:
        response = errors.server_error(request)  # as Django calls handler500: inside the except block

    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "Briefly unavailable" in response.content.decode()


def test_no_api_view_lets_drf_write_nested_field_errors():
    # The error body promises a flat list of text per field; DRF's own raise_exception writes nested dicts
    # for list and nested fields (schemathesis found it on POST /api/v1/contests/). Every view validates
    # through marketplace.core.api.fields.validated instead.
    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for app in (
            "marketplace",
            "brands",
            "creators",
            "agencies",
            "invoices",
            "payouts",
            "orders",
            "matching",
            "insights",
            "learning",
            "programmes",
            "webhooks",
        )
        for path in (root / app).rglob("*.py")
        if "is_valid(raise_exception=True)" in path.read_text(encoding="utf-8")
    ]

    assert not offenders, f"validate with marketplace.core.api.fields.validated: {offenders}"
