"""Novice tasks (issue 17): a practice deal with the built-in practice brand walks the real collaboration flow
with no money at all, is left out of every aggregate, and the growth page checks each step off from the data."""

import ast
import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from brands.models import Brand, BrandMembership
from insights import growth as growth_reads
from insights import indices_sync
from insights.selectors import platform_overview
from marketplace.core import Conflict, NotAllowed
from marketplace.core.models import Notification
from matching import features
from orders import flows
from orders.for_creators import past_collaborations
from orders.models import Collaboration, Order
from orders.selectors.orders import creator_home
from orders.services import deals, deliverables, notifications
from orders.services.collaborations import ACTIONS, PRACTICE_REPLIES, PRACTICE_STEPS, money_kind
from orders.services.practice import PRACTICE_BRAND_SLUG, practice_brand_ensure, practice_offer_send
from orders.services.results import result_record
from orders.services.track_record import track_record_refresh
from payouts.models import Hold, IdempotencyKey, LedgerEntry, LedgerTransaction
from tests.factories import CollaborationFactory, CreatorFactory, CreatorLabelFactory, OrderFactory, RatePriceFactory
from tests.orders.conftest import mp4_upload

pytestmark = pytest.mark.django_db

S = Collaboration.Status
GROWTH = reverse("creators:growth")
START = reverse("creators:practice_offer")
NOW = timezone.now() + timedelta(hours=1)


def money_rows() -> dict[str, int]:
    return {
        "holds": Hold.objects.count(),
        "ledger transactions": LedgerTransaction.objects.count(),
        "ledger entries": LedgerEntry.objects.count(),
        "idempotency keys": IdempotencyKey.objects.count(),
    }


def new_creator(**kw):
    creator = CreatorFactory(verification="unverified", max_concurrent=1, **kw)
    CreatorLabelFactory(creator=creator)
    RatePriceFactory(creator=creator, format="short_21_60", amount=80_000)
    return creator


def walk(creator, *, results: bool = True) -> Collaboration:
    """The creator's whole practice: offer, accept, script, video, publish, results."""
    c = practice_offer_send(creator=creator)
    user = creator.user
    deals.collaboration_transition(collaboration_id=c.pk, action="accept", actor=user)
    deliverables.script_submit(
        collaboration_id=c.pk, actor=user, text="Open on the product, show it in use, end on the link."
    )
    deliverables.video_submit(collaboration_id=c.pk, actor=user, upload=mp4_upload())
    deals.collaboration_transition(
        collaboration_id=c.pk, action="publish", actor=user, payload={"post_url": "https://example.com/test-post"}
    )
    if results:
        result_record(
            collaboration_id=c.pk, actor=user, day=1, values={"views": 1200, "likes": 80, "comments": 5, "shares": 3}
        )
    return Collaboration.objects.get(pk=c.pk)


# ------------------------------------------------------------------ the practice flow and its money


def test_a_practice_deal_walks_every_state_without_a_single_ledger_entry():
    creator = new_creator()
    before = money_rows()
    assert before == dict.fromkeys(before, 0)

    c = walk(creator)

    assert c.status == S.COMPLETED and c.post_url == "https://example.com/test-post"
    assert money_rows() == before
    walked = list(c.events.order_by("id").values_list("action", "actor_id"))
    assert walked == [
        ("offer", None),
        ("accept", creator.user_id),
        ("submit_script", creator.user_id),
        ("approve_script", None),  # the system plays the practice brand
        ("submit_video", creator.user_id),
        ("approve_video", None),
        ("publish", creator.user_id),
        ("accept_work", None),
    ]


def test_the_step_table_resolves_every_money_step_of_a_practice_deal_to_none():
    practice = Collaboration(origin=Collaboration.Origin.PRACTICE)
    real = Collaboration(origin=Collaboration.Origin.OFFER)

    moving = {name for name, step in ACTIONS.items() if money_kind(step, real)}

    assert {"accept", "decline", "select", "confirm_live", "cancel", "resolve"} <= moving
    assert all(money_kind(step, practice) == "" for step in ACTIONS.values())
    assert set(PRACTICE_REPLIES) | set(PRACTICE_REPLIES.values()) <= PRACTICE_STEPS


@pytest.mark.parametrize("action", ["counter", "open_dispute", "cancel", "confirm_live", "withdraw"])
def test_a_practice_deal_refuses_the_steps_that_negotiate_freeze_or_pay(action):
    creator = new_creator()
    c = walk(creator, results=False) if action == "confirm_live" else practice_offer_send(creator=creator)
    if action in ("open_dispute", "cancel"):
        deals.collaboration_transition(collaboration_id=c.pk, action="accept", actor=creator.user)

    with pytest.raises(NotAllowed):
        deals.collaboration_transition(
            collaboration_id=c.pk, action=action, actor=creator.user, comment="why", payload={"price": 80_000}
        )


def test_a_practice_deal_is_not_rated():
    creator = new_creator()
    c = walk(creator)

    with pytest.raises(Conflict):
        deals.collaboration_rate(collaboration_id=c.pk, actor=creator.user, rating=5)


def test_practice_offers_come_one_at_a_time_and_again_once_finished():
    creator = new_creator()
    first = practice_offer_send(creator=creator)

    with pytest.raises(Conflict):
        practice_offer_send(creator=creator)
    deals.collaboration_transition(collaboration_id=first.pk, action="decline", actor=creator.user)
    second = practice_offer_send(creator=creator)

    assert second.pk != first.pk and second.status == S.OFFERED
    assert Brand.objects.filter(is_practice=True).count() == 1


def test_the_practice_brand_is_a_system_account_no_one_logs_into():
    practice_brand_ensure()
    brand = practice_brand_ensure()

    assert Brand.objects.filter(slug=PRACTICE_BRAND_SLUG).count() == 1 and brand.is_practice
    assert not BrandMembership.objects.filter(brand=brand).exists()
    assert brand.verification != "verified"  # so no directory or search of verified brands lists it


def test_a_practice_offer_is_shown_at_the_creators_rate_card_and_takes_no_capacity():
    creator = new_creator()
    busy = CollaborationFactory(creator=creator, status=S.ACCEPTED, accepted=True)  # max_concurrent=1: full

    c = practice_offer_send(creator=creator)
    deals.collaboration_transition(collaboration_id=c.pk, action="accept", actor=creator.user)

    assert c.agreed_price == 80_000 and c.order.format == "short_21_60"
    assert flows.capacity_used(creator.pk) == 1 and busy.creator_id == creator.pk


def test_results_of_a_practice_deal_can_be_entered_at_once():
    creator = new_creator()
    c = walk(creator, results=False)

    snapshot = result_record(collaboration_id=c.pk, actor=creator.user, day=7, values={"views": 10})

    assert snapshot.views == 10


# ------------------------------------------------------------------ left out of every aggregate


def aggregates(creator, other) -> dict:
    """Every aggregate that reads collaborations or orders, for the practising creator and the platform."""
    track_record_refresh()
    creator.refresh_from_db()
    inputs = indices_sync.read_inputs().set_index("id")
    overview = platform_overview(now=NOW)
    growth = growth_reads.creator_growth(creator)
    home = creator_home(creator)
    return {
        "capacity": flows.capacity_used(creator.pk),
        "at capacity": flows.creators_at_capacity(),
        "record": (
            creator.fulfilment_rate,
            creator.fulfilment_orders,
            creator.avg_rating,
            creator.rating_count,
            creator.completed_orders,
        ),
        "growth figures": dataclasses.asdict(growth.figures),
        "growth stage": growth.stage,
        "dashboard active": home.active_collaborations,
        "index inputs": inputs.loc[creator.pk].fillna(-1).to_dict(),
        "deal events": features.deal_events().fillna(-1).to_dict("list"),
        "training offers": features._offers_by_order(),
        "booked together": [a.tolist() for a in features.booked_together([other.pk])],
        "product history": features.product_history([None]).fillna(-1).to_dict("list"),
        "past collaborations": past_collaborations(creator.pk),
        "overview": repr(overview),
        "orders": Order.objects.real().count(),
    }


def test_a_finished_practice_deal_changes_no_aggregate():
    creator = new_creator()
    other = CreatorFactory()
    real = CollaborationFactory(creator=other, status=S.COMPLETED, accepted=True, completed_at=timezone.now())
    CollaborationFactory(creator=creator, order=real.order, status=S.COMPLETED, accepted=True)
    before = aggregates(creator, other)

    walk(creator)
    after = aggregates(creator, other)

    changed = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
    assert changed == {}


# Every query over collaborations that counts, sums or groups is an aggregate a practice deal must stay out of.
# These read only what is the viewer's own (the creator's inbox counts, one order's board) — where a practice
# deal is the creator's own and shows labelled — or they are the practice code itself.
OWN_VIEWS = {
    ("orders/selectors/deals.py", "inbox_group_counts"),
    ("orders/selectors/orders.py", "creator_home"),  # its capacity count is flows.CAPACITY_USED (real deals)
}
AGGREGATING = {"aggregate", "annotate", "count", "values", "values_list", "distinct", "exists"}
APPS = ("orders", "insights", "matching", "programmes", "payouts", "creators", "brands", "agencies", "learning")


def _chains(tree: ast.AST):
    """(function name, the attribute names of every call chain starting at Collaboration.objects / Order.objects)"""
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef):
            continue
        for node in ast.walk(func):
            if not isinstance(node, ast.Attribute) or node.attr != "objects":
                continue
            if not (isinstance(node.value, ast.Name) and node.value.id in ("Collaboration", "Order")):
                continue
            yield func.name, node


def test_every_aggregate_over_deals_leaves_practice_deals_out():
    root = Path(settings.BASE_DIR)
    offenders = []
    for app in APPS:
        for path in (root / app).rglob("*.py"):
            rel = str(path.relative_to(root))
            if "migrations" in rel:
                continue
            source = path.read_text()
            tree = ast.parse(source)
            parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
            for name, node in _chains(tree):
                names, up = [], node
                while up in parents and isinstance(parents[up], ast.Attribute | ast.Call):
                    up = parents[up]
                    if isinstance(up, ast.Attribute):
                        names.append(up.attr)
                if not AGGREGATING & set(names) or {"real", "practice"} & set(names):
                    continue
                if ("filter" in names and _scoped_to_one(up)) or (rel, name) in OWN_VIEWS:
                    continue
                offenders.append(f"{rel}:{node.lineno} {name}: {'.'.join(names)}")
            if "_meta.db_table" in source and "Collaboration._meta" in source and "REAL_DEAL_SQL" not in source:
                offenders.append(f"{rel}: SQL over collaborations without REAL_DEAL_SQL")
    assert offenders == []


def _scoped_to_one(chain: ast.AST) -> bool:
    """A lookup of one row or one order's / one brand's rows (pk=, order=, brand_id=, collaboration=): not a
    platform or creator aggregate."""
    one = {"pk", "id", "order", "order_id", "brand_id", "order__brand_id", "collaboration", "pk__in"}
    return any(isinstance(n, ast.keyword) and n.arg in one for n in ast.walk(chain))


# ------------------------------------------------------------------ never shown to brands


def test_the_practice_deal_is_labelled_for_the_creator_and_hidden_from_brands(client):
    creator = new_creator()
    offer = practice_offer_send(creator=creator)
    client.force_login(creator.user)
    inbox = client.get(reverse("deals:inbox")).content.decode()
    deals.collaboration_transition(collaboration_id=offer.pk, action="decline", actor=creator.user)
    c = walk(creator)

    page = client.get(reverse("deals:collaboration", args=[c.pk])).content.decode()
    profile = client.get(reverse("creators:detail", args=[creator.handle])).content.decode()

    assert "practice-badge" in inbox and offer.order.title in inbox
    assert "practice: nothing is paid" in inbox and "you receive" not in inbox
    assert "Counter with another price" not in inbox  # a practice offer is answered, not countered
    assert "practice: nothing is paid" in page and 'id="accept-take"' not in page
    assert 'id="practice-note"' in page and "practice-badge" in page
    assert c.order.title not in profile  # the public profile's past collaborations leave it out


def test_a_practice_deals_results_show_its_counts_and_no_cost_per_view_of_a_price_nobody_pays(client):
    practice = walk(new_creator())
    paid = CollaborationFactory(status=S.PUBLISHED, agreed_price=80_000)
    result_record(
        collaboration_id=paid.pk, actor=paid.creator.user, day=1, values={"views": 1200, "likes": 80, "comments": 5}
    )

    client.force_login(practice.creator.user)
    practice_page = client.get(reverse("deals:collaboration", args=[practice.pk])).content.decode()
    client.force_login(paid.creator.user)
    paid_page = client.get(reverse("deals:collaboration", args=[paid.pk])).content.decode()

    client.force_login(practice.creator.user)
    practice_api = client.get(reverse("api:collaboration-report", args=[practice.pk])).json()
    client.force_login(paid.creator.user)
    paid_api = client.get(reverse("api:collaboration-report", args=[paid.pk])).json()

    assert 'id="figure-views"' in practice_page and 'id="figure-engagement_rate"' in practice_page
    for money in ("cpm", "cpe", "cost_per_conversion"):
        assert f'id="figure-{money}"' not in practice_page
        assert f'id="figure-{money}"' in paid_page
    # The API says the same: the counts, and no cost ratio of a price nobody pays.
    assert practice_api["actual"]["views"] == 1200 and practice_api["actual"]["engagement_rate"] is not None
    assert [practice_api[side][f"{m}_minor"] for side in ("expected", "actual") for m in ("cpm", "cpe")] == [None] * 4
    assert paid_api["actual"]["cpm_minor"] == 66_667 and paid_api["actual"]["cpe_minor"] == 941


# ------------------------------------------------------------------ the growth page


def novice_marks(page: str) -> dict[str, bool]:
    section = page.split('id="novice-tasks"', 1)[1].split("</section>", 1)[0]
    marks = {}
    for chunk in section.split('data-novice="')[1:]:
        key, rest = chunk.split('"', 1)
        marks[key] = rest.lstrip(">").lstrip().startswith("step-done") or "(done)" in rest.split("</li>", 1)[0]
    return marks


def test_the_growth_page_checks_off_each_novice_step_from_the_data(client):
    creator = CreatorFactory(verification="unverified", bio="", audience_age={}, audience_gender={}, audience_region={})
    client.force_login(creator.user)

    first = client.get(GROWTH).content.decode()
    assert novice_marks(first) == dict.fromkeys(
        [
            "profile",
            "rate_card",
            "practice_answered",
            "practice_script",
            "practice_video",
            "practice_published",
            "practice_results",
        ],
        False,
    )
    assert "Start the practice offer" in first

    response = client.post(START, follow=True)
    c = Collaboration.objects.practice().get(creator=creator)
    assert response.redirect_chain[-1][0] == reverse("deals:collaboration", args=[c.pk])
    assert "The practice brand sent you an offer" in response.content.decode()
    deals.collaboration_transition(collaboration_id=c.pk, action="accept", actor=creator.user)
    deliverables.script_submit(collaboration_id=c.pk, actor=creator.user, text="A script.")

    middle = client.get(GROWTH).content.decode()
    assert novice_marks(middle)["practice_answered"] and novice_marks(middle)["practice_script"]
    assert not novice_marks(middle)["practice_video"]
    assert "Continue your practice collaboration" in middle and "Start the practice offer" not in middle

    creator.bio = "Skincare for students."
    creator.audience_age = {"18-23": 1.0}
    creator.save()
    CreatorLabelFactory(creator=creator)
    RatePriceFactory(creator=creator)
    deliverables.video_submit(collaboration_id=c.pk, actor=creator.user, upload=mp4_upload())
    deals.collaboration_transition(
        collaboration_id=c.pk, action="publish", actor=creator.user, payload={"post_url": "https://example.com/p"}
    )
    result_record(collaboration_id=c.pk, actor=creator.user, day=1, values={"views": 5})

    last = client.get(GROWTH)
    page = last.content.decode()
    assert all(novice_marks(page).values())
    assert 'id="novice-finished"' in page
    step = {s.key: s for s in last.context["growth"].checklist}["novice"]
    assert step.done and step.progress == 7


def test_the_novice_tasks_are_a_departure_step_only(client, settings):
    settings.GROWTH_STAGE_THRESHOLDS = {
        **settings.GROWTH_STAGE_THRESHOLDS,
        "exploration": {"orders": 1, "income": 0, "rating": 0},
    }
    creator = new_creator()
    CollaborationFactory(creator=creator, status=S.SETTLED, accepted=True, completed_at=timezone.now())
    client.force_login(creator.user)

    response = client.get(GROWTH)

    growth = response.context["growth"]
    assert growth.stage == "exploration"
    assert "novice" not in {s.key for s in growth.checklist}
    assert 'id="novice-tasks"' not in response.content.decode()
    assert client.post(START).status_code == 302 and not Collaboration.objects.practice().exists()


def test_starting_the_practice_offer_twice_says_to_finish_the_first(client):
    creator = new_creator()
    client.force_login(creator.user)
    client.post(START)

    response = client.post(START, follow=True)

    assert "Finish your practice offer before asking for another." in response.content.decode()
    assert Collaboration.objects.practice().filter(creator=creator).count() == 1


def test_the_growth_page_runs_the_same_queries_with_a_practice_deal(client):
    creator = new_creator()
    client.force_login(creator.user)
    client.get(GROWTH)
    with CaptureQueriesContext(connection) as without:
        client.get(GROWTH)
    walk(creator)

    with CaptureQueriesContext(connection) as with_deal:
        client.get(GROWTH)

    assert len(with_deal) == len(without)


def test_a_practice_offer_never_expires_and_the_timers_leave_it_alone():
    creator = new_creator()
    c = practice_offer_send(creator=creator)

    deals.timers_run(now=timezone.now() + timedelta(days=30))

    c.refresh_from_db()
    assert c.status == S.OFFERED and c.expires_at is None
    assert OrderFactory._meta.model.objects.real().filter(pk=c.order_id).count() == 0


def test_the_growth_api_lists_the_novice_tasks_as_the_page_does():
    from rest_framework.test import APIClient

    creator = new_creator(bio="Skincare for students.")
    walk(creator, results=False)
    api = APIClient()
    api.force_authenticate(creator.user)

    body = api.get(reverse("api:creator-growth")).json()

    done = {task["key"]: task["done"] for task in body["novice_tasks"]}
    assert done == {
        "profile": True,
        "rate_card": True,
        "practice_answered": True,
        "practice_script": True,
        "practice_video": True,
        "practice_published": True,
        "practice_results": False,
    }
    novice = next(step for step in body["checklist"] if step["key"] == "novice")
    assert (novice["progress"], novice["target"]) == (6, 7)


def test_a_practice_deal_tells_the_creator_in_the_app_and_sends_no_e_mail(
    django_capture_on_commit_callbacks, mailoutbox
):
    creator = new_creator()

    with django_capture_on_commit_callbacks(execute=True):
        c = walk(creator)

    told = Notification.objects.filter(user=creator.user, collaboration_id=c.pk)
    assert told.count() >= 3  # the practice brand's answers: script approved, video approved, work accepted
    assert mailoutbox == []

    # The same notice about a real deal goes out by e-mail too.
    real = CollaborationFactory(creator=creator)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify([creator.user], kind="approve_script", text="Script approved", collaboration=real)
    assert [m.to for m in mailoutbox] == [[creator.user.email]]
