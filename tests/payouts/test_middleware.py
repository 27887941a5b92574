"""RequestIdMiddleware: every response names its request, and audit rows written while handling it carry the id."""

import uuid

import pytest
from django.urls import reverse

from marketplace.core.logs import current_request_id
from marketplace.core.models import AuditLog
from tests.factories import MembershipFactory
from tests.payouts.conftest import new_key

pytestmark = pytest.mark.django_db


def test_a_request_without_an_id_gets_a_new_uuid4_in_the_response(client):
    response = client.get(reverse("login"))

    assert uuid.UUID(response["X-Request-ID"]).version == 4


def test_each_request_gets_its_own_id(client):
    first = client.get(reverse("login"))["X-Request-ID"]

    second = client.get(reverse("login"))["X-Request-ID"]

    assert first != second


def test_the_callers_request_id_is_kept_and_returned(client):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID="lb-7f3a.42:1")

    assert response["X-Request-ID"] == "lb-7f3a.42:1"


@pytest.mark.parametrize("bad", ["x" * 65, "two words", "id\r\nSet-Cookie: a=b", "<script>", "ünïcode"])
def test_an_unsafe_request_id_is_replaced_by_a_new_one(client, bad):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID=bad)

    assert uuid.UUID(response["X-Request-ID"]).version == 4


def test_audit_rows_written_during_the_request_carry_its_id(client):
    owner = MembershipFactory(role="owner")
    client.force_login(owner.user)

    response = client.post(
        reverse("payouts:wallet_topup"),
        {"amount": "50", "idempotency_key": new_key()},
        HTTP_X_REQUEST_ID="req-topup-1",
    )

    assert response.status_code == 302
    rows = AuditLog.objects.filter(action="money.topup")
    assert [row.request_id for row in rows] == ["req-topup-1"]


def test_the_request_id_is_cleared_after_the_response(client):
    client.get(reverse("login"), HTTP_X_REQUEST_ID="req-done")

    assert current_request_id() == ""
