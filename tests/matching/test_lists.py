"""A brand's saved lists and favourites, side-by-side comparison and "creators like these": what the brand sees
on the next page, and another brand's lists unreachable at every list URL."""

import re

import pytest
from django.urls import URLPattern, reverse

from matching import urls as matching_urls
from matching.models import CreatorList, CreatorListEntry
from tests.factories import CreatorFactory, MembershipFactory, RatePriceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seat():
    return MembershipFactory(role="manager")


@pytest.fixture
def brand(client, seat):
    client.force_login(seat.user)
    return client


def shown(response) -> list[str]:
    return re.findall(r'<a class="creator-link" href="/creator/([\w-]+)/"', response.content.decode())


def make(handle: str, **fields):
    return CreatorFactory(handle=handle, user=None, **fields)


def make_list(seat, name="Autumn launch", creators=()):
    made = CreatorList.objects.create(brand=seat.brand, name=name)
    for creator in creators:
        CreatorListEntry.objects.create(creator_list=made, creator=creator)
    return made


# ------------------------------------------------------------------ lists


def test_a_new_list_opens_and_is_listed_with_its_size(brand, seat):
    response = brand.post(reverse("matching:list_index"), {"name": "  Autumn   launch "}, follow=True)

    made = CreatorList.objects.get(brand=seat.brand)
    assert response.redirect_chain[-1][0] == reverse("matching:list_detail", args=[made.pk])
    assert "<h1>Autumn launch</h1>" in response.content.decode()
    index = brand.get(reverse("matching:list_index")).content.decode()
    assert "Autumn launch" in index


@pytest.mark.parametrize(
    ("name", "error"), [("autumn LAUNCH", "already have a list"), ("", "required"), ("x" * 81, "at most 80")]
)
def test_a_taken_empty_or_long_name_is_said_next_to_the_field(brand, seat, name, error):
    make_list(seat)

    response = brand.post(reverse("matching:list_index"), {"name": name})

    assert response.status_code == 400
    assert error in response.content.decode()
    assert CreatorList.objects.filter(brand=seat.brand).count() == 1


def test_the_same_name_in_another_brand_is_fine(brand, seat):
    make_list(MembershipFactory())

    response = brand.post(reverse("matching:list_index"), {"name": "Autumn launch"})

    assert response.status_code == 302


def test_add_from_the_directory_returns_there_and_the_list_shows_the_creator(brand, seat):
    lisa = make("lisa")
    saved = make_list(seat)
    directory = reverse("creators:directory") + "?q=lisa"

    response = brand.post(
        reverse("matching:list_add", args=[saved.pk]), {"creator": lisa.pk, "next": directory}, follow=True
    )

    assert response.redirect_chain[-1][0] == directory
    assert "Added to “Autumn launch”." in response.content.decode()
    assert shown(brand.get(reverse("matching:list_detail", args=[saved.pk]))) == ["lisa"]


def test_adding_twice_keeps_one_entry_and_says_so(brand, seat):
    lisa = make("lisa")
    saved = make_list(seat, creators=[lisa])

    response = brand.post(reverse("matching:list_add", args=[saved.pk]), {"creator": lisa.pk}, follow=True)

    assert "Already on “Autumn launch”." in response.content.decode()
    assert shown(response) == ["lisa"]


@pytest.mark.parametrize("creator", ["", "abc", "0", "99999999", "1" * 40, "²"])
def test_adding_an_unknown_creator_is_refused_cleanly(brand, seat, creator):
    saved = make_list(seat)

    response = brand.post(reverse("matching:list_add", args=[saved.pk]), {"creator": creator})

    assert response.status_code in (302, 404)
    assert not saved.entries.exists()


def test_a_hidden_creator_cannot_be_added(brand, seat):
    hidden = make("hidden", is_active=False)
    saved = make_list(seat)

    response = brand.post(reverse("matching:list_add", args=[saved.pk]), {"creator": hidden.pk})

    assert response.status_code == 404 and not saved.entries.exists()


def test_remove_rename_and_delete(brand, seat):
    lisa, ming = make("lisa"), make("ming")
    saved = make_list(seat, creators=[lisa, ming])
    detail = reverse("matching:list_detail", args=[saved.pk])

    removed = brand.post(reverse("matching:list_remove", args=[saved.pk]), {"creator": lisa.pk}, follow=True)
    renamed = brand.post(reverse("matching:list_rename", args=[saved.pk]), {"name": "Spring"}, follow=True)
    deleted = brand.post(reverse("matching:list_delete", args=[saved.pk]), follow=True)

    assert shown(removed) == ["ming"] and "Removed from “Autumn launch”." in removed.content.decode()
    assert "<h1>Spring</h1>" in renamed.content.decode()
    assert deleted.redirect_chain[-1][0] == reverse("matching:list_index")
    assert "Spring" not in deleted.content.decode().split("<main", 1)[-1].split("List “Spring” deleted.")[-1]
    assert brand.get(detail).status_code == 404
    assert lisa.__class__.objects.filter(pk__in=[lisa.pk, ming.pk]).count() == 2  # the creators stay


def test_the_save_page_adds_to_an_existing_or_a_new_list_and_goes_back(brand, seat):
    lisa = make("lisa")
    make_list(seat, name="Old")
    back = reverse("creators:detail", args=["lisa"])

    page = brand.get(reverse("matching:list_pick"), {"creator": lisa.pk, "next": back})
    made = brand.post(reverse("matching:list_pick"), {"creator": lisa.pk, "next": back, "name": "New"}, follow=True)

    assert "Add to “Old”" in page.content.decode()
    assert made.redirect_chain[-1][0] == back
    assert shown(brand.get(reverse("matching:list_detail", args=[CreatorList.objects.get(name="New").pk]))) == ["lisa"]


# ------------------------------------------------------------------ favourites


def test_a_star_puts_the_creator_in_favourites_and_a_second_takes_them_out(brand, seat):
    lisa = make("lisa")
    page = reverse("creators:detail", args=["lisa"])

    starred = brand.post(reverse("matching:favourite_toggle"), {"creator": lisa.pk, "next": page}, follow=True)
    favourites = CreatorList.objects.get(brand=seat.brand, is_favourites=True)
    listed = brand.get(reverse("matching:list_detail", args=[favourites.pk]))
    unstarred = brand.post(reverse("matching:favourite_toggle"), {"creator": lisa.pk, "next": page}, follow=True)

    assert starred.redirect_chain[-1][0] == page
    assert "is in your favourites" in starred.content.decode()
    assert "★ Favourites" in listed.content.decode() and shown(listed) == ["lisa"]
    assert "is no longer in your favourites" in unstarred.content.decode()
    assert shown(brand.get(reverse("matching:list_detail", args=[favourites.pk]))) == []


def test_favourites_cannot_be_renamed_or_deleted(brand, seat):
    brand.post(reverse("matching:favourite_toggle"), {"creator": make("lisa").pk})
    favourites = CreatorList.objects.get(brand=seat.brand, is_favourites=True)

    brand.post(reverse("matching:list_rename", args=[favourites.pk]), {"name": "Mine"})
    response = brand.post(reverse("matching:list_delete", args=[favourites.pk]), follow=True)

    assert "Favourites cannot be deleted" in response.content.decode()
    favourites.refresh_from_db()
    assert favourites.name == "" and favourites.is_favourites


# ------------------------------------------------------------------ scoping


def list_routes() -> list[URLPattern]:
    """Every matching URL that takes a list's id: a route added later is covered too."""
    routes = [
        p for p in matching_urls.urlpatterns if "<int:pk>" in str(p.pattern) and str(p.pattern).startswith("lists/")
    ]
    assert len(routes) >= 6
    return routes


@pytest.mark.parametrize("route", list_routes(), ids=lambda p: p.name)
def test_another_brands_list_is_not_found_at_every_list_url(client, route):
    owner = MembershipFactory()
    lisa = make("lisa")
    theirs = make_list(owner, name="Secret", creators=[lisa])
    client.force_login(MembershipFactory(role="owner").user)
    url, data = reverse(f"matching:{route.name}", args=[theirs.pk]), {"creator": lisa.pk, "name": "Mine"}

    statuses = {client.get(url, data).status_code, client.post(url, data).status_code}

    assert 404 in statuses and statuses <= {404, 405}  # 405: the method the route does not take
    theirs.refresh_from_db()
    assert theirs.name == "Secret" and list(theirs.entries.values_list("creator_id", flat=True)) == [lisa.pk]


def test_list_pages_are_for_brand_members_only(client):
    saved = make_list(MembershipFactory())

    client.force_login(CreatorFactory().user)
    creator = [client.get(reverse("matching:list_index")), client.get(reverse("matching:list_detail", args=[saved.pk]))]
    client.logout()
    anonymous = client.get(reverse("matching:list_index"))

    assert [r.status_code for r in creator] == [403, 403]
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


# ------------------------------------------------------------------ comparison


def test_compare_shows_the_ticked_creators_side_by_side_with_their_prices(brand, settings):
    lisa, ming = make("lisa", followers=12_345), make("ming", followers=67_890)
    RatePriceFactory(creator=lisa, format="short_21_60", amount=500_000)

    response = brand.get(reverse("matching:creator_compare"), {"creator": [ming.pk, lisa.pk]})

    page = response.content.decode()
    assert response.status_code == 200
    assert shown(response) == ["ming", "lisa"]
    assert "67,890" in page and "12,345" in page
    assert "5,000.00" in page  # lisa's price for the format; ming has none ("—")


def test_compare_takes_the_first_four_and_says_so(brand):
    creators = [make(f"c{i}") for i in range(5)]

    response = brand.get(reverse("matching:creator_compare"), {"creator": [c.pk for c in creators]})

    assert shown(response) == ["c0", "c1", "c2", "c3"]
    assert "the first 4 are shown" in response.content.decode()


@pytest.mark.parametrize("ids", [["x"], ["1" * 40], ["\x00"], ["²"], [str(i) for i in range(1, 60)]])
def test_compare_with_bad_ids_is_a_clean_400(brand, ids):
    response = brand.get(reverse("matching:creator_compare"), {"creator": ids})

    assert response.status_code == 400
    assert "Compare creators" in response.content.decode()


def test_compare_is_for_brands_and_staff(client):
    lisa = make("lisa")
    client.force_login(CreatorFactory().user)

    response = client.get(reverse("matching:creator_compare"), {"creator": [lisa.pk]})

    assert response.status_code == 403


def test_the_list_page_ticks_creators_for_compare_and_likeness(brand, seat):
    saved = make_list(seat, creators=[make("lisa")])

    page = brand.get(reverse("matching:list_detail", args=[saved.pk])).content.decode()

    assert f'action="{reverse("matching:creator_compare")}"' in page
    assert f'formaction="{reverse("matching:creator_lookalike")}"' in page
    assert f'href="{reverse("matching:list_lookalike", args=[saved.pk])}"' in page
    assert 'name="creator" value="' in page and 'form="selection"' in page


# ------------------------------------------------------------------ the buttons on the directory and creator page


def test_a_star_on_the_directory_shows_starred_on_the_next_directory_page(brand):
    lisa = make("lisa")
    directory = reverse("creators:directory")

    before = brand.get(directory).content.decode()
    after = brand.post(reverse("matching:favourite_toggle"), {"creator": lisa.pk, "next": directory}, follow=True)

    assert 'aria-pressed="false">☆ Favourite' in before
    assert after.redirect_chain[-1][0] == directory
    assert 'aria-pressed="true">★ Favourite' in after.content.decode()
    assert f'href="{reverse("matching:list_pick")}?creator={lisa.pk}&amp;next=' in after.content.decode()


def test_the_creator_page_has_the_star_and_the_save_link(brand):
    lisa = make("lisa")

    page = brand.get(reverse("creators:detail", args=["lisa"])).content.decode()

    assert 'aria-pressed="false">☆ Favourite' in page
    assert f"{reverse('matching:list_pick')}?creator={lisa.pk}" in page


def test_staff_browse_without_stars_but_may_compare(client):
    from tests.factories import UserFactory

    make("lisa")
    client.force_login(UserFactory(is_staff=True))

    page = client.get(reverse("creators:directory")).content.decode()

    assert "Favourite" not in page
    assert f'action="{reverse("matching:creator_compare")}"' in page


def test_the_directory_ticks_creators_for_compare_and_likeness(brand):
    lisa = make("lisa")

    page = brand.get(reverse("creators:directory")).content.decode()

    assert f'name="creator" value="{lisa.pk}" form="selection"' in page
    assert f'formaction="{reverse("matching:creator_lookalike")}"' in page


# ------------------------------------------------------------------ offers from a list


@pytest.fixture
def offer_world(db, settings):
    from payouts import services as money
    from tests.orders.conftest import TOPUP, key

    settings.PLATFORM_FEE_BPS = 1000
    seat = MembershipFactory(role="owner")
    from tests.factories import OrderFactory

    order = OrderFactory(brand=seat.brand, status="published", title="Autumn serum", price_per_creator=600_000)
    money.topup(brand_id=seat.brand_id, amount=TOPUP, idempotency_key=key(), actor=seat.user)
    return seat, order


def test_offers_go_to_the_ticked_creators_of_a_list_and_the_order_page_shows_them(client, offer_world):
    import uuid

    from tests.orders.conftest import make_creator

    seat, order = offer_world
    lisa, ming, left_out = make_creator(handle="lisa"), make_creator(handle="ming"), make_creator(handle="left-out")
    saved = make_list(seat, creators=[lisa, ming, left_out])
    client.force_login(seat.user)
    page = client.get(reverse("matching:list_detail", args=[saved.pk])).content.decode()

    response = client.post(
        reverse("matching:list_offers", args=[saved.pk]),
        {"order": order.pk, "creator": [lisa.pk, ming.pk], "idempotency_key": str(uuid.uuid4())},
        follow=True,
    )

    assert f'<option value="{order.pk}">Autumn serum</option>' in page
    assert response.redirect_chain[-1][0] == reverse("orders:detail", args=[order.pk]) + "#collaboration-board"
    assert "Offer sent to" in response.content.decode()
    assert set(order.collaborations.values_list("creator__handle", flat=True)) == {"lisa", "ming"}


def test_offers_only_reach_creators_on_the_list_and_the_brands_own_published_orders(client, offer_world):
    import uuid

    from tests.factories import OrderFactory
    from tests.orders.conftest import make_creator

    seat, order = offer_world
    on_list, stranger = make_creator(handle="on-list"), make_creator(handle="stranger")
    saved = make_list(seat, creators=[on_list])
    theirs = OrderFactory(status="published")
    client.force_login(seat.user)

    other_order = client.post(
        reverse("matching:list_offers", args=[saved.pk]),
        {"order": theirs.pk, "creator": [on_list.pk], "idempotency_key": str(uuid.uuid4())},
        follow=True,
    )
    not_on_list = client.post(
        reverse("matching:list_offers", args=[saved.pk]),
        {"order": order.pk, "creator": [stranger.pk], "idempotency_key": str(uuid.uuid4())},
        follow=True,
    )

    assert "Select a valid choice" in other_order.content.decode() and not theirs.collaborations.exists()
    assert "Tick at least one creator on this list." in not_on_list.content.decode()
    assert not order.collaborations.exists()


def test_viewers_cannot_send_offers_from_a_list(client):
    viewer = MembershipFactory(role="viewer")
    saved = make_list(viewer, creators=[make("lisa")])
    client.force_login(viewer.user)

    page = client.get(reverse("matching:list_detail", args=[saved.pk])).content.decode()
    response = client.post(reverse("matching:list_offers", args=[saved.pk]), {"creator": [1]})

    assert "Send offers to creators on this list" not in page
    assert response.status_code == 403


@pytest.mark.parametrize("next_url", ["²", "1e999", "9" * 400, "https://evil.example/", "//evil.example/x"])
def test_a_next_that_is_not_a_path_here_goes_to_the_default_page(brand, seat, next_url):
    lisa = make("lisa")
    saved = make_list(seat)

    starred = brand.post(reverse("matching:favourite_toggle"), {"creator": lisa.pk, "next": next_url})
    added = brand.post(reverse("matching:list_add", args=[saved.pk]), {"creator": lisa.pk, "next": next_url})
    picked = brand.get(reverse("matching:list_pick"), {"creator": lisa.pk, "next": next_url})

    assert starred.status_code == 302 and starred["Location"] == reverse("creators:directory")
    assert added.status_code == 302 and added["Location"] == reverse("matching:list_detail", args=[saved.pk])
    assert picked.status_code == 200
    assert f'name="next" value="{reverse("creators:detail", args=["lisa"])}"' in picked.content.decode()
