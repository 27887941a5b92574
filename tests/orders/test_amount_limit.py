"""One limit on an amount of money, the same through every channel; web money forms throttled like the API.

The web top-up once accepted 10^15 minor units where the API stopped at 10^12. The limit is now
marketplace.core.MAX_AMOUNT, read by the one parser of typed amounts (parse_money), by the API's amount
field, by the services and so by the imports; the web forms that move money count against the same
per-user "money" rate as the API's money endpoints.
"""

import csv
import io
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator

from creators import services as creator_services
from creators.forms import rates as creator_forms
from marketplace.core import MAX_AMOUNT, DomainError, minor_to_decimal_str, parse_money
from marketplace.core.forms import MoneyField
from matching.forms import RankingFilterForm
from matching.models import CreatorList, CreatorListEntry
from orders.forms.deals import ApplyForm, DecisionForm
from orders.forms.orders import OrderForm
from orders.models import Collaboration
from orders.services import deals
from payouts import services as money
from payouts.forms import PayoutRequestForm, TopUpForm
from payouts.models import Account, TopUp
from tests.agencies.conftest import make_agency
from tests.api.clients import api_for
from tests.factories import CreatorFactory, MembershipFactory, OrderFactory
from tests.orders import contest_helpers
from tests.orders.conftest import PRICE, deal_in, key, make_creator

TOO_LARGE = "That amount is too large."


@pytest.fixture(autouse=True)
def _in_english():
    """The messages are compared in English, whatever language an earlier test's request left active."""
    with translation.override("en"):
        yield


MOST, ONE_MORE = minor_to_decimal_str(MAX_AMOUNT), minor_to_decimal_str(MAX_AMOUNT + 1)
S = Collaboration.Status


def test_the_limit_is_ten_to_the_twelve_minor_units():
    assert MAX_AMOUNT == 10**12
    assert parse_money(MOST) == MAX_AMOUNT
    with pytest.raises(ValueError, match=TOO_LARGE):
        parse_money(ONE_MORE)


# ------------------------------------------------------------------ web forms


def _form_money_fields():
    """Every money field a web form declares (marketplace.core.forms.MoneyField, the only one)."""
    from django import forms

    from marketplace.urls import urlpatterns  # noqa: F401 - imports every view and so every form

    def subclasses(cls):
        direct = set(cls.__subclasses__())
        return direct.union(*(subclasses(sub) for sub in direct))

    found = []
    for form in subclasses(forms.BaseForm):
        for name, field in getattr(form, "base_fields", {}).items():
            if isinstance(field, MoneyField):
                found.append(pytest.param(field, id=f"{form.__name__}.{name}"))
    return found


@pytest.mark.parametrize("field", _form_money_fields())
def test_every_money_field_of_the_web_takes_the_limit_and_refuses_more(field):
    assert field.clean(MOST) == MAX_AMOUNT
    with pytest.raises(ValidationError, match=TOO_LARGE):
        field.clean(ONE_MORE)


def test_the_web_money_fields_include_top_ups_payouts_and_orders():
    names = {p.id for p in _form_money_fields()}

    assert {"TopUpForm.amount", "PayoutRequestForm.amount", "OrderForm.price_per_creator"} <= names
    assert TopUpForm.base_fields["amount"].__class__.__mro__[1] is MoneyField
    assert PayoutRequestForm.base_fields["amount"].__class__.__mro__[1] is MoneyField
    assert OrderForm.base_fields["total_budget"].__class__ is MoneyField


def test_the_rate_card_quote_and_split_amounts_refuse_more_than_the_limit():
    assert creator_forms.MoneyField is MoneyField  # the rate card's prices: the one money field, no copy
    rate = creator_forms.MoneyField()
    quote = ApplyForm({"quote": ONE_MORE, "pitch": "Me."})
    split = DecisionForm(
        {"decision": "split", "creator_amount": ONE_MORE, "brand_amount": "1", "comment": "Both heard."},
        escrow=PRICE,
        currency="CNY",
    )
    filters, errors = RankingFilterForm({"max_price": ONE_MORE}).filters_and_errors()

    with pytest.raises(ValidationError, match=TOO_LARGE):
        rate.clean(ONE_MORE)
    assert quote.errors["quote"] == [TOO_LARGE]
    assert split.errors["creator_amount"] == [TOO_LARGE]
    assert errors == {"max_price": TOO_LARGE} and "max_price" not in filters


@pytest.mark.django_db
def test_a_web_top_up_of_ten_to_the_fifteen_is_refused_beside_the_field(client, settings):
    settings.PAYMENT_PROVIDER = "sandbox"
    owner = _owner()
    client.force_login(owner.user)

    response = client.post(reverse("payouts:wallet_topup"), {"amount": str(10**13), "idempotency_key": key_uuid()})

    assert response.status_code == 400
    assert response.context["form"].errors["amount"] == [TOO_LARGE]
    assert not TopUp.objects.filter(brand=owner.brand).exists(), TopUp.objects.values()


@pytest.mark.django_db
def test_a_web_top_up_of_the_limit_goes_through(client, settings):
    settings.PAYMENT_PROVIDER = "sandbox"
    owner = _owner()
    client.force_login(owner.user)

    response = client.post(reverse("payouts:wallet_topup"), {"amount": MOST, "idempotency_key": key_uuid()})

    assert response.status_code == 302
    assert Account.objects.get(kind="brand_available", brand=owner.brand).balance == MAX_AMOUNT


# ------------------------------------------------------------------------ API


def test_every_amount_the_api_takes_has_the_one_limit():
    schema = SchemaGenerator().get_schema(public=True)
    components = schema["components"]["schemas"]

    amounts = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"].endswith("_minor"):
                    amounts[f"{method} {path} ?{parameter['name']}"] = parameter["schema"]
            for body in operation.get("requestBody", {}).get("content", {}).values():
                name = body["schema"]["$ref"].rsplit("/", 1)[1]
                for prop, prop_schema in components[name].get("properties", {}).items():
                    if prop.endswith("_minor"):
                        amounts[f"{method} {path} {prop}"] = prop_schema

    assert len(amounts) >= 8
    assert {where: s.get("maximum") for where, s in amounts.items()} == dict.fromkeys(amounts, MAX_AMOUNT)


@pytest.mark.django_db
def test_an_api_top_up_of_one_more_than_the_limit_is_refused(settings):
    settings.PAYMENT_PROVIDER = "sandbox"
    owner = _owner()
    api = api_for(owner.user)

    refused = api.post(
        reverse("api:wallet-topup"), {"amount_minor": MAX_AMOUNT + 1}, format="json", HTTP_IDEMPOTENCY_KEY=key()
    )
    accepted = api.post(
        reverse("api:wallet-topup"), {"amount_minor": MAX_AMOUNT}, format="json", HTTP_IDEMPOTENCY_KEY=key()
    )

    assert refused.status_code == 400 and refused.json()["errors"] == {"amount_minor": [TOO_LARGE]}
    assert accepted.status_code == 201


# ------------------------------------------------------------------- services


@pytest.mark.django_db
@pytest.mark.parametrize(
    "call",
    [
        lambda w: money.topup(brand_id=w["brand"].pk, amount=MAX_AMOUNT + 1, idempotency_key=key()),
        lambda w: money.hold(order_id=w["order"].pk, amount=MAX_AMOUNT + 1, idempotency_key=key()),
        lambda w: money.payout_request(creator_id=make_creator().pk, amount=MAX_AMOUNT + 1, idempotency_key=key()),
        lambda w: deals.application_submit(
            order_id=w["order"].pk, actor=make_creator().user, quote=MAX_AMOUNT + 1, pitch="Me."
        ),
    ],
    ids=["topup", "hold", "payout", "application quote"],
)
def test_the_money_services_refuse_more_than_the_limit(world, call):
    with pytest.raises(DomainError, match=TOO_LARGE):
        call(world)


@pytest.mark.django_db
def test_a_split_of_more_than_the_limit_is_refused(world):
    c = deal_in(world, S.DISPUTED)

    with pytest.raises(DomainError, match=TOO_LARGE):
        money.split(hold_id=c.holds.get().pk, creator_amount=MAX_AMOUNT + 1, idempotency_key=key())


@pytest.mark.django_db
def test_a_rate_card_price_above_the_limit_is_refused_by_the_service():
    # A rate-card price has its own, lower bound (creators.services.RATE_CARD_MAX_PRICE) inside the one limit.
    creator = CreatorFactory()

    with pytest.raises(ValidationError, match="must be between"):
        creator_services.rate_card_set_price(creator=creator, actor=None, format="short_21_60", amount=MAX_AMOUNT + 1)


def test_an_order_priced_above_the_limit_is_refused_by_the_service():
    from orders.services.orders import order_brief_problems

    order = OrderFactory.build(price_per_creator=MAX_AMOUNT + 1, total_budget=MAX_AMOUNT + 1)

    problems = order_brief_problems(order, label_count=1, complete=False)

    assert problems["price_per_creator"] == [TOO_LARGE] and TOO_LARGE in problems["total_budget"]


# -------------------------------------------------------------------- imports


@pytest.mark.django_db
def test_a_creator_import_with_a_price_above_the_limit_names_row_and_column(tmp_path):
    from tests.creators.test_import_creators import HEADER, good_row

    out = io.StringIO()
    csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n").writeheader()
    csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n").writerow(good_row(1, price_short_21_60=ONE_MORE))
    path = tmp_path / "creators.csv"
    path.write_text(out.getvalue())

    with pytest.raises(CommandError) as refused:
        call_command("import_creators", str(path), "--no-progress", stdout=io.StringIO())

    assert "price_short_21_60" in str(refused.value) and TOO_LARGE in str(refused.value)


@pytest.mark.django_db
def test_a_history_import_with_a_price_above_the_limit_names_the_column(tmp_path, taxonomy):
    from tests.matching.test_import_history import HEADER

    CreatorFactory(handle="ana")
    row = (
        f"A1,Glow Labs,Spring serum,1004,seeding,short_21_60,2025-03-01,483:1.0,18-23,{ONE_MORE},ana,1800.00,"
        "2025-03-02,yes,yes,5,120000,340"
    )
    path = tmp_path / "history.csv"
    path.write_text(f"{HEADER}\n{row}\n")

    with pytest.raises(CommandError) as refused:
        call_command("import_history", str(path))

    assert "price_per_creator" in str(refused.value) and TOO_LARGE in str(refused.value)


# ------------------------------------------------------------------- helpers


def _owner():
    return MembershipFactory(role="owner")


def key_uuid() -> str:
    return str(uuid.uuid4())


# ------------------------------------------------------- web money forms throttled like the API


@pytest.fixture
def one_money_request_a_minute(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "money": "1/minute"},
    }
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "money"}}
    settings.PAYMENT_PROVIDER = "sandbox"


def _web_money_posts(world) -> dict:
    """Every web form that moves money: (who, url, data) for one POST of it."""
    offered, disputed = deal_in(world, S.OFFERED), deal_in(world, S.DISPUTED)
    settled = deal_in(world, S.SETTLED)
    payout = money.payout_request(creator_id=settled.creator_id, amount=10_000, idempotency_key=key())
    with override_settings(PAYMENT_PROVIDER="manual"):  # a top-up the admin has to confirm
        pending = money.topup(brand_id=world["brand"].pk, amount=1_000, idempotency_key=key())
    owner, admin = world["owner"], world["admin"]
    saved, on_list = CreatorList.objects.create(brand=world["brand"], name="Shortlist"), make_creator()
    CreatorListEntry.objects.create(creator_list=saved, creator=on_list)
    contest = contest_helpers.publish(world)
    _agency, agency_owner, _manager = make_agency()
    return {
        "agencies:payout_request": (
            agency_owner,
            reverse("agencies:payout_request"),
            {"amount": "100", "idempotency_key": None},
        ),
        "contests:create": (owner, reverse("contests:create"), {"title": "A contest", "idempotency_key": None}),
        "contests:act confirm": (owner, reverse("contests:act", args=[contest.pk, "confirm"]), {}),
        "payouts:wallet_topup": (owner, reverse("payouts:wallet_topup"), {"amount": "10", "idempotency_key": None}),
        "payouts:payout_request": (
            settled.creator.user,
            reverse("payouts:payout_request"),
            {"amount": "100", "idempotency_key": None},
        ),
        "deals:offers_send": (
            owner,
            reverse("deals:offers_send", args=[world["order"].pk]),
            {"creator": [make_creator().pk], "idempotency_key": None},
        ),
        "deals:offer_create": (
            owner,
            reverse("deals:offer_create", args=[make_creator().handle]),
            {"order": world["order"].pk, "idempotency_key": None},
        ),
        "matching:list_offers": (
            owner,
            reverse("matching:list_offers", args=[saved.pk]),
            {"order": world["order"].pk, "creator": [on_list.pk], "idempotency_key": None},
        ),
        "deals:act accept": (offered.creator.user, reverse("deals:act", args=[offered.pk, "accept"]), {}),
        "deals:dispute_decide": (
            admin,
            reverse("deals:dispute_decide", args=[disputed.disputes.get().pk]),
            {"decision": "refund", "comment": "Both heard."},
        ),
        "payouts:admin_topup_confirm": (
            admin,
            reverse("payouts:admin_topup_confirm", args=[pending.pk]),
            {f"confirm-topup-{pending.pk}-reference": "B-1", f"confirm-topup-{pending.pk}-idempotency_key": None},
        ),
        "payouts:admin_topup_fail": (
            admin,
            reverse("payouts:admin_topup_fail", args=[pending.pk]),
            {f"fail-topup-{pending.pk}-reason": "Never came.", f"fail-topup-{pending.pk}-idempotency_key": None},
        ),
        "payouts:admin_payout_sent": (
            admin,
            reverse("payouts:admin_payout_sent", args=[payout.pk]),
            {f"sent-payout-{payout.pk}-reference": "B-2", f"sent-payout-{payout.pk}-idempotency_key": None},
        ),
        "payouts:admin_payout_failed": (
            admin,
            reverse("payouts:admin_payout_failed", args=[payout.pk]),
            {f"fail-payout-{payout.pk}-reason": "Bounced.", f"fail-payout-{payout.pk}-idempotency_key": None},
        ),
    }


WEB_MONEY_POSTS = [
    "payouts:wallet_topup",
    "payouts:payout_request",
    "agencies:payout_request",
    "deals:offers_send",
    "deals:offer_create",
    "matching:list_offers",
    "deals:act accept",
    "deals:dispute_decide",
    "payouts:admin_topup_confirm",
    "payouts:admin_topup_fail",
    "payouts:admin_payout_sent",
    "payouts:admin_payout_failed",
    "contests:create",
    "contests:act confirm",
]


def _fresh_keys(data: dict) -> dict:
    return {name: (key_uuid() if value is None else value) for name, value in data.items()}


@pytest.mark.parametrize("name", WEB_MONEY_POSTS)
def test_a_web_money_form_beyond_the_money_rate_gets_429_and_says_when(world, client, one_money_request_a_minute, name):
    who, url, data = _web_money_posts(world)[name]
    client.force_login(who)
    client.post(url, _fresh_keys(data))  # the one request of the minute, whatever it did

    again = client.post(url, _fresh_keys(data), follow=False)
    page = client.post(url, _fresh_keys(data), follow=False, HTTP_HX_REQUEST="true")

    assert again.status_code == 429 and int(again["Retry-After"]) > 0
    assert "Too many money requests" in again.content.decode()
    assert page.status_code == 429 and page["HX-Refresh"] == "true"


def test_the_web_and_the_api_share_one_money_bucket(world, client, one_money_request_a_minute):
    api = api_for(world["owner"])
    client.force_login(world["owner"])

    through_api = api.post(
        reverse("api:wallet-topup"), {"amount_minor": 1_000}, format="json", HTTP_IDEMPOTENCY_KEY=key()
    )
    through_web = client.post(reverse("payouts:wallet_topup"), {"amount": "10", "idempotency_key": key_uuid()})

    assert through_api.status_code == 201
    assert through_web.status_code == 429


def test_steps_that_move_no_money_are_not_counted(world, client, one_money_request_a_minute):
    c = deal_in(world, S.ACCEPTED)
    client.force_login(c.creator.user)

    first = client.post(reverse("deals:act", args=[c.pk, "comment"]), {"text": "Hello"})
    second = client.post(reverse("deals:act", args=[c.pk, "comment"]), {"text": "Again"})

    assert first.status_code == second.status_code == 302


def test_every_web_view_that_moves_money_is_throttled_and_no_other():
    from django.urls import get_resolver

    def walk(patterns, prefix=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                yield from walk(p.url_patterns, f"{prefix}{p.namespace}:" if p.namespace else prefix)
            else:
                yield f"{prefix}{p.name}", p.callback

    throttled = {
        name for name, view in walk(get_resolver().url_patterns) if getattr(view, "throttle_scope", "") == "money"
    }

    assert throttled == {name.split(" ")[0] for name in WEB_MONEY_POSTS}


@pytest.mark.parametrize(
    "typed,amount",
    [("1,200", 120_000), ("1,200.50", 120_050), ("12,345,678.9", 1_234_567_890), ("1200", 120_000)],
)
def test_the_money_field_takes_thousands_separators(typed, amount):
    assert MoneyField().clean(typed) == amount


@pytest.mark.parametrize("typed", ["12,50", "1,2", "12,5000", "1,,200"])
def test_a_decimal_comma_is_refused_not_read_as_thousands(typed):
    """The rate card's field once stripped every comma, so "12,50" (12.50 typed with a decimal comma) became
    1250.00; the one money field reads a comma only as a thousands separator."""
    with pytest.raises(ValidationError, match=r"Enter an amount like 1200 or 1200\.50\."):
        MoneyField().clean(typed)
