"""Every route of the URL conf, and how to call each one on the two-tenant world (tests/api/tenants.py),
for the tests that walk them all: hostile input (tests/test_hostile_input.py) and partials
(tests/api/test_partials.py). A route with path parameters needs a sample here, in the isolation
matrix (tests/api/test_isolation.py) or, in the Django admin, an existing row of its model."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth.tokens import default_token_generator
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_htmx.middleware import HtmxDetails
from rest_framework import parsers

from marketplace.core.models import Label, ProductCategory, User
from orders.forms.deals import ACTION_FORMS, CommentForm
from orders.views.collaboration import PAGE_ACTIONS
from tests.api.tenants import World
from tests.api.test_isolation import API, PAGES, page_step


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or the pattern itself for the admin's unnamed routes
    pattern: str
    params: tuple[str, ...]
    view: Callable

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/v1/")

    @property
    def is_admin(self) -> bool:
        return self.pattern.startswith("admin/")

    @property
    def model_admin(self):
        """The ModelAdmin whose view this is (Django's admin marks its wrapped views), else None."""
        return getattr(self.view, "model_admin", None)

    def url(self, kwargs: dict) -> str:
        """The path for these parameters (an unnamed route is filled in by hand)."""
        if self.name != self.pattern:
            return reverse(self.name, kwargs=kwargs)
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m[1]]), self.pattern)
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m[1]]), path)
        return "/" + path.replace("^", "").replace("$", "")


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, URLPattern]]:
    for item in patterns:
        if isinstance(item, URLResolver):
            inner = f"{namespace}{item.namespace}:" if item.namespace else namespace
            yield from _walk(item.url_patterns, prefix + str(item.pattern), inner)
        elif isinstance(item, URLPattern):
            yield prefix + str(item.pattern), namespace, item


def _params(item: URLPattern) -> tuple[str, ...]:
    regex = item.pattern.regex
    return tuple(sorted(regex.groupindex, key=regex.groupindex.get))


def all_routes() -> list[Route]:
    """Every route of the root URL conf, in its order."""
    return [
        Route(f"{namespace}{item.name}" if item.name else pattern, pattern, _params(item), item.callback)
        for pattern, namespace, item in _walk(get_resolver().url_patterns)
    ]


# ------------------------------------------------------------------ samples: how to call each route


@dataclass(frozen=True)
class Sample:
    """Good values for a route: path parameters, query and body (functions of the world)."""

    kwargs: Callable[[World], dict] = lambda w: {}
    query: Callable[[World], dict] = lambda w: {}
    body: Callable[[World], dict] = lambda w: {}


def _first_pk(model) -> Callable[[World], dict]:
    return lambda w: {"object_id": model.objects.order_by("pk").values_list("pk", flat=True).first()}


def _section(name: str, **body) -> Sample:
    return Sample(body=lambda w: {"section": name, **body})


def _from_isolation(target) -> Sample:
    return Sample(
        kwargs=(lambda w: target.kwargs(w, "A")) if target.kwargs else (lambda w: {}),
        query=(lambda w: target.query(w, "A")) if target.query else (lambda w: {}),
        body=(lambda w: _plain(target.body(w, "A"))) if target.body else (lambda w: {}),
    )


def _plain(body: dict) -> dict:
    """Form values as text (files stay out: the sweep sends url-encoded forms and JSON)."""

    def is_file(value) -> bool:
        return hasattr(value, "read") or (isinstance(value, list) and any(hasattr(v, "read") for v in value))

    return {k: v for k, v in body.items() if not is_file(v)}


def course_sample(w) -> dict:
    """A published course of the first stage (what a new creator reads), made once."""
    from learning.models import Course

    course, _ = Course.objects.get_or_create(
        slug="sample-course",
        defaults={"stage": "departure", "title_en": "Sample", "body_en": "Text", "published": True},
    )
    return {"slug": course.slug}


SAMPLES: dict[str, list[Sample]] = {
    "learning:detail": [Sample(kwargs=course_sample)],
    "learning:done": [Sample(kwargs=course_sample, body=lambda w: {"done": "1"})],
    "orders:label_pick": [Sample(kwargs=lambda w: {"label_id": Label.objects.values_list("pk", flat=True)[0]})],
    "orders:category_pick": [
        Sample(kwargs=lambda w: {"category_id": ProductCategory.objects.values_list("pk", flat=True)[0]})
    ],
    "password_reset_confirm": [
        Sample(
            kwargs=lambda w: {
                "uidb64": urlsafe_base64_encode(force_bytes(w.sides["A"].owner.pk)),
                "token": default_token_generator.make_token(w.sides["A"].owner),
            }
        )
    ],
    "creators:profile_edit": [
        _section("basics"),
        _section("capacity"),
        _section("labels", row="1", label="1"),
        _section("audience"),
        _section("rate_card"),
        _section("rights"),
        _section("blackout_add"),
        _section("blackout_remove", blackout_id="1"),
    ],
    "deals:results": [
        Sample(
            kwargs=lambda w: {"pk": w.sides["A"].deals["published"].pk},
            body=lambda w: {"day": "1", "views": "1000", "likes": "10"},
        )
    ],
    # One view; the actions differ only in their form, so one action per form class.
    "deals:act": [
        _from_isolation(page_step(next(a for a in sorted(PAGE_ACTIONS) if ACTION_FORMS.get(a, CommentForm) is form)))
        for form in sorted({ACTION_FORMS.get(a, CommentForm) for a in PAGE_ACTIONS}, key=lambda f: f.__name__)
    ],
    # The deadlines calendar's secret address: no login; an unknown token is a 404 to everyone
    # (tests/orders/test_deadlines.py walks real, replaced and other users' addresses).
    "calendar_feed": [Sample(kwargs=lambda w: {"token": "x" * 43})],
    "admin:view_on_site": [Sample(kwargs=lambda w: {"content_type_id": "1", "object_id": "1"})],
    "admin:auth_user_password_change": [Sample(kwargs=lambda w: {"id": w.sides["A"].owner.pk})],
    "admin:app_list": [Sample(kwargs=lambda w: {"app_label": "marketplace"})],
    "admin/(?P<url>.*)$": [Sample(kwargs=lambda w: {"url": "nowhere/"})],
    "admin:autocomplete": [
        Sample(query=lambda w: {"app_label": "marketplace", "model_name": "order", "field_name": "brand", "term": "a"})
    ],
}


def samples_for(route: Route) -> list[Sample] | None:
    """How to call the route; None when it has path parameters and nobody said how to fill them."""
    if route.name in SAMPLES:
        return SAMPLES[route.name]
    table = API if route.is_api else PAGES
    targets = [t for t in table.get(route.name, []) if t.kwargs or not route.params]
    if targets:
        return [_from_isolation(t) for t in targets]
    if route.model_admin is not None and route.params == ("object_id",):
        return [Sample(kwargs=_first_pk(route.model_admin.model))]
    return None if route.params else [Sample()]


# ------------------------------------------------------------------ recording what a view reads


@dataclass
class Reads:
    """What a view read while answering one request."""

    keys: set[str] = field(default_factory=set)  # parameters looked up in the query string or body
    headers: set[str] = field(default_factory=set)  # htmx headers it asked about (HX-Request, HX-Target, ...)
    htmx_keys: set[str] = field(default_factory=set)  # parameters it reads when asked by htmx
    answer: tuple = (0, ())  # status and templates of the response, to tell callers that are answered alike
    drawn: bool = False  # the view got as far as its answer: a page, or a form's or serializer's field errors

    @property
    def htmx(self) -> bool:
        return bool(self.headers)


READS: list[Reads] = []  # the recording in progress, if any


class _RecordingDict(dict):
    """A parsed JSON object that notes the keys a serializer looks up."""

    def _note(self, key):
        if READS and isinstance(key, str):
            READS[-1].keys.add(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)


@contextmanager
def recording(monkeypatch):
    """Note every key a view looks up in a QueryDict or a JSON body, and the htmx headers it asks about."""

    def noting(name: str):
        original = getattr(QueryDict, name)

        def method(self, key, *args, **kwargs):
            # Only the request's own (immutable) QueryDicts: building one looks up every key it adds. A
            # template's {{ query.urlencode }} looks the attribute up as a key first: not a parameter either.
            if READS and not self._mutable and isinstance(key, str) and not hasattr(QueryDict, key):
                READS[-1].keys.add(key)
            return original(self, key, *args, **kwargs)

        return method

    with monkeypatch.context() as patch:
        for name in ("__getitem__", "get", "getlist", "__contains__"):
            patch.setattr(QueryDict, name, noting(name))
        original_header = HtmxDetails._get_header_value

        def header(self, name):
            if READS:
                READS[-1].headers.add(name)
            return original_header(self, name)

        patch.setattr(HtmxDetails, "_get_header_value", header)
        original_parse = parsers.JSONParser.parse

        def parse(self, *args, **kwargs):
            data = original_parse(self, *args, **kwargs)
            return _RecordingDict(data) if isinstance(data, dict) else data

        patch.setattr(parsers.JSONParser, "parse", parse)
        yield


# ------------------------------------------------------------------ sending


class Callers:
    """One client per caller (``name`` → the world's actor on side A); every request carries the caller's
    session as it was at login (a logout does not stick), and an API request their token."""

    def __init__(self, w: World, actors: dict[str, str]):
        self.clients, self.tokens = {}, {}
        for name, actor in actors.items():
            user = w.user("A", actor)
            client = Client()
            if user is not None:
                client.force_login(User.objects.get(pk=user.pk))  # with the password as it is now
                self.tokens[name] = w.token_text[user.pk]
            morsel = client.cookies.get("sessionid")
            self.clients[name] = (client, morsel.value if morsel else None)

    def send(self, name: str, method: str, url: str, query: str, body: str, *, content_type: str, api: bool, **headers):
        client, session = self.clients[name]
        client.cookies.pop("sessionid", None)
        if session is not None:
            client.cookies["sessionid"] = session
        if api and name in self.tokens:
            headers["HTTP_AUTHORIZATION"] = f"Token {self.tokens[name]}"
        path = f"{url}?{query}" if query else url
        if method == "GET":
            return client.generic("GET", path, **headers)
        return client.generic(method, path, body.encode(), content_type=content_type, **headers)
