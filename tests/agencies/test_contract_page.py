"""The creator's own contract page says what the agency takes and may do the way the roster does: the share in
percent, and what the agency may do as one sentence, in English and in Chinese."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.agencies.conftest import make_agency, sign
from tests.html import text_of
from tests.orders.conftest import make_creator


def contract_text(rep, language: str = "en") -> str:
    """The contract's box on the creator's agency page, its whitespace collapsed."""
    client = Client()
    client.force_login(rep.creator.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("agencies:creator_agency")).content.decode()
    return " ".join(text_of(page, f"contract-{rep.pk}").split())


@pytest.fixture
def creator(db):
    return make_creator()


def test_the_creator_reads_the_share_in_percent_and_the_powers_as_a_sentence(creator):
    _agency, owner, _manager = make_agency()
    rep = sign(owner, creator, share_bps=1_500, may_answer_offers=True, may_see_earnings=True)

    text = contract_text(rep)

    assert "The agency's share of what you keep after the platform fee: 15 %" in text
    assert "The agency may answer offers and see your earnings." in text
    assert "basis points" not in text


def test_the_same_contract_in_chinese(creator):
    _agency, owner, _manager = make_agency()
    rep = sign(owner, creator, share_bps=1_500, may_answer_offers=True, may_see_earnings=True)

    text = contract_text(rep, "zh-hans")

    assert "机构从您扣除平台服务费后所得中的分成： 15 %" in text
    assert "机构可以代您答复邀约，并查看您的收入。" in text
    assert "基点" not in text


@pytest.mark.parametrize(
    ("powers", "sentence"),
    [
        (
            {"may_answer_offers": True, "may_submit_deliverables": True, "may_see_earnings": True},
            "The agency may answer offers, submit your work and see your earnings.",
        ),
        ({"may_answer_offers": False, "may_submit_deliverables": True}, "The agency may submit your work."),
        ({"may_answer_offers": False}, "The agency may not act for you."),
    ],
)
def test_every_set_of_powers_reads_as_one_sentence(creator, powers, sentence):
    _agency, owner, _manager = make_agency()
    rep = sign(owner, creator, **powers)

    assert sentence in contract_text(rep)


def test_a_share_with_a_fraction_is_shown_exactly(creator):
    _agency, owner, _manager = make_agency()
    rep = sign(owner, creator, share_bps=1_250)

    assert "after the platform fee: 12.5 %" in contract_text(rep)
    roster = Client()
    roster.force_login(owner)
    assert "12.5\u00a0%" in roster.get(reverse("agencies:roster")).content.decode()
