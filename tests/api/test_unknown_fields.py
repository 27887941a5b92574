"""A field the API does not know is a 400 naming it, never silently dropped.

``{"amount_minor": 100000, "currency": "USD"}`` on a top-up was charged 1,000.00 in CNY: the API read
what it knew and ignored the rest. Every request body now refuses a field it does not take, and the
schema says so (``additionalProperties: false``).
"""

import pytest
from django.urls import get_resolver
from drf_spectacular.generators import SchemaGenerator

from marketplace.core.api.fields import RequestSerializer
from orders.models import Collaboration, Dispute, Order
from payouts.models import Payout, TopUp
from tests.api.clients import api_for
from tests.api.test_deals import PRICE, make_world, url
from tests.api.test_orders import brief
from tests.orders.conftest import deal_in, key

pytestmark = pytest.mark.django_db
S = Collaboration.Status


@pytest.fixture
def world():
    return make_world()


def test_a_top_up_in_another_currency_is_refused_naming_the_field(world):
    brand = api_for(world["owner"])
    before = TopUp.objects.count()

    response = brand.post(
        url("wallet-topup"), {"amount_minor": 100_000, "currency": "USD"}, format="json", HTTP_IDEMPOTENCY_KEY=key()
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"currency": ["Unknown field: this request does not take it."]}
    assert TopUp.objects.count() == before


def test_a_payout_with_a_field_it_does_not_take_is_refused(world):
    c = deal_in(world, S.SETTLED, creator=world["creator"])

    response = api_for(c.creator.user).post(
        url("payout-list"), {"amount_minor": 10_000, "to_account": "x"}, format="json", HTTP_IDEMPOTENCY_KEY=key()
    )

    assert response.status_code == 400 and list(response.json()["errors"]) == ["to_account"]
    assert not Payout.objects.exists()


def test_an_offer_at_a_price_of_the_brands_choosing_is_refused(world):
    response = api_for(world["owner"]).post(
        url("offer-create", world["order"].pk),
        {"creator": world["creator"].pk, "agreed_price_minor": 1},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key(),
    )

    assert response.status_code == 400 and list(response.json()["errors"]) == ["agreed_price_minor"]
    assert not Collaboration.objects.filter(creator=world["creator"]).exists()


def test_a_dispute_decision_with_a_misspelt_amount_is_refused(world):
    c = deal_in(world, S.DISPUTED, creator=world["creator"])

    response = api_for(world["admin"]).post(
        url("dispute-decide", c.disputes.get().pk),
        {"decision": "release", "reason": "Seen.", "creator_amount": 100},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key(),
    )

    assert response.status_code == 400 and list(response.json()["errors"]) == ["creator_amount"]
    assert c.disputes.get().status == Dispute.Status.OPEN


def test_an_unknown_field_inside_a_list_item_is_refused_too(world):
    response = api_for(world["owner"]).post(
        url("order-list"), brief(target_labels=[{"label": "1", "weight": 0.5, "colour": "red"}]), format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"target_labels": ["0: colour: Unknown field: this request does not take it."]}
    assert not Order.objects.filter(title="Summer serum launch").exists()


def test_unknown_fields_are_named_beside_the_other_field_errors(world):
    response = api_for(world["owner"]).post(
        url("wallet-topup"), {"amount_minor": "100", "currency": "USD"}, format="json", HTTP_IDEMPOTENCY_KEY=key()
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"amount_minor", "currency"}


# ---------------------------------------------------------------- the class


def _request_schemas(schema: dict):
    """(operation, schema) of every request body of every operation, nested objects included."""
    components = schema["components"]["schemas"]

    def walk(where: str, node, seen: frozenset):
        if isinstance(node, dict):
            if "$ref" in node:
                name = node["$ref"].rsplit("/", 1)[1]
                if name not in seen:
                    yield from walk(f"{where} → {name}", components[name], seen | {name})
                return
            if node.get("type") == "object" and "properties" in node:
                yield where, node
            for value in node.values():
                yield from walk(where, value, seen)
        elif isinstance(node, list):
            for value in node:
                yield from walk(where, value, seen)

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for media, body in operation.get("requestBody", {}).get("content", {}).items():
                yield from walk(f"{method.upper()} {path} ({media})", body["schema"], frozenset())


def test_every_request_body_of_the_api_refuses_fields_it_does_not_take():
    schema = SchemaGenerator().get_schema(public=True)

    bodies = list(_request_schemas(schema))

    assert len({where.split(" (")[0] for where, _node in bodies}) >= 30
    open_bodies = [where for where, node in bodies if node.get("additionalProperties") is not False]
    assert open_bodies == []


def test_every_request_serializer_names_an_unknown_field():
    get_resolver().url_patterns  # noqa: B018 - imports every API module
    found = _subclasses(RequestSerializer)

    assert len(found) >= 20
    for serializer_class in found:
        for partial in (False, True):
            serializer = serializer_class(data={"surplus_field": 1}, partial=partial)
            assert not serializer.is_valid(), serializer_class
            assert "surplus_field" in serializer.errors, serializer_class


def _subclasses(cls) -> set[type]:
    direct = set(cls.__subclasses__())
    return direct.union(*(_subclasses(sub) for sub in direct))


def test_a_known_body_still_goes_through(world):
    response = api_for(world["owner"]).post(
        url("wallet-topup"), {"amount_minor": PRICE}, format="json", HTTP_IDEMPOTENCY_KEY=key()
    )

    assert response.status_code == 201
