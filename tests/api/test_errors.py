"""Every error an API caller can get has the API's JSON body, also those Django answers before DRF runs."""

import json

import pytest
from django.middleware.csrf import _get_failure_view
from django.test import RequestFactory
from django.urls import get_resolver, reverse
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


def _server_error(monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("marketplace.api.me.MeApi.get", boom)
    api = api_for(UserFactory())
    api.raise_request_exception = False
    return api.get("/api/v1/me/")


CASES = {
    "a JSON body over the size limit": (_json_order_too_big, 400, "request_too_large"),
    "a multipart field over the size limit": (_multipart_field_too_big, 400, "request_too_large"),
    "more form fields than allowed": (_multipart_too_many_fields, 400, "too_many_fields"),
    "a Host header the site does not serve": (_foreign_host, 400, "disallowed_host"),
    "a URL that matches nothing": (_no_such_url, 404, "not_found"),
    "a method the operation does not have": (_wrong_method, 405, "method_not_allowed"),
    "a session POST without its CSRF token": (_session_post_without_csrf, 403, "permission_denied"),
    "a server error": (_server_error, 500, "server_error"),
}


@pytest.mark.parametrize("case", CASES)
def test_every_error_on_the_api_has_the_json_error_body(case, small_limits, monkeypatch):
    make, status, code = CASES[case]

    response = make(monkeypatch) if make is _server_error else make()

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert set(body) == {"code", "detail", "errors"} and body["code"] == code and body["detail"]


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
