"""An accepted counter-offer adjusts the hold; the brand's statement tells the two amounts as money in the
reader's language, never the ledger memo's raw minor units (the memo itself stays as written: append-only)."""

from django.urls import reverse
from django.utils import translation

from marketplace.core import format_money
from orders.models import Collaboration
from orders.services import deals
from payouts.memos import memo_text
from payouts.models import LedgerTransaction
from tests.html import text_of
from tests.orders import conftest as deal_world
from tests.orders.conftest import PRICE, act, key, make_creator

S = Collaboration.Status
world = deal_world.world  # a brand with money and a published order (the deal tests' fixture)
COUNTER = 450_000  # CNY 4,500.00, within 20 % of the CNY 5,000.00 offered


def countered_and_accepted(world) -> LedgerTransaction:
    creator = make_creator()
    c = deals.offer_send(order_id=world["order"].pk, creator_id=creator.pk, actor=world["owner"], idempotency_key=key())
    deals.offer_counter(collaboration_id=c.pk, actor=creator.user, price=COUNTER, note="My usual price.")
    act(c, "accept_counter", world["owner"])
    return LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.HOLD_ADJUST, collaboration=c)


def test_the_wallet_statement_shows_an_adjusted_hold_as_money_from_and_to(world, client):
    tx = countered_and_accepted(world)
    client.force_login(world["owner"])

    statement = text_of(client.get(reverse("payouts:wallet")).content.decode(), "statement")

    assert tx.memo == f"{PRICE} -> {COUNTER}"  # the ledger row is untouched
    assert f"Hold adjusted · {world['order'].title}" in statement
    assert f"from {format_money(PRICE, 'CNY')} to {format_money(COUNTER, 'CNY')}" in statement
    assert "500000" not in statement and "450000" not in statement


def test_the_adjusted_hold_reads_well_in_chinese_too(world, client):
    countered_and_accepted(world)
    client.force_login(world["owner"])
    client.cookies["django_language"] = "zh-hans"

    statement = text_of(client.get(reverse("payouts:wallet")).content.decode(), "statement")

    with translation.override("zh-hans"):
        old, new = format_money(PRICE, "CNY"), format_money(COUNTER, "CNY")
    assert f"由 {old} 调整为 {new}" in statement
    assert "冻结金额已调整" in statement and "500000" not in statement


def test_the_wallet_csv_and_the_staff_ledger_page_format_it_alike(world, client):
    tx = countered_and_accepted(world)
    client.force_login(world["owner"])

    csv = b"".join(client.get(reverse("payouts:wallet_statement_csv")).streaming_content).decode()
    client.force_login(world["admin"])
    ledger = client.get(reverse("payouts:ledger")).content.decode()

    expected = f"from {format_money(PRICE, 'CNY')} to {format_money(COUNTER, 'CNY')}"
    assert expected in csv and f"{PRICE} -> {COUNTER}" not in csv
    assert expected in ledger and f"{PRICE} -&gt; {COUNTER}" not in ledger
    assert memo_text(tx, "CNY") == expected


def test_any_other_memo_is_shown_as_written(world):
    tx = LedgerTransaction(kind=LedgerTransaction.Kind.TOPUP, memo="TOPUP-12")

    assert memo_text(tx, "CNY") == "TOPUP-12"
