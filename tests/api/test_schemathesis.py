"""Fuzzing the API from its committed schema (docs/openapi.yaml) with schemathesis, in-process.

Every operation of the committed schema runs through the Django WSGI app as a brand owner, as a
creator and with no token, on a world of real objects (tests/api/tenants.py): path parameters are
drawn from the ids of both tenants' objects (so another tenant's ids are fuzzed too) as well as from
whatever schemathesis generates. Each example is rolled back, so every example sees the same world.
The checks: no 5xx, every status code documented, bodies and headers as the schema says, and
schema-invalid (negative) data rejected with a 4xx.

Schema-valid (positive) data is judged by ``valid_data_refused_only_for_meaning`` instead of
schemathesis's ``positive_data_acceptance``: the schema must describe every *shape* the server accepts,
and the server may refuse a well-shaped request only for what it *means*. So a positive request may get
2xx, 401/403 (who is asking), 404 (another tenant's or no object), 409 (the object's state), 412 (a
stale If-Match), 422 only as ``idempotency_conflict`` (a key reused for another request) and 429
(throttled); a 400 passes only with our error body (code ``invalid``, ``domain_error`` or the
directory's ``invalid_cursor``) and no message of the shape kind (``SHAPE_MESSAGES``: a wrong type, a
missing field, a length, a range or a choice the schema should have said). What passes as 400 is meaning
the schema cannot state: unknown label / category / creator ids, dates that must lie ahead of today, the
payout minimum and balance, a format given twice; and one rule the API states once for all text rather
than on every field: no NUL characters (NULs are still generated, so one that slips past a field shows
up as a 5xx). Everything else a schema can say (minimum, maxItems, minItems, enum, maxLength, format) is
in the schema, and a 400 for it fails.

SCHEMATHESIS_EXAMPLES (default 10) bounds the generated examples per operation and actor, on top of
the boundary cases schemathesis's coverage phase derives from the schema (dozens per test, most of
the time). 64 operations × 3 actors take about 3 minutes on two cores at 10, 2 minutes at 1 and 4 at
20; CI (.ci/run) sets 10 explicitly.
The committed schema must be what drf-spectacular generates now, without warnings.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest
import schemathesis
import yaml
from django.conf import settings
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode

from agencies.models import Representation
from creators.models import BlackoutPeriod, Creator
from invoices.models import Document
from orders.models import Collaboration, Deliverable, Dispute, Order
from tests.api.tenants import committed_world

SCHEMA_FILE = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))
ACTORS = ("brand", "creator", "agency", "anonymous")

# Statuses a schema-valid request may get whatever it carries: who asks, which object, its state, throttling.
NOT_ABOUT_THE_DATA = {401, 403, 404, 409, 412, 429}
# The codes of a 400 that may be about meaning: a field error, a domain rule, a cursor we did not make.
MEANING_CODES = ("invalid", "domain_error", "invalid_cursor")
# DRF's and our fields' messages for what a schema states (type, presence, length, range, choice, format):
# a schema-valid request refused with one of these means the schema left a shape out.
SHAPE_MESSAGES = (
    "This field is required",
    "This field may not be null",
    "This field may not be blank",
    "A valid integer is required",
    "A valid number is required",
    "Not a valid string",
    "Must be a valid boolean",
    "Must be a valid UUID",
    "Expected a list of items",
    "Expected a dictionary of items",
    "Invalid data. Expected a dictionary",
    "This list may not be empty",
    "This dictionary may not be empty",
    "Ensure this field has no more than",
    "Ensure this field has at least",
    "Ensure this value is less than or equal to",
    "Ensure this value is greater than or equal to",
    "Ensure that there are no more than",
    "is not a valid choice",
    "Select a valid choice",
    "has wrong format",
    "Enter a valid",
    "does not match the required pattern",
    "String value too large",
    # marketplace.core.api.fields and the views' own parameter checks
    "Send a JSON integer",
    "Send the amount as a JSON integer",
    "The amount must be more than zero",
    "That amount is too large",
    "Send a finite JSON number",
    "Send true or false",
    "Send a JSON string",
    "Give an IAB id as a string",
    "Give this parameter once",
    "whole number",
    "Send an Idempotency-Key header",
    "Give a value, or leave the parameter out",
    "creator ids separated by commas",
    "Unknown field",  # marketplace.core.api.fields.RequestSerializer: the schema says additionalProperties: false
)


def _messages(body: dict) -> list[str]:
    errors = body.get("errors") if isinstance(body.get("errors"), dict) else {}
    found = [str(body.get("detail", ""))]
    for value in errors.values():
        found += [str(m) for m in value] if isinstance(value, list) else [str(value)]
    return found


@schemathesis.check
def valid_data_refused_only_for_meaning(ctx, response, case):
    """Schema-valid data: anything but 2xx and the statuses in NOT_ABOUT_THE_DATA must be a 400 about meaning."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    status = response.status_code
    if status < 400 or status >= 500 or status in NOT_ABOUT_THE_DATA:
        return None  # 5xx: not_a_server_error's business
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise AssertionError(f"Schema-valid request refused with {status} and no error body")
    code = body.get("code")
    if status == 422 and code == "idempotency_conflict":
        return None
    if status != 400 or code not in MEANING_CODES:
        raise AssertionError(f"Schema-valid request refused with {status} ({code}): {body}")
    shape = [m for m in _messages(body) if any(fragment in m for fragment in SHAPE_MESSAGES)]
    if shape:
        raise AssertionError(
            "Schema-valid request refused for its shape; say it in the schema: " + "; ".join(shape[:3])
        )
    return None


schema = schemathesis.openapi.from_path(SCHEMA_FILE)
schema.app = get_wsgi_application()
schema.config.generation.update(
    max_examples=EXAMPLES, modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], database="none"
)
# Replaced by valid_data_refused_only_for_meaning (see above); every other check stays on.
schema.config.checks.update(excluded_check_names=["positive_data_acceptance"])

# Real ids per kind of path, read from the world when a test starts (generation runs inside the test).
REAL: dict[str, list] = {}


# Where a path takes an id of a kind the world has: the prefix, and the kind's key in REAL.
REAL_PREFIXES = (
    ("/api/v1/orders/{id}", "orders"),
    ("/api/v1/collaborations/{id}", "collaborations"),
    ("/api/v1/files/{id}", "files"),
    ("/api/v1/disputes/{id}", "disputes"),
    ("/api/v1/creator/blackouts/{id}", "blackouts"),
    ("/api/v1/documents/{id}", "documents"),
    ("/api/v1/creators/{handle}", "handles"),
    ("/api/v1/representations/{id}", "representations"),
)


def _real_values(path: str) -> list:
    for prefix, key in REAL_PREFIXES:
        if path.startswith(prefix):
            return REAL.get(key, [])
    return []


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the time, a real object's id (either tenant's) instead of the generated one, when that one is valid."""
    values = _real_values(context.operation.path)
    if not values or not path_parameters or len(path_parameters) != 1:
        return st.just(path_parameters)
    (name,) = path_parameters
    generated = path_parameters[name]
    if name == "id" and not (type(generated) is int and generated >= 1):
        return st.just(path_parameters)
    if name == "handle" and not isinstance(generated, str):
        return st.just(path_parameters)
    return st.one_of(st.just(path_parameters), st.sampled_from(values).map(lambda v: {name: v}))


@pytest.fixture(scope="module", autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes the database connection around each request; the test's transaction must live
    on (Django's test client disconnects the same handler while it serves a request)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker, tmp_path_factory):
    with committed_world(django_db_blocker, tmp_path_factory.mktemp("fuzz")) as world:
        with django_db_blocker.unblock():
            REAL.update(
                orders=list(Order.objects.values_list("pk", flat=True)),
                collaborations=list(Collaboration.objects.values_list("pk", flat=True)),
                files=list(Deliverable.objects.values_list("pk", flat=True)),
                disputes=list(Dispute.objects.values_list("pk", flat=True)),
                blackouts=list(BlackoutPeriod.objects.values_list("pk", flat=True)),
                handles=list(Creator.objects.values_list("handle", flat=True)),
                documents=list(Document.objects.values_list("pk", flat=True)),
                representations=list(Representation.objects.values_list("pk", flat=True)),
            )
        yield world
        REAL.clear()


def _headers(world, actor: str) -> dict:
    side = world.sides["A"]
    user = {"brand": side.owner, "creator": side.creator.user, "agency": side.agency}.get(actor)
    return {"Authorization": f"Token {world.token_text[user.pk]}"} if user else {}


@pytest.fixture(scope="module")
def _tally(request):
    """Requests sent per actor and status class; the total is printed once the module has run."""
    counts = Counter()
    yield counts
    by_actor = ", ".join(f"{actor} {sum(n for (a, _), n in counts.items() if a == actor)}" for actor in ACTORS)
    classes = ", ".join(f"{c}xx {sum(n for (_, k), n in counts.items() if k == c)}" for c in (2, 4, 5))
    operations = len(list(schema.get_all_operations()))
    # Teardown output is captured like a test's; print past the capture, as the isolation matrix does.
    with request.config.pluginmanager.get_plugin("capturemanager").global_and_fixture_disabled():
        print(
            f"\nschemathesis: {sum(counts.values())} requests ({by_actor}; {classes}) over {operations} operations, "
            f"{EXAMPLES} generated examples per operation × actor"
        )


@pytest.mark.parametrize("actor", ACTORS)
@schema.parametrize()
# Each example runs in its own rolled-back savepoint of the test's transaction, so sharing ``db`` is safe.
@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
def test_every_operation_keeps_to_its_schema(case, actor, fuzz_world, db, _tally):
    headers = _headers(fuzz_world, actor)

    with transaction.atomic():
        response = case.call(headers=headers)
        _tally[actor, response.status_code // 100] += 1
        case.validate_response(response, headers=headers, transport_kwargs={"app": schema.app, "headers": headers})
        transaction.set_rollback(True)


def test_every_kind_of_real_id_the_fuzzer_mixes_in_names_paths_of_the_schema():
    # The prefixes once said "{pk}" where the schema says "{id}": the hook never mixed a real id in.
    paths = yaml.safe_load(SCHEMA_FILE.read_text())["paths"]

    unused = [prefix for prefix, _key in REAL_PREFIXES if not any(path.startswith(prefix) for path in paths)]

    assert unused == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/orders/{id}/",
        "/api/v1/collaborations/{id}/",
        "/api/v1/files/{id}/",
        "/api/v1/documents/{id}/",
        "/api/v1/creators/{handle}/",
    ],
)
def test_every_real_object_s_page_keeps_to_its_schema_for_every_actor(path, fuzz_world, db):
    """The fuzzer meets a real object only by chance; here each one is read by each actor (an application's
    first event, whose old status is "", broke the schema and showed only when the fuzzer drew its id)."""
    operation = schema[path]["GET"]
    name = "handle" if "{handle}" in path else "id"
    for actor in ACTORS:
        headers = _headers(fuzz_world, actor)
        for value in _real_values(path):
            case = operation.Case(path_parameters={name: value})
            with transaction.atomic():
                response = case.call(headers=headers)
                case.validate_response(
                    response, headers=headers, transport_kwargs={"app": schema.app, "headers": headers}
                )
                transaction.set_rollback(True)


def test_the_committed_schema_is_what_the_code_generates(tmp_path):
    fresh = tmp_path / "openapi.yaml"

    call_command("spectacular", "--file", str(fresh), "--validate", "--fail-on-warn")

    assert fresh.read_text() == SCHEMA_FILE.read_text(), (
        "docs/openapi.yaml is out of date: run `.venv/bin/python manage.py spectacular --file docs/openapi.yaml "
        "--validate --fail-on-warn` and commit it"
    )


class _Response:
    def __init__(self, status_code: int, body: dict) -> None:
        self.status_code, self._body = status_code, body

    def json(self) -> dict:
        return self._body


def _positive_case():
    return SimpleNamespace(meta=SimpleNamespace(generation=SimpleNamespace(mode=GenerationMode.POSITIVE)))


@pytest.mark.parametrize(
    ("status", "body", "passes"),
    [
        (
            400,
            {"code": "invalid", "detail": "Some fields are not valid.", "errors": {"labels": ["Unknown labels: 9."]}},
            True,
        ),
        (400, {"code": "domain_error", "detail": "The smallest payout is CNY 100.00.", "errors": {}}, True),
        (409, {"code": "conflict", "detail": "Only draft orders can be edited.", "errors": {}}, True),
        (
            400,
            {"code": "invalid", "detail": "x", "errors": {"prices": ["Ensure this field has at least 1 elements."]}},
            False,
        ),
        (400, {"code": "invalid", "detail": "x", "errors": {"title": ["This field may not be blank."]}}, False),
        (400, {"code": "parse_error", "detail": "JSON parse error", "errors": {}}, False),
        (415, {"code": "unsupported_media_type", "detail": "x", "errors": {}}, False),
    ],
)
def test_valid_data_may_be_refused_for_its_meaning_but_not_for_its_shape(status, body, passes):
    check = valid_data_refused_only_for_meaning

    if passes:
        assert check(None, _Response(status, body), _positive_case()) is None
    else:
        with pytest.raises(AssertionError):
            check(None, _Response(status, body), _positive_case())


@pytest.mark.parametrize("phase", [None, "examples", "coverage", "fuzzing"])
def test_the_meaning_check_replaces_positive_data_acceptance_and_the_other_checks_stay_on(phase):
    config = schema.config.checks_config_for(operation=next(schema.get_all_operations()).ok(), phase=phase)

    assert not config.positive_data_acceptance.enabled
    assert config.get_by_name(name="valid_data_refused_only_for_meaning").enabled
    assert config.not_a_server_error.enabled and config.negative_data_rejection.enabled
    assert config.response_schema_conformance.enabled and config.status_code_conformance.enabled
