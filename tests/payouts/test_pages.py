"""Money pages: the brand wallet (top-up, statement, CSV), creator earnings (payouts) and the staff ledger overview."""

import csv
import io

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketplace.core import minor_to_decimal_str
from marketplace.models import AuditLog
from payouts import selectors, services
from payouts.models import Account, IdempotencyKey, LedgerTransaction, Payout, TopUp
from tests.factories import CreatorFactory, MembershipFactory, OrderFactory, UserFactory
from tests.pages import landed_on, log_in_through
from tests.payouts.conftest import escrowed_hold, fund, new_key

pytestmark = pytest.mark.django_db

WALLET = "payouts:wallet"
TOPUP = "payouts:wallet_topup"
CSV_EXPORT = "payouts:wallet_statement_csv"
EARNINGS = "payouts:earnings"
PAYOUT = "payouts:payout_request"
LEDGER = "payouts:ledger"
PAGE_QUERY_BOUND = 14
OVERVIEW_QUERY_BOUND = 22


@pytest.fixture
def owner():
    return MembershipFactory(role="owner", brand__name="Aurora Skin")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner.user)
    return client


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def _form_key(response, name: str = "form") -> str:
    return str(response.context[name]["idempotency_key"].value())


def _available(brand_id: int) -> int:
    return selectors.wallet_for_brand(brand_id=brand_id).available


def _ledger_state() -> tuple[int, int, int, int]:
    return (
        TopUp.objects.count(),
        Payout.objects.count(),
        LedgerTransaction.objects.count(),
        IdempotencyKey.objects.count(),
    )


def _earn(creator, amount: int) -> None:
    """The creator's share of one released and settled deal lands in their available balance."""
    hold = escrowed_hold(OrderFactory(currency="CNY"), creator, amount)
    services.release(hold_id=hold.pk, idempotency_key=new_key())
    services.settle(hold_id=hold.pk, idempotency_key=new_key())


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


# ------------------------------------------------------------------- wallet page


def test_wallet_shows_available_held_escrow_and_the_statement_with_running_balance(owner_client, owner):
    brand = owner.brand
    order = OrderFactory(brand=brand, currency="CNY", title="Spring launch")
    fund(brand, 500_000)
    escrowed_hold(order, CreatorFactory(), 120_000)
    services.hold(order_id=order.pk, amount=30_050, idempotency_key=new_key())

    response = owner_client.get(reverse(WALLET))

    body = response.content.decode()
    wallet = response.context["wallet"]
    assert (wallet.available, wallet.held, wallet.in_escrow) == (469_950, 30_050, 120_000)
    assert "CNY 4,699.50" in body and "CNY 300.50" in body and "CNY 1,200.00" in body
    rows = [(e.transaction.kind, e.amount, e.running_balance) for e in response.context["page"]]
    assert rows[0] == ("hold", -30_050, 469_950)
    assert rows[-1] == ("topup", 500_000, 500_000)
    assert "Spring launch" in body  # the escrow per order and the statement name the order


def test_statement_pages_and_htmx_gets_only_the_statement(owner_client, owner):
    for _ in range(30):
        fund(owner.brand, 100)

    second = owner_client.get(reverse(WALLET), {"page": 2})
    partial = owner_client.get(reverse(WALLET), {"page": 2}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="statement")

    assert [e.running_balance for e in second.context["page"]] == [500, 400, 300, 200, 100]
    assert "Page 2 of 2" in second.content.decode()
    body = partial.content.decode()
    assert body.lstrip().startswith('<section id="statement"') and "<html" not in body
    assert "CNY 5.00" in body


def test_wallet_nav_link_is_in_the_brand_navigation(owner_client):
    body = owner_client.get(reverse("brands:dashboard")).content.decode()

    assert f'href="{reverse(WALLET)}"' in body


def test_viewer_reads_the_wallet_but_cannot_top_up(client):
    viewer = MembershipFactory(role="viewer")
    fund(viewer.brand, 1_000)
    client.force_login(viewer.user)

    page = client.get(reverse(WALLET))
    post = client.post(reverse(TOPUP), {"amount": "10", "idempotency_key": new_key()})

    assert page.status_code == 200 and page.context["wallet"].available == 1_000
    assert reverse(TOPUP) not in page.content.decode()
    assert post.status_code == 403
    assert TopUp.objects.count() == 1


def test_manager_can_top_up(client):
    manager = MembershipFactory(role="manager")
    client.force_login(manager.user)

    response = client.post(reverse(TOPUP), {"amount": "12.30", "idempotency_key": new_key()})

    assert response.status_code == 302
    assert _available(manager.brand_id) == 1_230


def test_wallet_shows_only_the_viewers_own_brand(client, owner):
    fund(owner.brand, 777_700)
    other = MembershipFactory(role="owner")
    fund(other.brand, 100)
    client.force_login(other.user)

    response = client.get(reverse(WALLET))

    assert response.context["wallet"].available == 100
    assert [e.amount for e in response.context["page"]] == [100]
    assert "7,777.00" not in response.content.decode()


@pytest.mark.parametrize("who", ["creator", "staff", "no_role"])
def test_wallet_refuses_people_without_a_brand(client, who):
    user = {
        "creator": lambda: CreatorFactory().user,
        "staff": lambda: UserFactory(is_staff=True),
        "no_role": lambda: UserFactory(),
    }[who]()
    client.force_login(user)

    assert client.get(reverse(WALLET)).status_code == 403
    assert client.get(reverse(CSV_EXPORT)).status_code == 403
    assert client.post(reverse(TOPUP), {"amount": "10", "idempotency_key": new_key()}).status_code == 403
    assert TopUp.objects.count() == 0


def test_a_guest_is_sent_to_log_in_and_brought_back_to_the_wallet(client, owner):
    _login_page, back = log_in_through(client, reverse(WALLET), owner.user.email)

    assert landed_on(back) == reverse(WALLET)
    assert "<h1>Wallet</h1>" in back.content.decode()


# ---------------------------------------------------------------------- top-ups


def test_topup_form_sent_twice_with_its_key_credits_the_wallet_once(owner_client, owner, sandbox):
    page = owner_client.get(reverse(WALLET))
    key = _form_key(page)
    assert f'value="{key}"' in page.content.decode()

    first = owner_client.post(reverse(TOPUP), {"amount": "1234.56", "idempotency_key": key}, follow=True)
    second = owner_client.post(reverse(TOPUP), {"amount": "1234.56", "idempotency_key": key}, follow=True)

    assert TopUp.objects.filter(brand=owner.brand).count() == 1
    assert _available(owner.brand_id) == 123_456
    assert len(sandbox.calls("top_up")) == 1
    assert "CNY 1,234.56 is credited to your wallet." in first.content.decode()
    assert "CNY 1,234.56 is credited to your wallet." in second.content.decode()
    assert _form_key(first) != key  # the page after the redirect renders a fresh key for the next top-up


def test_a_topup_without_the_csrf_token_is_refused(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner.user)

    response = client.post(reverse(TOPUP), {"amount": "10", "idempotency_key": new_key()})

    assert response.status_code == 403
    assert TopUp.objects.count() == 0


def test_each_rendered_form_has_its_own_key(owner_client):
    assert _form_key(owner_client.get(reverse(WALLET))) != _form_key(owner_client.get(reverse(WALLET)))


@pytest.mark.parametrize(
    "amount", ["12,00", "1.234", "-5", "", "NaN", "1e3", "0", " ", "١٢", "²", "1" * 1_000_000, "9" * 19]
)
def test_a_bad_amount_shows_a_field_error_and_changes_nothing(owner_client, owner, amount):
    before = _ledger_state()

    response = owner_client.post(reverse(TOPUP), {"amount": amount, "idempotency_key": new_key()})

    assert response.status_code == 400
    assert response.context["form"].errors["amount"]
    assert 'class="field-errors"' in response.content.decode()
    assert _ledger_state() == before
    assert _available(owner.brand_id) == 0


def test_a_bad_amount_through_htmx_swaps_in_the_form_with_its_error(owner_client):
    response = owner_client.post(
        reverse(TOPUP), {"amount": "12,00", "idempotency_key": new_key()}, HTTP_HX_REQUEST="true"
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.startswith('<form method="post"') and "field-errors" in body and "<html" not in body
    assert TopUp.objects.count() == 0


def test_topup_through_htmx_redirects_the_client_to_the_wallet(owner_client, owner):
    response = owner_client.post(reverse(TOPUP), {"amount": "10", "idempotency_key": new_key()}, HTTP_HX_REQUEST="true")
    wallet = owner_client.get(response["HX-Redirect"])  # what htmx opens next

    assert response["HX-Redirect"] == reverse(WALLET)
    assert '<div class="number" id="wallet-available">CNY 10.00</div>' in wallet.content.decode()
    assert _available(owner.brand_id) == 1_000


def test_a_missing_or_forged_key_asks_to_send_the_form_again(owner_client):
    missing = owner_client.post(reverse(TOPUP), {"amount": "10"})
    forged = owner_client.post(reverse(TOPUP), {"amount": "10", "idempotency_key": "not-a-uuid"})

    assert missing.status_code == forged.status_code == 400
    assert "This form has expired" in missing.content.decode()
    assert TopUp.objects.count() == 0


def test_the_same_key_with_another_amount_is_refused_and_the_form_gets_a_new_key(owner_client, owner):
    key = new_key()
    owner_client.post(reverse(TOPUP), {"amount": "10", "idempotency_key": key})

    response = owner_client.post(reverse(TOPUP), {"amount": "20", "idempotency_key": key})

    assert response.status_code == 400
    assert "already sent with other values" in response.content.decode()
    assert _form_key(response) != key
    assert _available(owner.brand_id) == 1_000


def test_with_the_manual_provider_a_topup_waits_for_the_bank_transfer_and_shows_its_reference(
    owner_client, owner, settings
):
    settings.PAYMENT_PROVIDER = "manual"

    response = owner_client.post(reverse(TOPUP), {"amount": "5000", "idempotency_key": new_key()}, follow=True)

    topup = TopUp.objects.get()
    body = response.content.decode()
    assert topup.status == TopUp.Status.PENDING
    assert "pending until an admin confirms the bank transfer" in body
    assert f"TOPUP-{topup.pk}" in body
    assert _available(owner.brand_id) == 0
    assert [t.pk for t in response.context["pending_page"]] == [topup.pk]


# -------------------------------------------------------------------------- CSV


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_csv_export_lists_the_statement_oldest_first_with_running_balance(owner_client, owner):
    order = OrderFactory(brand=owner.brand, currency="CNY", title="=HYPERLINK(evil)")
    fund(owner.brand, 100_000)
    fund(owner.brand, 25_050)
    services.hold(order_id=order.pk, amount=30_025, idempotency_key=new_key())

    rows = _csv(owner_client.get(reverse(CSV_EXPORT)))

    header, *body = rows
    assert header == [
        "date",
        "transaction",
        "kind",
        "description",
        "reference",
        "order",
        "amount",
        "currency",
        "balance",
    ]
    assert [(r[2], r[6], r[7], r[8]) for r in body] == [
        ("topup", "1000.00", "CNY", "1000.00"),
        ("topup", "250.50", "CNY", "1250.50"),
        ("hold", "-300.25", "CNY", "950.25"),
    ]
    assert body[2][5] == "'=HYPERLINK(evil)"  # a spreadsheet must not run an order title as a formula
    assert body[0][4].startswith("sbx_in_")  # the provider's reference


@pytest.mark.parametrize("title", [" =HYPERLINK(evil)", "＝HYPERLINK(evil)", "\u00a0@SUM(A1)", "－1+cmd"])
def test_csv_export_defuses_formulas_behind_blanks_and_in_fullwidth_forms(owner_client, owner, title):
    order = OrderFactory(brand=owner.brand, currency="CNY", title=title)
    fund(owner.brand, 100_000)
    services.hold(order_id=order.pk, amount=30_025, idempotency_key=new_key())

    rows = _csv(owner_client.get(reverse(CSV_EXPORT)))

    assert rows[2][5] == "'" + title
    assert rows[2][6] == "-300.25"  # amounts stay numbers


def test_csv_export_of_another_brand_has_only_the_header(client, owner):
    fund(owner.brand, 1_000)
    other = MembershipFactory(role="viewer")
    client.force_login(other.user)

    rows = _csv(client.get(reverse(CSV_EXPORT)))

    assert len(rows) == 1


def test_negative_minor_units_keep_their_cents_in_decimal_text():
    assert [minor_to_decimal_str(n) for n in (-150, -1, -100, 0, 5, 123_456)] == [
        "-1.50",
        "-0.01",
        "-1.00",
        "0.00",
        "0.05",
        "1234.56",
    ]


# --------------------------------------------------------------- creator earnings


@pytest.fixture
def creator():
    return CreatorFactory(display_name="Mei Lin")


@pytest.fixture
def creator_client(client, creator):
    client.force_login(creator.user)
    return client


def test_earnings_show_pending_available_statement_and_payouts(creator_client, creator):
    _earn(creator, 10_000)  # 9,000 to the creator after the 10 % fee
    pending_hold = escrowed_hold(OrderFactory(currency="CNY"), creator, 5_000)
    services.release(hold_id=pending_hold.pk, idempotency_key=new_key())  # 4,500 pending until settled
    services.payout_request(creator_id=creator.pk, amount=2_000, idempotency_key=new_key())

    response = creator_client.get(reverse(EARNINGS))

    earnings = response.context["earnings"]
    assert (earnings.pending, earnings.available) == (4_500, 7_000)
    body = response.content.decode()
    assert "CNY 45.00" in body and "CNY 70.00" in body
    assert [(e.transaction.kind, e.amount, e.running_balance) for e in response.context["page"]] == [
        ("payout", -2_000, 7_000),
        ("settle", 9_000, 9_000),
    ]
    assert [p.amount for p in response.context["payouts_page"]] == [2_000]
    assert f'href="{reverse(EARNINGS)}"' in body  # the nav link


@pytest.mark.parametrize("who", ["brand", "staff", "other_creator"])
def test_earnings_are_only_the_creators_own(client, creator, who):
    _earn(creator, 10_000)
    user = {
        "brand": lambda: MembershipFactory().user,
        "staff": lambda: UserFactory(is_staff=True),
        "other_creator": lambda: CreatorFactory().user,
    }[who]()
    client.force_login(user)

    response = client.get(reverse(EARNINGS))
    post = client.post(reverse(PAYOUT), {"amount": "10", "idempotency_key": new_key()})

    if who == "other_creator":
        assert response.status_code == 200 and response.context["earnings"].available == 0
        assert post.status_code == 400
    else:
        assert response.status_code == 404 and post.status_code == 404
    assert Payout.objects.count() == 0


def test_a_payout_request_sent_twice_with_its_key_is_one_payout(creator_client, creator, sandbox):
    _earn(creator, 10_000)
    key = _form_key(creator_client.get(reverse(EARNINGS)))

    first = creator_client.post(reverse(PAYOUT), {"amount": "60", "idempotency_key": key}, follow=True)
    second = creator_client.post(reverse(PAYOUT), {"amount": "60", "idempotency_key": key}, follow=True)

    assert Payout.objects.filter(creator=creator).count() == 1
    assert selectors.earnings_for_creator(creator_id=creator.pk).available == 3_000
    assert "Your payout of CNY 60.00 is requested." in first.content.decode()
    assert "Your payout of CNY 60.00 is requested." in second.content.decode()


def test_a_payout_below_the_minimum_is_refused_next_to_the_amount(creator_client, creator, settings):
    settings.PAYOUT_MINIMUM = 5_000
    _earn(creator, 10_000)
    before = _ledger_state()

    response = creator_client.post(reverse(PAYOUT), {"amount": "49.99", "idempotency_key": new_key()})

    assert response.status_code == 400
    assert response.context["form"].errors["amount"] == ["The smallest payout is CNY 50.00."]
    assert "The smallest payout is CNY 50.00." in response.content.decode()
    assert _ledger_state() == before


def test_a_payout_above_the_available_balance_is_refused_next_to_the_amount(creator_client, creator):
    _earn(creator, 10_000)
    before = _ledger_state()

    response = creator_client.post(reverse(PAYOUT), {"amount": "90.01", "idempotency_key": new_key()})

    assert response.status_code == 400
    assert "Not enough funds" in response.context["form"].errors["amount"][0]
    assert _ledger_state() == before
    assert selectors.earnings_for_creator(creator_id=creator.pk).available == 9_000


@pytest.mark.parametrize("amount", ["12,00", "-5", "", "NaN", "1e3", "1" * 1_000_000])
def test_a_bad_payout_amount_shows_a_field_error(creator_client, creator, amount):
    _earn(creator, 10_000)
    before = _ledger_state()

    response = creator_client.post(reverse(PAYOUT), {"amount": amount, "idempotency_key": new_key()})

    assert response.status_code == 400 and response.context["form"].errors["amount"]
    assert _ledger_state() == before


def test_payout_history_shows_status_reference_attempts_and_last_error(creator_client, creator, sandbox):
    _earn(creator, 10_000)
    payout = services.payout_request(creator_id=creator.pk, amount=1_000, idempotency_key=new_key())
    sandbox.fail_next(1)
    with pytest.raises(services.PayoutRetry):
        services.payout_send(payout_id=payout.pk)
    services.payout_send(payout_id=payout.pk)

    body = creator_client.get(reverse(EARNINGS)).content.decode()

    payout.refresh_from_db()
    assert payout.status == Payout.Status.SENT and payout.attempts == 2
    assert payout.provider_reference in body
    assert "Sent" in body


def test_payout_history_shows_a_failed_payouts_last_error(creator_client, creator, sandbox, settings):
    settings.PAYOUT_MAX_ATTEMPTS = 1
    _earn(creator, 10_000)
    payout = services.payout_request(creator_id=creator.pk, amount=1_000, idempotency_key=new_key())
    sandbox.fail_next(1)
    services.payout_send(payout_id=payout.pk)

    body = creator_client.get(reverse(EARNINGS)).content.decode()

    assert "sandbox: simulated outage" in body and "Failed" in body


# -------------------------------------------------------------- ledger overview


@pytest.mark.parametrize("who", ["brand", "creator", "no_role"])
def test_ledger_overview_is_for_staff_only(client, who):
    user = {
        "brand": lambda: MembershipFactory().user,
        "creator": lambda: CreatorFactory().user,
        "no_role": lambda: UserFactory(),
    }[who]()
    client.force_login(user)
    topup = TopUp.objects.create(brand=MembershipFactory().brand, amount=100, currency="CNY", provider="manual")

    assert client.get(reverse(LEDGER)).status_code == 403
    url = reverse("payouts:admin_topup_confirm", args=[topup.pk])
    assert client.post(url, {f"confirm-topup-{topup.pk}-reference": "B1"}).status_code == 403
    topup.refresh_from_db()
    assert topup.status == TopUp.Status.PENDING


def test_ledger_overview_shows_balances_per_kind_the_check_and_recent_transactions(staff_client, owner):
    fund(owner.brand, 250_000)

    response = staff_client.get(reverse(LEDGER))

    body = response.content.decode()
    assert response.context["problems"] == []
    assert "Balanced" in body
    kinds = {k.kind: k.balance for k in response.context["overview"][0].kinds}
    assert kinds == {"brand_available": 250_000, "provider": -250_000}
    assert "CNY 2,500.00" in body and "-CNY 2,500.00" in body
    assert [tx.kind for tx in response.context["transactions"]] == ["topup"]
    assert f'href="{reverse(LEDGER)}"' in body  # the staff nav link


def test_ledger_overview_lists_the_problems_when_the_ledger_disagrees(staff_client, owner):
    fund(owner.brand, 1_000)
    # The cached balance is the one thing the database does not recompute: break it by hand.
    Account.objects.filter(kind=Account.Kind.BRAND_AVAILABLE).update(balance=F("balance") + 1)

    response = staff_client.get(reverse(LEDGER))

    body = response.content.decode()
    assert response.context["problems"]
    assert "Balanced" not in body
    assert "cached 1001, entries sum to 1000" in body


@pytest.fixture
def pending_topup(owner, settings):
    settings.PAYMENT_PROVIDER = "manual"
    topup = services.topup(brand_id=owner.brand_id, amount=80_000, idempotency_key=new_key(), actor=owner.user)
    assert topup.status == TopUp.Status.PENDING
    return topup


def test_staff_confirms_a_pending_topup_with_the_bank_reference(staff_client, staff, owner, pending_topup):
    page = staff_client.get(reverse(LEDGER))
    prefix = f"confirm-topup-{pending_topup.pk}"
    key = str(page.context["topup_rows"][0]["confirm_form"]["idempotency_key"].value())
    data = {f"{prefix}-reference": "ICBC-2024-0042", f"{prefix}-idempotency_key": key}
    url = reverse("payouts:admin_topup_confirm", args=[pending_topup.pk])

    response = staff_client.post(url, data, HTTP_X_REQUEST_ID="req-confirm-1")
    again = staff_client.post(url, data, HTTP_X_REQUEST_ID="req-confirm-2")

    assert response.status_code == again.status_code == 302
    pending_topup.refresh_from_db()
    assert pending_topup.status == TopUp.Status.SUCCEEDED
    assert pending_topup.provider_reference == "ICBC-2024-0042"
    assert _available(owner.brand_id) == 80_000
    row = AuditLog.objects.get(action="money.topup")
    assert (row.actor, row.object_type, row.object_id) == (staff, "payouts.topup", str(pending_topup.pk))
    assert row.request_id == "req-confirm-1"
    assert sorted(leg["amount"] for leg in row.data["legs"]) == [-80_000, 80_000]


def test_confirming_without_a_reference_shows_the_error_next_to_the_field(staff_client, owner, pending_topup):
    prefix = f"confirm-topup-{pending_topup.pk}"
    url = reverse("payouts:admin_topup_confirm", args=[pending_topup.pk])

    response = staff_client.post(url, {f"{prefix}-reference": "", f"{prefix}-idempotency_key": new_key()})
    htmx = staff_client.post(
        url, {f"{prefix}-reference": "", f"{prefix}-idempotency_key": new_key()}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 400
    assert response.context["topup_rows"][0]["confirm_form"].errors["reference"]
    assert htmx.status_code == 200 and htmx.content.decode().startswith(f'<tr id="topup-{pending_topup.pk}"')
    assert "field-errors" in htmx.content.decode()
    pending_topup.refresh_from_db()
    assert pending_topup.status == TopUp.Status.PENDING


def test_staff_fails_a_pending_topup_and_it_is_audited(staff_client, staff, owner, pending_topup):
    prefix = f"fail-topup-{pending_topup.pk}"
    url = reverse("payouts:admin_topup_fail", args=[pending_topup.pk])

    response = staff_client.post(
        url,
        {f"{prefix}-reason": "No transfer after 30 days", f"{prefix}-idempotency_key": new_key()},
        HTTP_X_REQUEST_ID="req-fail-1",
    )

    assert response.status_code == 302
    pending_topup.refresh_from_db()
    assert pending_topup.status == TopUp.Status.FAILED
    assert _available(owner.brand_id) == 0
    row = AuditLog.objects.get(action="money.topup_failed")
    assert (row.actor, row.request_id, row.data["amount"]) == (staff, "req-fail-1", 80_000)


def test_an_unknown_topup_is_404(staff_client):
    url = reverse("payouts:admin_topup_confirm", args=[999_999])

    response = staff_client.post(
        url, {"confirm-topup-999999-reference": "X", "confirm-topup-999999-idempotency_key": new_key()}
    )

    assert response.status_code == 404


@pytest.fixture
def awaiting_payout(creator, settings):
    _earn(creator, 10_000)
    settings.PAYMENT_PROVIDER = "manual"
    payout = services.payout_request(creator_id=creator.pk, amount=4_000, idempotency_key=new_key())
    payout = services.payout_send(payout_id=payout.pk)
    assert payout.status == Payout.Status.AWAITING_CONFIRMATION
    return payout


def test_staff_marks_a_payout_sent_with_a_reference(staff_client, staff, awaiting_payout):
    prefix = f"sent-payout-{awaiting_payout.pk}"
    url = reverse("payouts:admin_payout_sent", args=[awaiting_payout.pk])

    response = staff_client.post(
        url,
        {f"{prefix}-reference": "BOC-OUT-9", f"{prefix}-idempotency_key": new_key()},
        HTTP_X_REQUEST_ID="req-sent-1",
    )

    assert response.status_code == 302
    awaiting_payout.refresh_from_db()
    assert (awaiting_payout.status, awaiting_payout.provider_reference) == (Payout.Status.SENT, "BOC-OUT-9")
    row = AuditLog.objects.get(action="money.payout_marked_sent")
    assert (row.actor, row.request_id, row.data["amount"]) == (staff, "req-sent-1", 4_000)
    assert row.object_id == str(awaiting_payout.pk)


def test_staff_marks_a_payout_failed_and_the_money_goes_back(staff_client, staff, creator, awaiting_payout):
    prefix = f"fail-payout-{awaiting_payout.pk}"
    url = reverse("payouts:admin_payout_failed", args=[awaiting_payout.pk])

    response = staff_client.post(
        url,
        {f"{prefix}-reason": "Account closed", f"{prefix}-idempotency_key": new_key()},
        HTTP_X_REQUEST_ID="req-failed-1",
    )

    assert response.status_code == 302
    awaiting_payout.refresh_from_db()
    assert awaiting_payout.status == Payout.Status.FAILED
    assert selectors.earnings_for_creator(creator_id=creator.pk).available == 9_000
    row = AuditLog.objects.get(action="money.payout_reversal")
    assert (row.actor, row.request_id) == (staff, "req-failed-1")
    assert sorted(leg["amount"] for leg in row.data["legs"]) == [-4_000, 4_000]
    assert selectors.ledger_problems() == []


def test_a_sent_payout_offers_no_more_actions(staff_client, awaiting_payout):
    services.payout_mark_sent(payout_id=awaiting_payout.pk, reference="R", idempotency_key=new_key(), actor=None)
    prefix = f"fail-payout-{awaiting_payout.pk}"
    url = reverse("payouts:admin_payout_failed", args=[awaiting_payout.pk])

    page = staff_client.get(reverse(LEDGER))
    late = staff_client.post(url, {f"{prefix}-reason": "late", f"{prefix}-idempotency_key": new_key()})
    late_htmx = staff_client.post(
        url, {f"{prefix}-reason": "late", f"{prefix}-idempotency_key": new_key()}, HTTP_HX_REQUEST="true"
    )

    assert page.context["payout_rows"] == []
    assert late.status_code == 400
    assert "cannot be marked failed now" in late.content.decode()  # its row is gone: the refusal shows on top
    row = late_htmx.content.decode()
    assert "cannot be marked failed now" in row and "<form" not in row
    awaiting_payout.refresh_from_db()
    assert awaiting_payout.status == Payout.Status.SENT


# ------------------------------------------------------------------ query counts


@pytest.mark.parametrize("rows", [3, 30])
def test_wallet_page_queries_do_not_grow_with_the_statement(owner_client, owner, rows, django_assert_max_num_queries):
    order = OrderFactory(brand=owner.brand, currency="CNY")
    for _ in range(rows - 1):
        fund(owner.brand, 1_000)
    services.hold(order_id=order.pk, amount=500, idempotency_key=new_key())

    with django_assert_max_num_queries(PAGE_QUERY_BOUND):
        owner_client.get(reverse(WALLET))
    with django_assert_max_num_queries(PAGE_QUERY_BOUND):
        b"".join(owner_client.get(reverse(CSV_EXPORT)).streaming_content)


def test_wallet_page_needs_the_same_queries_for_3_and_30_rows(client):
    counts = []
    for rows in (3, 30):
        member = MembershipFactory(role="owner")
        for _ in range(rows):
            fund(member.brand, 1_000)
        client.force_login(member.user)
        counts.append(_count_queries(client, reverse(WALLET)))

    assert counts[0] == counts[1] <= PAGE_QUERY_BOUND


def test_earnings_page_needs_the_same_queries_for_3_and_30_rows(client):
    counts = []
    for rows in (3, 30):
        creator = CreatorFactory()
        _earn(creator, 1_000_000)
        for _ in range(rows - 1):
            services.payout_request(creator_id=creator.pk, amount=100, idempotency_key=new_key())
        client.force_login(creator.user)
        counts.append(_count_queries(client, reverse(EARNINGS)))

    assert counts[0] == counts[1] <= PAGE_QUERY_BOUND


def test_ledger_overview_needs_the_same_queries_for_3_and_30_rows(client, settings):
    client.force_login(UserFactory(is_staff=True))
    counts = []
    for rows in (3, 30):
        member = MembershipFactory(role="owner")
        for _ in range(rows):
            fund(member.brand, 1_000)
        creator = CreatorFactory()
        _earn(creator, 10_000)
        settings.PAYMENT_PROVIDER = "manual"
        for _ in range(rows // 3):
            services.topup(brand_id=member.brand_id, amount=500, idempotency_key=new_key())
        services.payout_request(creator_id=creator.pk, amount=1_000, idempotency_key=new_key())
        settings.PAYMENT_PROVIDER = "sandbox"
        counts.append(_count_queries(client, reverse(LEDGER)))

    assert counts[0] == counts[1] <= OVERVIEW_QUERY_BOUND
