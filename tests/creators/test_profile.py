from datetime import date

import pytest
from django.core.exceptions import ValidationError

from creators import selectors, services
from creators.models import BlackoutPeriod, Creator, CreatorLabel
from marketplace.core import NotAllowed, NotFound
from marketplace.core.models import AuditLog
from tests.factories import CreatorFactory, CreatorLabelFactory, LabelFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD_AGE = {"18-23": 0.4, "24-30": 0.3, "31-40": 0.2, "41-50": 0.05, "50+": 0.05}
GOOD_GENDER = {"female": 0.6, "male": 0.4}
GOOD_REGION = {"CN-GD": 0.5, "US": 0.5}


def _profile(creator, **changes):
    values = {
        "display_name": creator.display_name,
        "bio": creator.bio,
        "platform": creator.platform,
        "country": creator.country,
        "content_sample": creator.content_sample,
        "max_concurrent": creator.max_concurrent,
    }
    values.update(changes)
    return values


# ------------------------------------------------------------------ profile


def test_update_profile_saves_the_fields_and_audits_which_changed():
    creator = CreatorFactory(bio="")

    services.creator_update_profile(
        creator=creator, actor=creator.user, **_profile(creator, bio="  Skincare for students  ", country="cn")
    )

    creator.refresh_from_db()
    assert creator.bio == "Skincare for students"
    assert creator.country == "CN"
    entry = AuditLog.objects.get(action="creator.update_profile", object_id=str(creator.pk))
    assert entry.actor == creator.user
    assert entry.data == {"fields": ["bio", "country"]}


def test_update_profile_by_someone_else_is_not_allowed():
    creator = CreatorFactory(bio="mine")
    stranger = UserFactory()

    with pytest.raises(NotAllowed):
        services.creator_update_profile(creator=creator, actor=stranger, **_profile(creator, bio="hijacked"))

    creator.refresh_from_db()
    assert creator.bio == "mine"


def test_staff_may_update_a_creator_profile():
    creator = CreatorFactory()
    staff = UserFactory(is_staff=True)

    services.creator_update_profile(creator=creator, actor=staff, **_profile(creator, max_concurrent=5))

    creator.refresh_from_db()
    assert creator.max_concurrent == 5


@pytest.mark.parametrize("country", ["XX", "CN-GD"])
def test_update_profile_rejects_a_code_that_is_not_a_country(country):
    creator = CreatorFactory(country="")

    with pytest.raises(ValidationError) as excinfo:
        services.creator_update_profile(creator=creator, actor=creator.user, **_profile(creator, country=country))

    assert "country" in excinfo.value.message_dict
    creator.refresh_from_db()
    assert creator.country == ""


def test_update_profile_rejects_zero_capacity_and_a_blank_name():
    creator = CreatorFactory()

    with pytest.raises(ValidationError) as capacity:
        services.creator_update_profile(creator=creator, actor=creator.user, **_profile(creator, max_concurrent=0))
    with pytest.raises(ValidationError) as name:
        services.creator_update_profile(creator=creator, actor=creator.user, **_profile(creator, display_name="  "))

    assert "max_concurrent" in capacity.value.message_dict
    assert "display_name" in name.value.message_dict


# ----------------------------------------------------------------- audience


def test_audience_is_saved_and_audited():
    creator = CreatorFactory(audience_age={}, audience_gender={}, audience_region={})

    services.creator_set_audience(
        creator=creator, actor=creator.user, age=GOOD_AGE, gender=GOOD_GENDER, region=GOOD_REGION
    )

    creator.refresh_from_db()
    assert creator.audience_age == GOOD_AGE
    assert creator.audience_gender == GOOD_GENDER
    assert creator.audience_region == GOOD_REGION
    assert AuditLog.objects.filter(action="creator.set_audience", object_id=str(creator.pk)).count() == 1


def test_audience_summing_to_0_9_names_the_distribution_and_the_total():
    creator = CreatorFactory()
    before = creator.audience_age
    short_age = {"18-23": 0.4, "24-30": 0.3, "31-40": 0.2}

    with pytest.raises(ValidationError) as excinfo:
        services.creator_set_audience(
            creator=creator, actor=creator.user, age=short_age, gender=GOOD_GENDER, region=GOOD_REGION
        )

    errors = excinfo.value.message_dict
    assert list(errors) == ["audience_age"]
    assert "Age" in errors["audience_age"][0]
    assert "0.900" in errors["audience_age"][0]
    creator.refresh_from_db()
    assert creator.audience_age == before


def test_audience_reports_every_bad_distribution_at_once():
    creator = CreatorFactory()

    with pytest.raises(ValidationError) as excinfo:
        services.creator_set_audience(
            creator=creator, actor=creator.user, age=GOOD_AGE, gender={"female": 0.5}, region={"CN-GD": 0.7}
        )

    errors = excinfo.value.message_dict
    assert set(errors) == {"audience_gender", "audience_region"}
    assert "Gender" in errors["audience_gender"][0] and "0.500" in errors["audience_gender"][0]
    assert "Region" in errors["audience_region"][0] and "0.700" in errors["audience_region"][0]


def test_audience_with_an_unknown_bucket_is_rejected():
    creator = CreatorFactory()

    with pytest.raises(ValidationError) as excinfo:
        services.creator_set_audience(
            creator=creator, actor=creator.user, age={"12-17": 1.0}, gender=GOOD_GENDER, region=GOOD_REGION
        )

    assert "12-17" in excinfo.value.message_dict["audience_age"][0]


def test_audience_with_an_unknown_region_is_rejected():
    creator = CreatorFactory()

    with pytest.raises(ValidationError) as excinfo:
        services.creator_set_audience(
            creator=creator, actor=creator.user, age=GOOD_AGE, gender=GOOD_GENDER, region={"ZZ-99": 1.0}
        )

    assert "ZZ-99" in excinfo.value.message_dict["audience_region"][0]


def test_audience_with_a_negative_share_is_rejected():
    creator = CreatorFactory()

    with pytest.raises(ValidationError) as excinfo:
        services.creator_set_audience(
            creator=creator,
            actor=creator.user,
            age=GOOD_AGE,
            gender={"female": 1.2, "male": -0.2},
            region=GOOD_REGION,
        )

    assert "between 0 and 1" in " ".join(excinfo.value.message_dict["audience_gender"])


def test_empty_audience_means_unknown():
    creator = CreatorFactory()

    services.creator_set_audience(creator=creator, actor=creator.user, age={}, gender={}, region={})

    creator.refresh_from_db()
    assert (creator.audience_age, creator.audience_gender, creator.audience_region) == ({}, {}, {})


# ------------------------------------------------------------------- labels


def test_labels_replace_the_previous_set():
    creator = CreatorFactory()
    old = CreatorLabelFactory(creator=creator).label
    new_a, new_b = LabelFactory(), LabelFactory()

    services.creator_set_labels(creator=creator, actor=creator.user, labels=[(new_a.pk, 1.0), (new_b.pk, 0.25)])

    links = dict(CreatorLabel.objects.filter(creator=creator).values_list("label_id", "weight"))
    assert links == {new_a.pk: 1.0, new_b.pk: 0.25}
    assert old.pk not in links
    assert AuditLog.objects.get(action="creator.set_labels").data == {"labels": [[new_a.pk, 1.0], [new_b.pk, 0.25]]}


def test_ten_labels_are_allowed_but_eleven_are_not():
    creator = CreatorFactory()
    labels = LabelFactory.create_batch(11)

    services.creator_set_labels(creator=creator, actor=creator.user, labels=[(lb.pk, 0.5) for lb in labels[:10]])
    with pytest.raises(ValidationError) as excinfo:
        services.creator_set_labels(creator=creator, actor=creator.user, labels=[(lb.pk, 0.5) for lb in labels])

    assert "at most 10" in excinfo.value.message_dict["labels"][0]
    assert CreatorLabel.objects.filter(creator=creator).count() == 10


@pytest.mark.parametrize("weight", [0.0, -0.1, 1.01, float("nan")])
def test_label_weight_outside_zero_to_one_is_rejected(weight):
    creator = CreatorFactory()
    label = LabelFactory()

    with pytest.raises(ValidationError):
        services.creator_set_labels(creator=creator, actor=creator.user, labels=[(label.pk, weight)])

    assert not CreatorLabel.objects.filter(creator=creator).exists()


def test_the_same_label_twice_or_a_missing_label_is_rejected():
    creator = CreatorFactory()
    label = LabelFactory()

    with pytest.raises(ValidationError):
        services.creator_set_labels(creator=creator, actor=creator.user, labels=[(label.pk, 1.0), (label.pk, 0.5)])
    with pytest.raises(ValidationError):
        services.creator_set_labels(creator=creator, actor=creator.user, labels=[(label.pk + 10_000, 1.0)])

    assert not CreatorLabel.objects.filter(creator=creator).exists()


def test_label_search_matches_every_word_of_the_path_and_skips_excluded():
    beauty = LabelFactory(path="Style & Fashion > Beauty > Skin Care", tier=3)
    LabelFactory(path="Healthy Living > Skin Health", tier=2)
    LabelFactory(path="Style & Fashion > Beauty > Hair Care", tier=3)

    found = selectors.label_search("beauty SKIN")
    none_left = selectors.label_search("beauty skin", exclude=[beauty.pk])

    assert found == [beauty]
    assert none_left == []
    assert selectors.label_search("   ") == []


def test_label_search_returns_at_most_limit_broadest_first():
    deep = LabelFactory(path="Food & Drink > Cooking > Baking", tier=3)
    LabelFactory.create_batch(5, path="Food & Drink > Cooking > Something", tier=3)
    top = LabelFactory(path="Food & Drink", tier=1)

    found = selectors.label_search("food", 3)

    assert len(found) == 3
    assert found[0] == top
    assert deep in found


# ---------------------------------------------------------------- blackouts


def test_blackout_add_and_remove_are_audited():
    creator = CreatorFactory()

    period = services.blackout_add(
        creator=creator, actor=creator.user, starts_on=date(2030, 5, 1), ends_on=date(2030, 5, 3), note="Holiday"
    )
    services.blackout_remove(creator=creator, actor=creator.user, blackout_id=period.pk)

    assert not BlackoutPeriod.objects.filter(creator=creator).exists()
    actions = list(AuditLog.objects.filter(object_id=str(creator.pk)).values_list("action", flat=True))
    assert sorted(actions) == ["creator.blackout_add", "creator.blackout_remove"]


def test_blackout_ending_before_it_starts_or_in_the_past_is_rejected():
    creator = CreatorFactory()

    with pytest.raises(ValidationError) as backwards:
        services.blackout_add(creator=creator, actor=creator.user, starts_on=date(2030, 5, 3), ends_on=date(2030, 5, 1))
    with pytest.raises(ValidationError) as past:
        services.blackout_add(
            creator=creator,
            actor=creator.user,
            starts_on=date(2030, 5, 1),
            ends_on=date(2030, 5, 2),
            today=date(2030, 6, 1),
        )

    assert "ends_on" in backwards.value.message_dict
    assert "ends_on" in past.value.message_dict
    assert not BlackoutPeriod.objects.filter(creator=creator).exists()


def test_removing_another_creators_blackout_is_not_found():
    owner, other = CreatorFactory(), CreatorFactory()
    period = services.blackout_add(
        creator=owner, actor=owner.user, starts_on=date(2030, 5, 1), ends_on=date(2030, 5, 3)
    )

    with pytest.raises(NotFound):
        services.blackout_remove(creator=other, actor=other.user, blackout_id=period.pk)

    assert BlackoutPeriod.objects.filter(pk=period.pk).exists()


def test_label_and_blackout_changes_mark_the_creator_as_changed_for_the_matcher():
    creator = CreatorFactory()
    stamps = [Creator.objects.get(pk=creator.pk).updated_at]

    services.creator_set_labels(creator=creator, actor=creator.user, labels=[(LabelFactory().pk, 1.0)])
    stamps.append(Creator.objects.get(pk=creator.pk).updated_at)
    services.blackout_add(creator=creator, actor=creator.user, starts_on=date(2030, 5, 1), ends_on=date(2030, 5, 3))
    stamps.append(Creator.objects.get(pk=creator.pk).updated_at)

    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 3
