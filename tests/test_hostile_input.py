"""Hostile input on every route of the URL conf: whoever asks, whatever they send, never a 5xx.

Every page, htmx endpoint, API operation and Django admin view (changelists, search boxes, forms) is
taken from the URL resolver, so a route added later is fuzzed as soon as it exists; a route with path
parameters must have sample arguments (tests/routes.py) or the first test fails.

For each route, method and role (anonymous, a brand owner, a creator, staff), a first request with the
sample's good values records what the view reads: every key it looks up in the query string or form
body (``QueryDict``), every top-level key of a JSON body, and the htmx headers it asks about. Then every
hostile value goes to every parameter read, in the query string and in the form or JSON body: request
*i* gives parameter *j* value *i + j* (a Latin square, as many requests as values), with ``HX-Request``
on every other request when the view looks at it (on all of them again when htmx changes what it reads).
A value that a parameter never got read with, because the view refused another parameter first, is
sent again with the others at their good values (half of them at a time, down to one, while they still
refuse one another) until the view reads it and gets as far as drawing its answer (a page, or a form's
or serializer's field errors). API operations also get whole hostile JSON bodies. The Django admin's
changelists read their ordering, error flag and filter parameters without QueryDict look-ups, so each
filter's parameters get every value on their own, with the others absent.

A caller answered exactly like one already swept by the same code (another role, another method, the
same Django admin view of another model with the same search and filters: same status and templates,
same parameters read) takes the same path through the view and is not swept again; a role turned away
before the view reads anything gets one request. Each request runs in a savepoint that is rolled back,
so every request sees the same world. The three families print their number of requests and seconds.
"""

from __future__ import annotations

import base64
import functools
import inspect
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from django.contrib.admin.views import main as changelist
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest
from django.test import RequestFactory, override_settings
from rest_framework.views import APIView

from brands.models import BrandBlock
from creators.models import CreatorLabel
from marketplace.core.models import Label, OutboxMessage, ProductCategory, ProductInterestPrior, User
from matching.models import MatcherModel
from orders.models import OrderEvent
from tests.api.tenants import World, committed_world
from tests.routes import (
    READS,
    SAMPLES,
    Callers,
    Reads,
    Route,
    Sample,
    all_routes,
    course_sample,
    recording,
    samples_for,
)

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------ the values


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _b64url(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


NESTED = "[" * 1000 + "]" * 1000  # about 2 KB


@dataclass(frozen=True)
class Value:
    """One hostile value: as percent-encoded text for query strings and form bodies, and as raw JSON."""

    name: str
    form: str | None
    json: str


def _text(name: str, text: str) -> Value:
    return Value(name, quote(text, safe=""), json.dumps(text))


VALUES = [
    # NUL, and a lone surrogate (in a URL or form, as its UTF-8-encoded bytes, which Django reads as U+FFFD).
    Value("NUL and a lone surrogate", "a%00b%ED%A0%80", json.dumps("a\x00b")),
    # In JSON, a lone surrogate is an escape that json.loads takes as it is.
    Value("lone surrogate", None, '"\\ud800"'),
    # str.isdigit() accepts it; int() does not.
    _text("superscript two", "²"),
    # Beyond Python's 4,300-digit limit for int(text).
    _text("5,000 digits", "9" * 5000),
    # int() takes it, float() overflows, no database column holds it (and a huge page size).
    Value("400 digits", "9" * 400, "9" * 400),
    Value("1e999", "1e999", "1e999"),
    Value("nested JSON", quote(NESTED, safe=""), NESTED),
]
# Garbage cursors, for the parameters named cursor (to any other they are text like any other): DRF's
# (base64 of o=&r=&p=) with a position that is not a number, and the directory's (base64url of
# [sort, key, id]) nested or with a key too large for a float. Huge page sizes are the long numbers above.
CURSORS = [
    _text("cursor p=1e999", _b64("p=1e999")),
    _text("directory cursor, nested", _b64url('["index_reach",' + NESTED + ",1]")),
    _text("directory cursor, 400 digits", _b64url('["followers",' + "9" * 400 + ",1]")),
]


def values_for(key: str, *, json_body: bool) -> list[Value]:
    values = [v for v in VALUES if json_body or v.form is not None]
    return values + CURSORS if "cursor" in key.lower() else values


# Whole JSON bodies: nesting past the parser's recursion limit, and a number past the digit limit.
JSON_BODIES = {"nested JSON body": NESTED, "5,000-digit number": '{"x": ' + "9" * 5000 + "}"}

ROLES = ("anonymous", "owner", "creator", "staff")
# Answers that turn a caller away (to the login page, forbidden, missing, wrong method, not signed in).
REFUSALS = {302, 401, 403, 404, 405}
# 5xx answers a route gives by design: readiness is 503 while a dependency is missing (here: the snapshot).
DESIGNED = {"readyz": {503}}
ACTOR = {"anonymous": "anon", "owner": "owner", "creator": "creator", "staff": "admin"}


ERROR_PAGES = {"400.html", "403.html", "404.html", "500.html"}


def _field_errors(content: bytes) -> bool:
    """An API error body that names fields: a serializer checked every field it was given."""
    try:
        body = json.loads(content)
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("errors"), dict) and bool(body["errors"])


def _encode_form(values: dict[str, str]) -> str:
    return "&".join(f"{quote(k, safe='')}={v}" for k, v in values.items())


def _good_form(values: dict) -> dict[str, str]:
    out = {}
    for key, value in values.items():
        items = value if isinstance(value, list) else [value]
        out[key] = quote(str(items[0]) if items else "", safe="")
    return out


def _encode_json(values: dict[str, str]) -> str:
    return "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in values.items()) + "}"


def methods_of(route: Route) -> list[str]:
    if route.is_api:
        cls = route.view.view_class
        assert issubclass(cls, APIView), f"{cls} is not a DRF view"
        return [m.upper() for m in cls.http_method_names if m not in ("head", "options", "trace") and hasattr(cls, m)]
    return ["GET", "POST"]


def same_code(route: Route, units: list) -> tuple:
    """What decides how a view handles its parameters: its function (Django's admin runs the same method for
    every model), and for a changelist also its search and filters."""
    view = inspect.unwrap(route.view)
    code = getattr(route.view, "view_class", None) or getattr(view, "__func__", view)
    admin = route.model_admin
    if admin is None or not route.name.endswith("_changelist"):
        return (code,)
    return (code, type(admin).get_search_results, tuple(admin.search_fields), tuple(units))


def admin_changelist_units(route: Route, w: World) -> list[tuple[str, ...]]:
    """What a changelist reads without QueryDict look-ups (so no sweep can tell whether it read them): the
    ordering, the error flag, and each filter's parameters (one filter's together). Filters refuse one
    another's bad values before the search runs, so each is sent on its own."""
    if route.model_admin is None or not route.name.endswith("_changelist"):
        return []
    request = RequestFactory().get("/")
    request.user = w.admin
    specs = route.model_admin.get_changelist_instance(request).filter_specs
    return [(changelist.ORDER_VAR,), (changelist.ERROR_FLAG,)] + [tuple(s.expected_parameters()) for s in specs]


@dataclass
class Sweep:
    callers: Callers
    monkeypatch: pytest.MonkeyPatch
    requests: int = 0
    failures: dict = field(default_factory=dict)
    answered: set = field(default_factory=set)

    def call(self, role, *, method, route, url, query: dict, body, json_body: bool, htmx: bool, what: str) -> Reads:
        """Send one request (rolled back afterwards); a 5xx or an exception is a failure. Returns what it read."""
        READS.append(Reads())
        self.requests += 1
        encoded = body if isinstance(body, str) else (_encode_json if json_body else _encode_form)(body)
        try:
            with transaction.atomic():
                content_type = "application/json" if json_body else "application/x-www-form-urlencoded"
                headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
                response = self.callers.send(
                    role,
                    method,
                    url,
                    _encode_form(query),
                    encoded,
                    content_type=content_type,
                    api=route.is_api,
                    **headers,
                )
                transaction.set_rollback(True)
            content = b"".join(response.streaming_content) if response.streaming else response.content
            templates = tuple(t.name for t in getattr(response, "templates", []) or [])
            READS[-1].answer = (response.status_code, templates)
            READS[-1].drawn = response.status_code < 400 or bool(set(templates) - ERROR_PAGES) or _field_errors(content)
            if response.status_code >= 500 and response.status_code not in DESIGNED.get(route.name, ()):
                self._fail(route, f"{method} as {role} {what}: {response.status_code} {content[:200]!r}")
        except Exception as exc:  # every server error is a finding, reported with its request
            self._fail(route, f"{method} as {role} {what}: {type(exc).__name__}: {str(exc)[:200]}")
        finally:
            reads = READS.pop()
        return reads

    def _fail(self, route: Route, message: str) -> None:
        self.failures.setdefault(route.name, []).append(message)

    def route(self, w: World, route: Route) -> None:
        reads_sent = set()
        for sample in samples_for(route) or []:
            url = route.url(sample.kwargs(w))
            for method in methods_of(route):
                # Samples that differ only in their bodies ask the same with GET.
                request = (url, method, repr(sample.query(w)), repr(sample.body(w)) if method != "GET" else "")
                if request not in reads_sent:
                    reads_sent.add(request)
                    self._method(w, route, url, method, sample)

    def _method(self, w: World, route: Route, url: str, method: str, sample: Sample) -> None:
        json_body = route.is_api and method != "GET"
        query, body = _good_form(sample.query(w)), sample.body(w)
        body = {k: json.dumps(v) for k, v in body.items()} if json_body else _good_form(body)
        send = functools.partial(self.call, method=method, route=route, url=url, json_body=json_body)
        with recording(self.monkeypatch):
            reads = {}
            for role in ROLES:
                reads[role] = send(role, query=query, body=body, htmx=False, what="with the sample")
                if reads[role].htmx:
                    reads[role].htmx_keys = send(role, query=query, body=body, htmx=True, what="and htmx").keys
            units = admin_changelist_units(route, w) if method == "GET" else []
            alone = {name for unit in units for name in unit}
            sent = set(query) | (set(body) if method != "GET" else set())
            keys = sorted((set().union(*(r.keys | r.htmx_keys for r in reads.values())) | sent) - alone)
            # With htmx on every other request; or every request twice when htmx changes what the view reads.
            twice = any(r.htmx and r.htmx_keys != r.keys for r in reads.values())
            alternate = any(r.htmx for r in reads.values()) and not twice
            values = {key: values_for(key, json_body=json_body) for key in keys}
            rounds = max((len(v) for v in values.values()), default=1)
            code = same_code(route, units)
            for role in ROLES:
                # A caller answered like one already swept by the same code (another role, another method, the
                # same Django admin view of another model), with the same status and templates after reading the
                # same parameters, takes the same path through it: it is not swept again.
                alike = (code, reads[role].answer, frozenset(reads[role].keys), frozenset(reads[role].htmx_keys))
                if alike in self.answered:
                    continue
                self.answered.add(alike)
                # A role turned away before the view read anything gets one request; every other role all values.
                read = reads[role].keys | reads[role].htmx_keys
                turned_away = reads[role].answer[0] in REFUSALS and not read
                for htmx in (False, True) if twice else (None,):
                    seen = (reads[role].htmx_keys if htmx else reads[role].keys) if twice else read
                    hostile = Hostile(send, role, query, body, keys, values, json_body, htmx, alternate)
                    hostile.square(rounds=1 if turned_away else rounds, seen=seen)
                    hostile.unmask()
                for unit in [] if turned_away else units:
                    for value in values_for(unit[0], json_body=False):
                        given = {**query, **dict.fromkeys(unit, value.form)}
                        send(role, query=given, body={}, htmx=False, what=f"with {', '.join(unit)}={value.name}")
                if json_body:
                    for name, raw in JSON_BODIES.items():
                        send(role, query={}, body=raw, htmx=False, what=f"with a {name}")


@dataclass
class Hostile:
    """The hostile requests for one role on one route and method."""

    send: Callable
    role: str
    query: dict
    body: dict
    keys: list[str]
    values: dict[str, list[Value]]  # per parameter
    json_body: bool
    htmx: bool | None  # None: on every other request (when the view looks at it at all)
    alternate: bool
    pending: set = field(default_factory=set)  # (parameter, value) pairs the view has not read yet

    def square(self, *, rounds: int, seen: set[str]) -> None:
        """Request i gives parameter j its value i + j: every parameter gets every value once.

        A parameter the view did not read in that request (another one was refused first) stays pending.
        """
        self.pending = {(k, v.name) for k in seen for v in self.values[k]}
        for shift in range(rounds):
            given = {k: self.values[k][(shift + j) % len(self.values[k])] for j, k in enumerate(self.keys)}
            self._send(given, htmx=self.htmx if self.htmx is not None else self.alternate and shift % 2 == 1)

    def unmask(self) -> None:
        """Each pending value again, to the parameters still waiting for it, the others at their good values;
        when those refuse one another too, half of them at a time, down to one."""
        for name in sorted({name for _k, name in self.pending}):
            self._unmask([k for k, n in sorted(self.pending) if n == name], name)

    def _unmask(self, keys: list[str], name: str) -> None:
        self._send({k: next(v for v in self.values[k] if v.name == name) for k in keys}, htmx=bool(self.htmx))
        waiting = [k for k in keys if (k, name) in self.pending]
        if len(waiting) < len(keys):
            if waiting:
                self._unmask(waiting, name)
        elif len(keys) > 1:
            half = len(keys) // 2
            self._unmask(keys[:half], name)
            self._unmask(keys[half:], name)

    def _send(self, given: dict[str, Value], *, htmx: bool) -> None:
        query = {**self.query, **{k: v.form for k, v in given.items() if v.form is not None}}
        body = {**self.body, **{k: (v.json if self.json_body else v.form) for k, v in given.items()}}
        what = "with " + ", ".join(f"{k}={v.name}" for k, v in given.items()) + (" and htmx" if htmx else "")
        answer = self.send(self.role, query=query, body=body, htmx=htmx, what=what)
        # A parameter was tried when the view read it and got as far as drawing its answer (a page, or a form or
        # serializer's field errors); a refusal before that may have come from another parameter.
        read = answer.keys if answer.drawn else set()
        covered = {(k, v.name) for k, v in given.items() if k in read} & self.pending
        self.pending -= covered


# ------------------------------------------------------------------ the world and the tests


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with committed_world(django_db_blocker, tmp_path_factory.mktemp("hostile")) as built:
        with django_db_blocker.unblock():
            User.objects.filter(pk=built.admin.pk).update(is_superuser=True)
            built.admin.is_superuser = True
            # Checking a password hashed the production way takes a third of a second; the sweep checks hundreds.
            # A queryset update, not set_password(): a new password revokes the user's API tokens (docs/security.md),
            # and the sweep's API callers sign in with theirs.
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                User.objects.update(password=make_password("pw-for-tests-only"))
            # Rows for the admin's change pages of tables the world leaves empty.
            Group.objects.create(name="Editors")
            MatcherModel.objects.create(version="fuzz-1", path="models/fuzz-1")
            ProductInterestPrior.objects.create(
                product_category=ProductCategory.objects.first(), interest=Label.objects.first().interest, weight=0.5
            )
            a = built.sides["A"]
            OrderEvent.objects.create(order=a.orders["open"], old_status="draft", new_status="published", actor=a.owner)
            OutboxMessage.objects.create(topic="fuzz", payload={"order": a.orders["open"].pk})
            BrandBlock.objects.create(brand=a.brand, creator=built.neutral, reason="Not for us")
            CreatorLabel.objects.create(creator=a.creator, label=Label.objects.first(), weight=0.5)
            course_sample(built)  # the courses' pages and their admin
        yield built


def test_every_route_with_path_parameters_has_samples(world):
    missing = [route.name for route in all_routes() if samples_for(route) is None]
    stale = sorted(set(SAMPLES) - {route.name for route in all_routes()})

    assert not missing, f"Routes with no sample arguments (add them to SAMPLES): {missing}"
    assert not stale, f"Samples for routes that no longer exist: {stale}"
    empty = [r.name for r in all_routes() for sample in samples_for(r) if None in sample.kwargs(world).values()]
    assert not empty, f"Routes whose samples find no row to point at (add one to the world): {empty}"


FAMILIES = {
    "pages": lambda r: not r.is_api and not r.is_admin,
    "api": lambda r: r.is_api,
    "admin": lambda r: r.is_admin,
}


@pytest.mark.parametrize("family", FAMILIES)
def test_no_hostile_value_in_any_parameter_is_a_server_error(world, family, monkeypatch, capsys, caplog):
    caplog.set_level(logging.CRITICAL, logger="django")  # thousands of refusals would each log a warning
    sweep, started = Sweep(Callers(world, {role: ACTOR[role] for role in ROLES}), monkeypatch), time.monotonic()
    routes = [route for route in all_routes() if FAMILIES[family](route)]

    for route in routes:
        sweep.route(world, route)

    with capsys.disabled():
        print(
            f"\nhostile input ({family}): {len(routes)} routes, {sweep.requests} requests, "
            f"{time.monotonic() - started:.0f} s"
        )
    report = [
        f"{name}: {len(found)} server errors, e.g.\n    " + "\n    ".join(found[:3])
        for name, found in sweep.failures.items()
    ]
    assert not report, "\n".join(report)


@pytest.mark.parametrize("debug", [True, False])
def test_a_body_over_the_size_limit_gets_the_json_error_with_debug_on_or_off(world, settings, debug):
    """With DEBUG on (make run), Django answers a refusal raised inside a view with its debug page unless
    the API's handler answers first: a developer trying the API sees what production answers."""
    settings.DEBUG = debug
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    callers = Callers(world, {"owner": ACTOR["owner"]})

    response = callers.send(
        "owner",
        "POST",
        "/api/v1/orders/",
        "",
        json.dumps({"title": "x" * 2_000}),
        content_type="application/json",
        api=True,
    )

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["code"] == "request_too_large"


def test_every_api_operation_refuses_a_body_over_the_size_limit_with_the_json_error(world, settings, monkeypatch):
    """A JSON body over DATA_UPLOAD_MAX_MEMORY_SIZE is never read, on any API operation, by anyone: where a view
    reaches for it the answer is the API's JSON error body, 400 request_too_large; an operation that takes no
    body (publish, close, delete...) may answer as usual, having never read it; every error is the JSON body."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    reached = []
    real_body = HttpRequest.body

    def body(request):
        try:
            return real_body.fget(request)
        except RequestDataTooBig:
            reached.append(request.path)
            raise

    monkeypatch.setattr(HttpRequest, "body", property(body))
    callers = Callers(world, {role: ACTOR[role] for role in ROLES})
    payload = json.dumps({"title": "x" * 2_000, "comment": "x" * 2_000})
    failures, sent, refused = [], 0, 0
    for route in [r for r in all_routes() if r.is_api]:
        for sample in samples_for(route) or []:
            url = route.url(sample.kwargs(world))
            for method in [m for m in methods_of(route) if m != "GET"]:
                for role in ROLES:
                    reached.clear()
                    with transaction.atomic():
                        response = callers.send(
                            role, method, url, "", payload, content_type="application/json", api=True
                        )
                        transaction.set_rollback(True)
                    sent += 1
                    try:
                        error = json.loads(response.content) if response.content else None
                    except ValueError:
                        error = None
                    what = f"{method} {url} as {role}: {response.status_code}"
                    if reached:
                        refused += 1
                        if (
                            response.status_code != 400
                            or not isinstance(error, dict)
                            or error.get("code") != ("request_too_large")
                        ):
                            failures.append(f"{what}: reached for the body, answered {response.content[:120]!r}")
                    elif response.status_code >= 400 and (
                        not isinstance(error, dict) or set(error) != {"code", "detail", "errors"}
                    ):
                        failures.append(f"{what}: not the API's error body: {response.content[:120]!r}")

    assert sent > 100, "the API routes were not found"
    assert refused > 20, f"only {refused} requests reached for the body: are the callers signed in?"
    assert not failures, "\n".join(failures)
