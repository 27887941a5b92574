import pytest

from creators.models import Platform
from creators.platform_handles import derive_handles, normalise_platform_handle, slug_base


def test_derived_handles_are_distinct_free_and_never_reserved():
    names = ["anna.bell", "anna_bell", "Anna.Bell", "anna-bell-2", "browse", "..", "李佳琦"]
    calls = []

    def taken(candidates):
        calls.append(candidates)
        return {"anna-bell", "creator"} & set(candidates)

    handles = derive_handles(names, taken=taken)

    assert handles == ["anna-bell-2", "anna_bell", "anna-bell-3", "anna-bell-2-2", "browse-2", "creator-2", "creator-3"]
    assert len(calls) == 1


def test_many_names_with_one_slug_take_a_handful_of_rounds():
    calls = []

    def taken(candidates):
        calls.append(len(candidates))
        return set()

    handles = derive_handles(["same.name"] * 500, taken=taken)

    assert len(set(handles)) == 500 and handles[:3] == ["same-name", "same-name-2", "same-name-3"]
    assert len(calls) == 1


def test_slugs_keep_ascii_letters_and_digits_and_fit_the_handle_field():
    assert slug_base("Zoë.Travels") == "zoe-travels"
    assert slug_base("x" * 100) == "x" * 64


@pytest.mark.parametrize(
    ("platform", "raw", "stored"),
    [
        (Platform.INSTAGRAM, "@Anna.Bell_", "anna.bell_"),
        (Platform.TIKTOK, "ANNA.bell", "anna.bell"),
        (Platform.TWITCH, "Anna_Bell", "anna_bell"),
        (Platform.YOUTUBE, "@Anna-Bell", "anna-bell"),
    ],
)
def test_platform_handles_are_stored_in_lower_case_without_the_at(platform, raw, stored):
    assert normalise_platform_handle(platform, raw) == stored


def test_every_platform_has_handle_rules():
    for platform in Platform.values:
        assert normalise_platform_handle(platform, "name_1234")
