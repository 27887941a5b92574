"""Money over the API: wallet, statement, top-ups, earnings, payouts; idempotency, validation, throttling."""

import pytest
from rest_framework.test import APIClient

from marketplace.core.api.common import MoneyThrottle
from orders.models import Collaboration
from payouts.models import Account, IdempotencyKey, LedgerEntry, Payout, TopUp
from tests.api.test_deals import PRICE, api_for, make_world, url
from tests.orders.conftest import deal_in, key

pytestmark = pytest.mark.django_db
S = Collaboration.Status
EARNED = PRICE * 9 // 10  # a settled deal, less the 10 % platform fee


@pytest.fixture(autouse=True)
def _api_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.PLATFORM_FEE_BPS = 1000
    settings.CURRENCY = "CNY"
    settings.PAYOUT_MINIMUM = 10_000
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api2"}}


@pytest.fixture
def world():
    return make_world(funded=False)


def topup(api, amount, idem=None, **kw):
    return api.post(
        url("wallet-topup"), {"amount_minor": amount}, format="json", HTTP_IDEMPOTENCY_KEY=idem or key(), **kw
    )


def available(brand) -> int:
    account = Account.objects.filter(kind="brand_available", brand=brand).first()
    return account.balance if account else 0


# ------------------------------------------------------------------ top-ups


def test_a_top_up_is_credited_and_the_wallet_shows_it(world):
    brand = api_for(world["owner"])

    created = topup(brand, 150_000)
    wallet = brand.get(url("wallet-detail"))

    assert created.status_code == 201
    assert created.json()["status"] == "succeeded" and created.json()["amount_minor"] == 150_000
    assert wallet.json() == {"currency": "CNY", "available_minor": 150_000, "held_minor": 0, "in_escrow_minor": 0}


def test_replaying_a_top_up_key_returns_the_same_response_and_credits_once(world):
    brand = api_for(world["owner"])

    first = topup(brand, 150_000, idem="topup-key-1")
    again = topup(brand, 150_000, idem="topup-key-1")

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"
    assert TopUp.objects.filter(brand=world["brand"]).count() == 1
    assert available(world["brand"]) == 150_000


def test_the_same_top_up_key_with_another_amount_is_refused_and_moves_nothing(world):
    brand = api_for(world["owner"])
    topup(brand, 150_000, idem="topup-key-2")

    other = topup(brand, 990_000, idem="topup-key-2")

    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_conflict"
    assert list(other.json()["errors"]) == ["Idempotency-Key"]
    assert available(world["brand"]) == 150_000


def test_keys_belong_to_their_brand(world):
    """Another brand using the same key text gets its own top-up, not a replay of ours."""
    topup(api_for(world["owner"]), 150_000, idem="shared-key-1")

    theirs = topup(api_for(world["other_owner"]), 70_000, idem="shared-key-1")

    assert theirs.status_code == 201 and theirs.json()["amount_minor"] == 70_000
    assert "Idempotent-Replayed" not in theirs


@pytest.mark.parametrize("header", [None, "", "short", "spaces are bad", "x" * 101])
def test_a_top_up_without_a_valid_key_is_a_400_naming_the_header(world, header):
    headers = {} if header is None else {"HTTP_IDEMPOTENCY_KEY": header}

    response = api_for(world["owner"]).post(url("wallet-topup"), {"amount_minor": 100}, format="json", **headers)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["Idempotency-Key"]
    assert not TopUp.objects.exists()


BAD_AMOUNTS = [0, -1, -500, 1.5, 100.0, 1e3, "1,00", "100", "", True, False, None, "NaN", "Infinity", 10**15, 10**40]


@pytest.mark.parametrize("amount", BAD_AMOUNTS, ids=repr)
def test_money_fields_refuse_anything_but_a_positive_integer_and_store_nothing(world, amount):
    response = topup(api_for(world["owner"]), amount)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["amount_minor"]
    assert not TopUp.objects.exists() and not LedgerEntry.objects.exists()
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_json_nan_and_infinity_are_a_400_and_store_nothing(world, token):
    response = api_for(world["owner"]).post(
        url("wallet-topup"),
        f'{{"amount_minor": {token}}}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key(),
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert not TopUp.objects.exists()


def test_a_missing_amount_and_a_form_encoded_body_are_refused(world):
    brand = api_for(world["owner"])

    missing = brand.post(url("wallet-topup"), {}, format="json", HTTP_IDEMPOTENCY_KEY=key())
    multipart = brand.post(url("wallet-topup"), {"amount_minor": "100"}, format="multipart", HTTP_IDEMPOTENCY_KEY=key())

    assert missing.status_code == 400 and "amount_minor" in missing.json()["errors"]
    assert multipart.status_code == 415
    assert not TopUp.objects.exists()


def test_only_owners_and_managers_top_up_and_only_brand_members_see_a_wallet(world):
    viewer_topup = topup(api_for(world["viewer"]), 100_000)
    viewer_wallet = api_for(world["viewer"]).get(url("wallet-detail"))
    creator_wallet = api_for(world["creator"].user).get(url("wallet-detail"))
    creator_topup = topup(api_for(world["creator"].user), 100_000)
    guest = APIClient().get(url("wallet-detail"))

    assert viewer_topup.status_code == 403 and viewer_wallet.status_code == 200
    assert creator_wallet.status_code == creator_topup.status_code == 403
    assert guest.status_code == 401
    assert not TopUp.objects.exists()


def test_the_statement_pages_by_cursor_with_running_balances_both_ways(world):
    brand = api_for(world["owner"])
    for amount in (100, 200, 300, 400, 500):
        topup(brand, amount)

    first = brand.get(url("wallet-statement"), {"page_size": 2}).json()
    second = brand.get(first["next"]).json()
    back = brand.get(second["previous"]).json()
    other_brand = api_for(world["other_owner"]).get(url("wallet-statement")).json()

    rows = [(r["amount_minor"], r["balance_minor"]) for r in first["results"] + second["results"]]
    assert rows == [(500, 1500), (400, 1000), (300, 600), (200, 300)]
    assert back["results"] == first["results"]
    assert first["results"][0]["kind"] == "topup"
    assert other_brand["results"] == []


# ------------------------------------------------------------------ earnings and payouts


@pytest.fixture
def earned(world):
    """The world's creator after one settled deal (brand money topped up through the services)."""
    from payouts import services as money

    money.topup(brand_id=world["brand"].pk, amount=2_000_000, idempotency_key=key(), actor=world["owner"])
    deal_in(world, S.SETTLED, creator=world["creator"])
    return world


def payout(api, amount, idem=None):
    return api.post(url("payout-list"), {"amount_minor": amount}, format="json", HTTP_IDEMPOTENCY_KEY=idem or key())


def test_a_payout_leaves_the_available_balance_once_even_when_replayed(earned):
    creator = api_for(earned["creator"].user)

    first = payout(creator, 100_000, idem="payout-key-1")
    again = payout(creator, 100_000, idem="payout-key-1")
    earnings = creator.get(url("earnings-detail")).json()
    history = creator.get(url("payout-list")).json()["results"]

    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert earnings["available_minor"] == EARNED - 100_000 and earnings["in_flight_minor"] == 100_000
    assert [p["id"] for p in history] == [first.json()["id"]]
    assert Payout.objects.count() == 1


def test_a_payout_below_the_minimum_or_above_the_balance_is_refused(earned, settings):
    creator = api_for(earned["creator"].user)

    too_small = payout(creator, settings.PAYOUT_MINIMUM - 1)
    too_big = payout(creator, EARNED + 1)

    assert too_small.status_code == 400 and list(too_small.json()["errors"]) == ["amount_minor"]
    assert too_big.status_code == 409 and too_big.json()["code"] == "insufficient_funds"
    assert not Payout.objects.exists()


@pytest.mark.parametrize("amount", [0, -1, 1.5, "1,00", True, "NaN", "Infinity", 10**15], ids=repr)
def test_payout_amounts_are_checked_like_every_money_field(earned, amount):
    response = payout(api_for(earned["creator"].user), amount)

    assert response.status_code == 400 and list(response.json()["errors"]) == ["amount_minor"]
    assert not Payout.objects.exists()


def test_earnings_and_payouts_are_the_creators_own(earned):
    other = api_for(earned["other_creator"].user)
    payout(api_for(earned["creator"].user), 100_000)

    assert other.get(url("earnings-detail")).json()["available_minor"] == 0
    assert other.get(url("payout-list")).json()["results"] == []
    assert other.get(url("earnings-statement")).json()["results"] == []
    assert api_for(earned["owner"]).get(url("earnings-detail")).status_code == 403
    assert api_for(earned["owner"]).get(url("payout-list")).status_code == 403
    assert payout(api_for(earned["owner"]), 100_000).status_code == 403


def test_the_pending_statement_shows_the_payment_passing_through_to_available(earned):
    creator = api_for(earned["creator"].user)

    pending = creator.get(url("earnings-statement"), {"balance": "pending"}).json()["results"]
    wrong = creator.get(url("earnings-statement"), {"balance": "everything"})

    assert [(r["kind"], r["amount_minor"], r["balance_minor"]) for r in pending] == [
        ("settle", -EARNED, 0),
        ("release", EARNED, EARNED),
    ]
    assert wrong.status_code == 400 and "balance" in wrong.json()["errors"]


# ------------------------------------------------------------------ throttling


def test_money_posts_beyond_the_rate_get_429_with_retry_after(world, settings, monkeypatch):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "money": "2/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    # DRF binds the rates to the throttle class when it is imported; point it at the overridden ones.
    monkeypatch.setattr(MoneyThrottle, "THROTTLE_RATES", rates)
    brand = api_for(world["owner"])

    allowed = [topup(brand, 100).status_code for _ in range(2)]
    refused = topup(brand, 100)
    other_user = topup(api_for(world["other_owner"]), 100)
    reads_still_work = brand.get(url("wallet-detail"))

    assert allowed == [201, 201]
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["code"] == "throttled"
    assert other_user.status_code == 201
    assert reads_still_work.status_code == 200
    assert TopUp.objects.filter(brand=world["brand"]).count() == 2
