"""What staff and creators see: fund, create, open, join, the ranking, payment."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from payouts.models import Account
from payouts.services import account_for
from programmes.models import Programme
from programmes.tasks import close_due_task
from tests.factories import CreatorFactory
from tests.html import text_of
from tests.programmes.conftest import completed_order


def test_staff_run_a_programme_and_a_new_creator_joins_and_is_paid(client, db, staff, clock):
    client.force_login(staff)
    response = client.post(reverse("programmes:staff_fund"), {"amount": "2000", "idempotency_key": uuid.uuid4()})
    assert response.status_code == 302
    start = timezone.localtime(clock.now - timedelta(hours=1))
    response = client.post(
        reverse("programmes:staff_create"),
        {
            "name": "New star sprint",
            "budget": "1000",
            "starts_at": start.strftime("%Y-%m-%d %H:%M"),
            "ends_at": (start + timedelta(days=7)).strftime("%Y-%m-%d %H:%M"),
            "new_creators_only": "on",
            "min_brand_rating": "5",
            "require_on_time": "on",
            "mode": "per_order",
            "per_order_amount": "100",
            "cap_per_creator": "300",
        },
    )
    programme = Programme.objects.get()
    assert response.url == reverse("programmes:staff_detail", args=[programme.pk])
    client.post(reverse("programmes:staff_act", args=[programme.pk, "open"]))
    page = client.get(reverse("programmes:staff_list")).content.decode()
    assert "New star sprint" in page and "CNY 1,000.00" in page

    creator = CreatorFactory()
    client.force_login(creator.user)
    growth = client.get(reverse("creators:growth")).content.decode()
    assert reverse("programmes:mine") in growth
    listing = client.get(reverse("programmes:mine")).content.decode()
    assert reverse("programmes:join", args=[programme.pk]) in listing
    client.post(reverse("programmes:join", args=[programme.pk]))
    joined = client.get(reverse("programmes:mine")).content.decode()
    assert "No qualifying order yet: nothing earned so far." in joined and "rank 1" not in joined
    completed_order(creator, at=clock.now)
    completed_order(creator, at=clock.now)
    listing = client.get(reverse("programmes:mine")).content.decode()
    assert "rank 1, 2 qualifying orders, bonus CNY 200.00" in listing

    clock.advance(days=7)
    close_due_task()
    client.force_login(staff)
    detail = client.get(reverse("programmes:staff_detail", args=[programme.pk])).content.decode()
    assert creator.display_name in detail and 'id="action-pay"' in detail
    client.post(reverse("programmes:staff_act", args=[programme.pk, "pay"]))
    detail = client.get(reverse("programmes:staff_detail", args=[programme.pk])).content.decode()
    assert "Paid CNY 200.00; CNY 800.00 returned to the incentives fund." in detail
    assert account_for(Account.Kind.CREATOR_AVAILABLE, "CNY", creator.pk).balance == 20_000

    client.force_login(creator.user)
    assert "Paid to your available balance." in client.get(reverse("programmes:mine")).content.decode()


def test_a_creator_who_may_not_join_sees_why(client, db, staff, clock):
    from programmes import services
    from tests.programmes.conftest import fund, make_programme

    fund(100_000, staff)
    programme = make_programme(actor=staff, stages=["harvest"])
    services.programme_transition(programme_id=programme.pk, to="open", actor=staff)
    creator = CreatorFactory(growth_stage="departure")
    client.force_login(creator.user)

    listing = client.get(reverse("programmes:mine")).content.decode()
    assert "The programme is for other growth stages." in listing
    assert reverse("programmes:join", args=[programme.pk]) not in listing
    client.post(reverse("programmes:join", args=[programme.pk]))
    assert not programme.enrolments.exists()


def test_bad_programme_form_is_a_400_with_the_reason(client, db, staff):
    client.force_login(staff)
    response = client.post(reverse("programmes:staff_create"), {"name": "x", "budget": "abc", "mode": "per_order"})
    assert response.status_code == 400
    assert not Programme.objects.exists()


def test_a_period_out_of_reason_is_an_error_beside_its_field_and_nothing_is_saved(client, db, staff, clock):
    # Year 1 was once saved; opened with "new creators only", every creator's programmes page gave a 500.
    client.force_login(staff)
    start = timezone.localtime(clock.now)
    base = {
        "name": "Typo",
        "budget": "1000",
        "new_creators_only": "on",
        "min_brand_rating": "5",
        "mode": "per_order",
        "per_order_amount": "100",
        "cap_per_creator": "300",
    }
    cases = [
        ("0001-01-01 00:00", "0001-01-08 00:00", "starts_at", "within a year of today"),
        (start.strftime("%Y-%m-%d %H:%M"), "9999-12-31 00:00", "ends_at", "a year at most"),
        ((start + timedelta(days=800)).strftime("%Y-%m-%d %H:%M"), "", "starts_at", "within a year of today"),
    ]
    for starts, ends, field, words in cases:
        ends = ends or (start + timedelta(days=807)).strftime("%Y-%m-%d %H:%M")
        page = client.post(reverse("programmes:staff_create"), {**base, "starts_at": starts, "ends_at": ends})
        assert page.status_code == 400, (starts, ends)
        assert words in text_of(page.content.decode(), f"id_{field}_errors"), (starts, ends)
    assert not Programme.objects.exists()


def test_a_bonus_or_cap_above_the_budget_is_an_error_beside_its_field(client, db, staff, clock):
    client.force_login(staff)
    start = timezone.localtime(clock.now)
    base = {
        "name": "Typo",
        "budget": "1000",
        "starts_at": start.strftime("%Y-%m-%d %H:%M"),
        "ends_at": (start + timedelta(days=7)).strftime("%Y-%m-%d %H:%M"),
        "min_brand_rating": "5",
        "mode": "per_order",
        "per_order_amount": "100",
        "cap_per_creator": "300",
    }
    for field in ("per_order_amount", "cap_per_creator"):
        page = client.post(reverse("programmes:staff_create"), {**base, field: "5000"})

        assert page.status_code == 400, field
        assert "more than the programme's budget" in text_of(page.content.decode(), f"id_{field}_errors")
    assert not Programme.objects.exists()


def test_paying_a_paid_programme_again_says_nothing_moved(client, db, staff, clock):
    from programmes import services
    from tests.programmes.conftest import fund, make_programme

    fund(100_000, staff)
    programme = make_programme(actor=staff)
    services.programme_transition(programme_id=programme.pk, to="open", actor=staff)
    clock.advance(days=40)
    close_due_task()
    client.force_login(staff)
    first = client.post(reverse("programmes:staff_act", args=[programme.pk, "pay"]), follow=True).content.decode()
    assert "The awards are paid" in first

    again = client.post(reverse("programmes:staff_act", args=[programme.pk, "pay"]), follow=True).content.decode()

    assert "already paid; nothing moved" in again.replace("Paid", "paid")
