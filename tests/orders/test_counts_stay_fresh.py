"""A step taken with htmx on one part of a page redraws every count that step changes elsewhere on
the page (out of band), so no "(n)" is stale until a reload.

Each row is a page and an htmx form on it; the check is the same for all: read the page's counts, post
the form as htmx does, read the page again, and every count that changed must be in the answer with
its new value. A new htmx step that changes a count goes in the table.
"""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from orders.models import Collaboration
from tests.html import counts_of
from tests.orders.conftest import PRICE, deal_in, make_creator
from tests.orders.test_pages_brand import stored_ranking
from tests.pages import page_as_shown

S = Collaboration.Status
HX = {"HTTP_HX_REQUEST": "true"}
INBOX = "/deals/inbox/"


def _inbox_step(state: str, action: str):
    def setup(world):
        c = deal_in(world, state)
        return c.creator.user, INBOX, reverse("deals:act", args=[c.pk, action]), {"origin": "inbox"}

    return setup


def _apply(world):
    creator = make_creator()
    url = reverse("deals:apply", args=[world["order"].pk])
    return creator.user, INBOX, url, {"quote": str(PRICE // 100), "pitch": "Every week."}


def _board_step(action: str):
    def setup(world):
        c = deal_in(world, S.APPLIED)
        page = reverse("orders:detail", args=[world["order"].pk])
        return world["owner"], page, reverse("deals:act", args=[c.pk, action]), {"origin": "board"}

    return setup


def _send_offers(world):
    creator = make_creator()
    stored_ranking(world["order"], [creator])
    page = reverse("orders:detail", args=[world["order"].pk])
    url = reverse("deals:offers_send", args=[world["order"].pk])
    return world["owner"], page, url, {"creator": [creator.pk], "idempotency_key": str(uuid.uuid4())}


STEPS = {
    "inbox: accept an offer": _inbox_step(S.OFFERED, "accept"),
    "inbox: decline an offer": _inbox_step(S.OFFERED, "decline"),
    "inbox: withdraw an application": _inbox_step(S.APPLIED, "withdraw_application"),
    "inbox: apply to a recommended order": _apply,
    "order board: select an applicant": _board_step("select"),
    "order board: do not select an applicant": _board_step("reject_application"),
    "ranked list: send offers": _send_offers,
}


@pytest.mark.parametrize("step", STEPS)
def test_every_count_a_step_changes_is_redrawn_in_its_answer(world, client, step):
    user, page, url, data = STEPS[step](world)
    client.force_login(user)
    before = counts_of(page_as_shown(client, page))

    response = client.post(url, data, **HX)

    assert response.status_code == 200, response.content.decode()[:500]
    after = counts_of(page_as_shown(client, page))
    changed = {element_id: text for element_id, text in after.items() if before.get(element_id) != text}
    assert changed, f"{step} changes no count on {page}: the row tests nothing"
    answered = counts_of(response.content.decode())
    assert {element_id: answered.get(element_id) for element_id in changed} == changed
