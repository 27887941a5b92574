from creators.bulk import CreatorRecord, write_creators
from creators.models import Creator, CreatorLabel, RatePrice
from tests.factories import LabelFactory


def test_write_creators_copies_profiles_labels_and_rates(db):
    label = LabelFactory()
    records = [
        CreatorRecord(
            handle=f"bulk-{i}",
            display_name=f"Bulk {i}",
            audience_age={"18-23": 1.0},
            labels=[(label.pk, 0.5)],
            rates=[("image_post", 10_000 + i)],
            fulfilment_rate=None,
        )
        for i in range(3)
    ]

    ids = write_creators(records)

    assert list(Creator.objects.filter(pk__in=ids).order_by("pk").values_list("handle", flat=True)) == [
        "bulk-0",
        "bulk-1",
        "bulk-2",
    ]
    assert Creator.objects.get(handle="bulk-1").bio == ""
    assert Creator.objects.get(handle="bulk-1").audience_age == {"18-23": 1.0}
    assert Creator.objects.get(handle="bulk-2").fulfilment_rate is None
    assert CreatorLabel.objects.filter(creator_id__in=ids, weight=0.5).count() == 3
    assert sorted(RatePrice.objects.filter(creator_id__in=ids).values_list("amount", flat=True)) == [
        10_000,
        10_001,
        10_002,
    ]
