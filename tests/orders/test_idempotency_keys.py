"""Client keys and the keys the services derive for their own steps never share a namespace.

A brand once could send an offer with the key ``collab-{pk}-resolve-release`` (collaboration ids are
sequential) and so make the admin's release decision fail with ``idempotency_conflict``. Whatever key a
client sends, through whichever door, no step the services take on their own may be refused for it.
"""

import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django import forms
from django.conf import settings as django_settings
from django.db.models import Q
from django.test import Client
from django.urls import get_resolver, reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_
from hypothesis import strategies as st

from marketplace.core.api.common import IDEMPOTENCY_KEY
from orders.access import BRAND
from orders.models import Collaboration, Order
from orders.services import deals
from orders.services.collaborations import ACTIONS
from payouts import selectors
from payouts import services as money
from payouts.forms import IdempotentForm
from payouts.models import IdempotencyKey
from payouts.services.idempotency import (
    SYSTEM_NAMESPACE,
    brand_scope,
    creator_scope,
    staff_scope,
    stored_scope,
    system_key,
)
from tests.agencies.conftest import make_agency
from tests.api.clients import api_for
from tests.orders.conftest import PRICE, act, deal_in, make_creator
from tests.payouts.conftest import check_deferred_constraints

S = Collaboration.Status

# The money steps the services key as collab-{pk}-{action}-{step}.
MONEY_STEPS = ("hold", "adjust", "escrow", "release", "release_hold", "settle", "fee", "refund", "split", "pay")
# Each system step a brand could once block: the state it starts from, who takes it, its payload.
SYSTEM_STEPS = {
    "accept": (S.OFFERED, "accept", "creator", {}),
    "cancel": (S.ACCEPTED, "cancel", "owner", {}),
    "confirm_live": (S.COMPLETED, "confirm_live", "creator", {}),
    "resolve-release": (S.DISPUTED, "resolve", "admin", {"decision": "release"}),
    "resolve-split": (S.DISPUTED, "resolve", "admin", {"decision": "split", "creator_amount": 300_000}),
    "resolve-refund": (S.DISPUTED, "resolve", "admin", {"decision": "refund"}),
    "decline": (S.OFFERED, "decline", "creator", {}),
    "withdraw": (S.OFFERED, "withdraw", "owner", {}),
    "accept_counter": (S.COUNTERED, "accept_counter", "owner", {}),
    "pay_balance": (S.DEPOSIT_PAID, "pay_balance", "owner", {}),
    "forfeit_deposit": (S.DEPOSIT_PAID, "forfeit_deposit", None, {}),
    "confirm_plays": (S.PLAYS_COUNTED, "confirm_plays", "owner", {}),
    "auto_confirm_plays": (S.PLAYS_COUNTED, "auto_confirm_plays", None, {}),
}
# The first money step each of them takes, in the brand's scope: the one a brand's key could aim at.
FIRST_MONEY_STEP = {
    "accept": "escrow",
    "cancel": "fee",
    "confirm_live": "release",
    "resolve-release": "release",
    "resolve-split": "split",
    "resolve-refund": "refund",
    "decline": "release",
    "withdraw": "release",
    "accept_counter": "adjust",
    "pay_balance": "adjust",
    "forfeit_deposit": "escrow",
    "confirm_plays": "pay",
    "auto_confirm_plays": "pay",
}


# The timers' steps, made due: the deal's clock moved back past the step's deadline.
DUE = {
    "forfeit_deposit": lambda c: {"accepted_at": c.accepted_at - timedelta(days=8)},
    "auto_confirm_plays": lambda c: {"plays_counted_at": c.plays_counted_at - timedelta(days=4)},
}


def due(name: str, c: Collaboration) -> Collaboration:
    """``c`` with the system step ``name`` due (a timer's deadline passed); other steps are due at once."""
    if name in DUE:
        Collaboration.objects.filter(pk=c.pk).update(**DUE[name](c))
        c.refresh_from_db()
    return c


def service_keys(c: Collaboration, action: str) -> list[str]:
    """Every key the services' own step could use for this collaboration and action, as a client would type it."""
    return [f"collab-{c.pk}-{action}-{step}" for step in MONEY_STEPS]


def ledger_is_clean() -> None:
    check_deferred_constraints()
    assert selectors.ledger_problems() == []


@pytest.mark.parametrize("name", SYSTEM_STEPS)
def test_offers_sent_with_the_services_keys_do_not_block_the_step(world, name):
    state, action, who, payload = SYSTEM_STEPS[name]
    creator = make_creator()
    c = due(name, deal_in(world, state, creator=creator))
    for poison in service_keys(c, action):
        deals.offer_send(
            order_id=world["order"].pk, creator_id=make_creator().pk, actor=world["owner"], idempotency_key=poison
        )
    if payload.get("decision") == "split":
        payload = {**payload, "brand_amount": PRICE - payload["creator_amount"]}
    actors = {"creator": creator.user, "owner": world["owner"], "admin": world["admin"], None: None}

    done = act(c, action, actors[who], payload=payload, comment="Both sides heard." if who == "admin" else "")

    assert done.status != state
    ledger_is_clean()


def test_an_offer_sent_with_the_key_of_anothers_hold_does_not_block_that_offer(world):
    # The hold under an offer was keyed from the offer's client key ("offer-{key}-hold").
    deals.offer_send(
        order_id=world["order"].pk, creator_id=make_creator().pk, actor=world["owner"], idempotency_key="offer-k1-hold"
    )

    c = deals.offer_send(
        order_id=world["order"].pk, creator_id=make_creator().pk, actor=world["owner"], idempotency_key="k1"
    )

    assert c.status == S.OFFERED and c.holds.get().amount == PRICE
    ledger_is_clean()


# ----------------------------------------------------------------- web forms


def offer_url(creator) -> str:
    return reverse("deals:offer_create", args=[creator.handle])


def test_the_offer_form_refuses_a_key_it_did_not_draw(world, client):
    target = deal_in(world, S.OFFERED)
    creator = make_creator()
    client.force_login(world["owner"])

    response = client.post(
        offer_url(creator), {"order": world["order"].pk, "idempotency_key": f"collab-{target.pk}-accept-escrow"}
    )

    assert response.status_code == 400
    assert "This form has expired" in response.content.decode()
    assert not Collaboration.objects.filter(creator=creator).exists()
    assert act(target, "accept", target.creator.user).status == S.ACCEPTED


def test_the_offer_form_sends_with_the_key_it_drew(world, client):
    creator = make_creator()
    client.force_login(world["owner"])
    html = client.get(offer_url(creator)).content.decode()
    drawn = uuid.UUID(re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1))

    response = client.post(offer_url(creator), {"order": world["order"].pk, "idempotency_key": drawn}, follow=True)

    c = Collaboration.objects.get(creator=creator)
    assert response.redirect_chain[-1][0] == reverse("deals:collaboration", args=[c.pk])
    assert "Offer sent to" in response.content.decode()
    assert IdempotencyKey.objects.get(key=str(drawn)).scope == f"brand:{world['brand'].pk}"


def test_the_send_offers_form_refuses_a_key_it_did_not_draw(world, client):
    creator = make_creator()
    client.force_login(world["owner"])

    response = client.post(
        reverse("deals:offers_send", args=[world["order"].pk]),
        {"creator": [creator.pk], "idempotency_key": "collab-1-accept-escrow"},
        follow=True,
    )

    assert "This form has expired" in response.content.decode()
    assert not Collaboration.objects.filter(creator=creator).exists()


# ---------------------------------------------------------- the class: every door, any key


def test_no_client_key_is_stored_where_a_system_key_is():
    """The rule itself, for any text: a client's key and a system key are stored in different scopes."""

    @settings_(max_examples=500)
    @given(raw=st.text(), owner=st.integers(min_value=1, max_value=2**63 - 1))
    def check(raw, owner):
        for scope in (brand_scope(owner), creator_scope(owner), staff_scope(owner)):
            assert not stored_scope(scope, raw).startswith(SYSTEM_NAMESPACE)
            assert stored_scope(scope, system_key(raw)).startswith(SYSTEM_NAMESPACE)
            assert stored_scope(scope, raw) != stored_scope(scope, system_key(raw))

    check()


def test_every_form_with_an_idempotency_key_takes_only_a_key_it_drew():
    """A web form carries a key as a UUID (IdempotentForm), never free text a client could aim at a step."""
    get_resolver().url_patterns  # noqa: B018 - imports every view, so every form class exists
    found = [form for form in _subclasses(forms.BaseForm) if "idempotency_key" in getattr(form, "base_fields", {})]

    assert {"SendOffersForm", "OfferForm", "TopUpForm", "PayoutRequestForm"} <= {f.__name__ for f in found}
    for form in found:
        assert issubclass(form, IdempotentForm), form
        assert isinstance(form.base_fields["idempotency_key"], forms.UUIDField), form


def _subclasses(cls) -> set[type]:
    direct = set(cls.__subclasses__())
    return direct.union(*(_subclasses(sub) for sub in direct))


def api_doors() -> list[tuple[str, str]]:
    """(method, path) of every API operation that takes an Idempotency-Key, from the committed schema."""
    schema = yaml.safe_load((Path(django_settings.BASE_DIR) / "docs" / "openapi.yaml").read_text())
    return sorted(
        (method, path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", []))
    )


class Doors:
    """Every way a client's key reaches the services, each as ``send(key)`` for one request."""

    def __init__(self, world, decoys):
        self.world, self.decoys = world, decoys
        self.earner = decoys["paid"].creator.user
        self.web = {"owner": Client(), "creator": Client(), "admin": Client()}
        for who, user in (("owner", world["owner"]), ("creator", self.earner), ("admin", world["admin"])):
            self.web[who].force_login(user)
        self._api = {}

    def api(self, user):
        if user.pk not in self._api:
            self._api[user.pk] = api_for(user)
        return self._api[user.pk]

    def all(self) -> dict:
        doors = {
            "web offer from a profile": self.web_offer,
            "web send offers": self.web_send_offers,
            "web top-up": self.web_topup,
            "web payout": self.web_payout,
            "web admin top-up confirmation": self.web_topup_confirm,
            "web admin payout sent": self.web_payout_sent,
        }
        for method, path in api_doors():
            doors[f"api {method} {path}"] = lambda key, path=path: self.api_door(path, key)
        return doors

    def web_offer(self, key):
        url = reverse("deals:offer_create", args=[make_creator().handle])
        return self.web["owner"].post(url, {"order": self.world["order"].pk, "idempotency_key": key})

    def web_send_offers(self, key):
        url = reverse("deals:offers_send", args=[self.world["order"].pk])
        return self.web["owner"].post(url, {"creator": [make_creator().pk], "idempotency_key": key})

    def web_topup(self, key):
        return self.web["owner"].post(reverse("payouts:wallet_topup"), {"amount": "10.00", "idempotency_key": key})

    def web_payout(self, key):
        return self.web["creator"].post(reverse("payouts:payout_request"), {"amount": "1.00", "idempotency_key": key})

    def web_topup_confirm(self, key):
        pk = self.decoys["pending_topup"].pk
        data = {f"confirm-topup-{pk}-reference": "BANK-1", f"confirm-topup-{pk}-idempotency_key": key}
        return self.web["admin"].post(reverse("payouts:admin_topup_confirm", args=[pk]), data)

    def web_payout_sent(self, key):
        pk = self.decoys["payout"].pk
        data = {f"sent-payout-{pk}-reference": "BANK-2", f"sent-payout-{pk}-idempotency_key": key}
        return self.web["admin"].post(reverse("payouts:admin_payout_sent", args=[pk]), data)

    def contest(self):
        """An open contest of the world's brand, published through the service (its pool is held)."""
        from tests.orders.contest_helpers import publish

        if "contest" not in self.decoys:
            self.decoys["contest"] = publish(self.world, tiers=[{"places": 1, "prize": 1_000}])
        return self.decoys["contest"]

    def agency_owner(self):
        if "agency_owner" not in self.decoys:
            self.decoys["agency_owner"] = make_agency()[1]
        return self.decoys["agency_owner"]

    def api_door(self, path: str, key: str):
        """The operation on a decoy in a state it acts on, by a side that may take it."""
        kind = path.strip("/").split("/")[2]
        if kind == "collaborations":
            step = ACTIONS[path.strip("/").split("/")[4]]
            c = next(d for d in self.decoys.values() if getattr(d, "status", None) in step.sources)
            user = self.world["owner"] if BRAND in step.actors else c.creator.user
            obj, body = c, {"comment": ""}
        elif kind == "disputes":
            obj, user = self.decoys[S.DISPUTED].disputes.get(), self.world["admin"]
            body = {"decision": "refund", "reason": "Heard."}
        elif kind == "orders":
            obj, user, body = self.world["order"], self.world["owner"], {"creator": make_creator().pk}
        elif kind == "wallet":
            obj, user, body = None, self.world["owner"], {"amount_minor": 1_000}
        elif kind == "payouts":
            obj, user, body = None, self.earner, {"amount_minor": 100}
        elif path == "/api/v1/agency/payouts/":  # an agency's owner takes its share out (none yet: refused)
            obj, user, body = None, self.agency_owner(), {"amount_minor": 100}
        elif kind == "contests" and "{id}" not in path:
            obj, user, body = None, self.world["owner"], {"title": "A contest"}  # refused for what it lacks
        elif kind == "contests":
            obj = self.contest()
            user = self.world["admin"] if path.endswith("/resolve/") else self.world["owner"]
            body = {"comment": "Heard."}
        else:
            pytest.fail(f"No test door for {path}: say here who sends it and with what")
        url = path.replace("{id}", str(obj.pk)) if obj is not None else path
        return self.api(user).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def pending_keys(targets: dict[str, Collaboration]) -> list[tuple[str, str]]:
    """(scope, key) of every row the targets' next steps will look up: no client may have put one there."""
    rows = []
    for name, c in targets.items():
        action = SYSTEM_STEPS[name][1]
        for step in MONEY_STEPS:
            key = system_key("collab", c.pk, action, step)
            for scope in (brand_scope(c.order.brand_id), creator_scope(c.creator_id)):
                rows.append((stored_scope(scope, key), str(key)))
    return rows


def occupied(rows: list[tuple[str, str]]) -> list[str]:
    found = Q(pk__in=[])
    for scope, key in rows:
        found |= Q(scope=scope, key=key)
    return [str(row) for row in IdempotencyKey.objects.filter(found)]


def key_strategy(aimed: list[str]):
    """Any text, and above all the keys of the steps the services are about to take, as text or dressed up."""
    exact = st.sampled_from(aimed)
    return st.one_of(
        exact,
        exact,
        exact.map(lambda k: SYSTEM_NAMESPACE + k),
        exact.map(lambda k: f"api:{k}"),
        st.uuids().map(str),
        st.from_regex(IDEMPOTENCY_KEY, fullmatch=True),
        st.text(max_size=300),
    )


@pytest.fixture
def _open_throttles(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "money": "100000/minute"},
    }
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "keys"}}
    settings.PAYOUT_MINIMUM = 100


@pytest.mark.slow
def test_no_key_sent_through_any_door_blocks_a_step_of_the_services(world, settings, _open_throttles):
    Order.objects.filter(pk=world["order"].pk).update(creators_wanted=1000)
    targets = {name: due(name, deal_in(world, state)) for name, (state, *_rest) in SYSTEM_STEPS.items()}
    decoys = {
        state: deal_in(world, state)
        for state in (
            *(S.OFFERED, S.COUNTERED, S.APPLIED, S.ACCEPTED, S.COMPLETED, S.DISPUTED),
            *(S.DEPOSIT_PAID, S.PLAYS_COUNTED),  # a deposit deal's balance, a per-play deal's counted plays
        )
    }
    decoys["paid"] = deal_in(world, S.SETTLED)  # its creator has money to pay out
    decoys["payout"] = money.payout_request(
        creator_id=decoys["paid"].creator_id, amount=10_000, idempotency_key="decoy-payout"
    )
    settings.PAYMENT_PROVIDER = "manual"
    decoys["pending_topup"] = money.topup(brand_id=world["brand"].pk, amount=1_000, idempotency_key="decoy-topup")
    settings.PAYMENT_PROVIDER = "sandbox"
    doors = Doors(world, decoys).all()
    pending = pending_keys(targets)
    aimed = sorted({key for _scope, key in pending})
    assert occupied(pending) == []

    first_steps = [f"collab-{c.pk}-{SYSTEM_STEPS[name][1]}-{FIRST_MONEY_STEP[name]}" for name, c in targets.items()]
    for door, send in doors.items():  # first every door with each step's first key, then anything
        for key in first_steps:
            assert send(key).status_code < 500, (door, key)
            assert occupied(pending) == [], (door, key)

    @settings_(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(door=st.sampled_from(sorted(doors)), key=key_strategy(aimed))
    def send_anything(door, key):
        response = doors[door](key)

        assert response.status_code < 500, (door, key)
        assert occupied(pending) == [], (door, key)

    send_anything()

    for name, (_state, action, who, payload) in SYSTEM_STEPS.items():
        c = targets[name]
        if payload.get("decision") == "split":
            payload = {**payload, "brand_amount": PRICE - payload["creator_amount"]}
        actor = {"creator": c.creator.user, "owner": world["owner"], "admin": world["admin"], None: None}[who]
        assert act(c, action, actor, payload=payload, comment="Heard." if who == "admin" else "").status != _state
    ledger_is_clean()
