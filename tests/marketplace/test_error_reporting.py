"""Optional Sentry reporting (issue 14, operating it): off without SENTRY_DSN; with it, an unhandled error of a
request is sent once, tagged with the request's id, and without the caller's personal data."""

import pytest
import sentry_sdk
from django.test import Client
from django.urls import path
from sentry_sdk.transport import Transport

from marketplace.core.error_reporting import init_sentry
from marketplace.urls import urlpatterns as site_urls


def _broken(request):
    raise RuntimeError("the view broke")


urlpatterns = [path("broken/", _broken), *site_urls]


class Capture(Transport):
    """A Sentry transport that keeps what it was given instead of sending it."""

    def __init__(self, options=None):
        super().__init__(options)
        self.events = []

    def capture_envelope(self, envelope):
        self.events += [item.payload.json for item in envelope.items if item.headers.get("type") == "event"]

    def flush(self, *args, **kwargs):
        pass

    def kill(self):
        pass

    def is_healthy(self):
        return True

    def record_lost_event(self, *args, **kwargs):
        pass


@pytest.fixture
def reported(settings):
    settings.ROOT_URLCONF = __name__
    transport = Capture()
    assert init_sentry("https://public@errors.example/1", environment="test", transport=transport)
    yield transport
    sentry_sdk.init()  # no DSN: nothing is sent by later tests


def test_without_a_dsn_nothing_is_started():
    assert init_sentry("", environment="test") is False


@pytest.mark.django_db
def test_an_unhandled_error_is_reported_once_with_the_request_id_and_no_personal_data(reported, django_user_model):
    user = django_user_model.objects.create_user(email="someone@example.test", password="pw-123456789")
    client = Client(raise_request_exception=False)
    client.force_login(user)

    response = client.get("/broken/", HTTP_X_REQUEST_ID="req-4242", HTTP_COOKIE="sessionid=secret")
    sentry_sdk.flush()

    assert response.status_code == 500
    (event,) = reported.events
    assert event["exception"]["values"][-1]["value"] == "the view broke"
    assert event["tags"]["request_id"] == "req-4242"
    assert "someone@example.test" not in str(event) and "secret" not in str(event)
