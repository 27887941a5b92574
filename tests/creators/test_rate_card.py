from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from creators import selectors, services
from creators.models import RatePrice
from marketplace.core import NotAllowed
from marketplace.core.models import AuditLog
from tests.factories import CreatorFactory, UserFactory

pytestmark = pytest.mark.django_db

MID_MARCH = date(2025, 3, 14)
FORMAT = "short_21_60"


def _line(creator, on, fmt=FORMAT):
    return next(line for line in selectors.current_rate_card(creator, on) if line.format == fmt)


def _set(creator, amount, today, fmt=FORMAT):
    return services.rate_card_set_price(creator=creator, actor=creator.user, format=fmt, amount=amount, today=today)


def test_the_first_price_for_a_format_takes_effect_this_month():
    creator = CreatorFactory()

    row = _set(creator, 500_000, MID_MARCH)

    assert row.effective_from == date(2025, 3, 1)
    line = _line(creator, MID_MARCH)
    assert line.in_force.amount == 500_000
    assert line.pending is None


def test_a_price_change_takes_effect_on_the_first_of_next_month():
    creator = CreatorFactory()
    _set(creator, 500_000, date(2025, 2, 10))

    row = _set(creator, 600_000, MID_MARCH)

    assert row.effective_from == date(2025, 4, 1)
    line = _line(creator, MID_MARCH)
    assert line.in_force.amount == 500_000
    assert line.pending.amount == 600_000
    assert line.pending.effective_from == date(2025, 4, 1)
    assert _line(creator, date(2025, 3, 31)).in_force.amount == 500_000
    assert _line(creator, date(2025, 4, 1)).in_force.amount == 600_000


def test_a_second_price_in_the_same_month_as_the_first_still_waits_for_next_month():
    creator = CreatorFactory()
    _set(creator, 500_000, date(2025, 3, 2))

    row = _set(creator, 450_000, MID_MARCH)

    assert row.effective_from == date(2025, 4, 1)
    assert _line(creator, MID_MARCH).in_force.amount == 500_000


def test_a_december_change_takes_effect_in_january_of_the_next_year():
    creator = CreatorFactory()
    _set(creator, 500_000, date(2025, 11, 5))

    row = _set(creator, 700_000, date(2025, 12, 31))

    assert row.effective_from == date(2026, 1, 1)


def test_a_second_change_replaces_the_pending_one():
    creator = CreatorFactory()
    _set(creator, 500_000, date(2025, 2, 10))
    _set(creator, 600_000, MID_MARCH)

    _set(creator, 550_000, date(2025, 3, 20))

    rows = list(RatePrice.objects.filter(creator=creator, format=FORMAT).values_list("effective_from", "amount"))
    assert sorted(rows) == [(date(2025, 2, 1), 500_000), (date(2025, 4, 1), 550_000)]
    replaced = AuditLog.objects.filter(action="rate_card.set_price").order_by("id").last()
    assert replaced.data["replaced_amount"] == 600_000
    assert replaced.data["effective_from"] == "2025-04-01"


def test_asking_for_the_price_in_force_withdraws_the_pending_change():
    creator = CreatorFactory()
    _set(creator, 500_000, date(2025, 2, 10))
    _set(creator, 600_000, MID_MARCH)

    row = _set(creator, 500_000, date(2025, 3, 20))

    assert row.effective_from == date(2025, 2, 1)
    assert _line(creator, MID_MARCH).pending is None
    assert RatePrice.objects.filter(creator=creator).count() == 1
    assert AuditLog.objects.filter(action="rate_card.withdraw_change", object_id=str(creator.pk)).exists()


def test_setting_the_same_price_again_changes_nothing():
    creator = CreatorFactory()
    _set(creator, 500_000, date(2025, 2, 10))
    _set(creator, 600_000, MID_MARCH)
    audit_rows = AuditLog.objects.count()

    _set(creator, 600_000, date(2025, 3, 20))

    assert RatePrice.objects.filter(creator=creator).count() == 2
    assert AuditLog.objects.count() == audit_rows


def test_prices_in_force_are_never_rewritten():
    creator = CreatorFactory()
    first = _set(creator, 500_000, date(2025, 2, 10))

    _set(creator, 600_000, MID_MARCH)
    _set(creator, 650_000, MID_MARCH)

    first.refresh_from_db()
    assert (first.amount, first.effective_from) == (500_000, date(2025, 2, 1))


def test_the_month_follows_the_platform_clock_when_no_date_is_given(monkeypatch):
    creator = CreatorFactory()
    monkeypatch.setattr(timezone, "now", lambda: datetime(2025, 1, 31, 12, 0, tzinfo=UTC))
    services.rate_card_set_price(creator=creator, actor=creator.user, format=FORMAT, amount=500_000)

    row = services.rate_card_set_price(creator=creator, actor=creator.user, format=FORMAT, amount=600_000)

    assert row.effective_from == date(2025, 2, 1)
    assert RatePrice.objects.get(creator=creator, amount=500_000).effective_from == date(2025, 1, 1)


def test_formats_are_priced_independently():
    creator = CreatorFactory()
    _set(creator, 500_000, date(2025, 2, 10))

    row = _set(creator, 90_000, MID_MARCH, fmt="image_post")

    assert row.effective_from == date(2025, 3, 1)
    assert _line(creator, MID_MARCH, "image_post").in_force.amount == 90_000
    assert _line(creator, MID_MARCH, "live_session").in_force is None


@pytest.mark.parametrize("amount", [0, -100, 12.5, True])
def test_a_price_must_be_a_positive_whole_number_of_minor_units(amount):
    creator = CreatorFactory()

    with pytest.raises(ValidationError):
        _set(creator, amount, MID_MARCH)

    assert not RatePrice.objects.filter(creator=creator).exists()


def test_an_unknown_format_is_rejected():
    creator = CreatorFactory()

    with pytest.raises(ValidationError):
        _set(creator, 500_000, MID_MARCH, fmt="hologram")


def test_only_the_creator_may_set_their_prices():
    creator = CreatorFactory()

    with pytest.raises(NotAllowed):
        services.rate_card_set_price(
            creator=creator, actor=UserFactory(), format=FORMAT, amount=500_000, today=MID_MARCH
        )

    assert not RatePrice.objects.filter(creator=creator).exists()


def test_setting_several_prices_is_all_or_nothing():
    creator = CreatorFactory()

    with pytest.raises(ValidationError):
        services.rate_card_set_prices(
            creator=creator,
            actor=creator.user,
            prices={"image_post": 90_000, "hologram": 100_000},
            today=MID_MARCH,
        )

    assert not RatePrice.objects.filter(creator=creator).exists()


def test_a_price_change_marks_the_creator_as_changed_for_the_matcher():
    creator = CreatorFactory()
    before = type(creator).objects.get(pk=creator.pk).updated_at

    _set(creator, 500_000, MID_MARCH)

    assert type(creator).objects.get(pk=creator.pk).updated_at > before
