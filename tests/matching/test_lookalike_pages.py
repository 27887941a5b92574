""" "Find creators like these" in the page: from a saved list and from creators ticked on the directory or a list,
reusing the lookalike search (matching.selectors.search_lookalike)."""

import re

import pytest
from django.urls import reverse

from creators.models import Creator
from matching.models import CreatorList, CreatorListEntry
from tests.factories import CreatorFactory, MembershipFactory
from tests.matching.conftest import make_creators

pytestmark = pytest.mark.django_db

BREAD = "Sourdough starter feeding #sourdough | Rye crumb shot #ryebread #levain"


@pytest.fixture
def pool(taxonomy):
    ids = make_creators(40)
    for i, pk in enumerate(ids):
        Creator.objects.filter(pk=pk).update(content_sample=f"Topic{i} diary #topic{i} | notes on topic{i}")
    return ids


@pytest.fixture
def seat(client):
    seat = MembershipFactory(role="viewer")
    client.force_login(seat.user)
    return seat


def shown(response) -> list[str]:
    return re.findall(r'<a class="creator-link" href="/creator/([\w-]+)/"', response.content.decode())


def handle(pk: int) -> str:
    return Creator.objects.get(pk=pk).handle


def test_creators_like_a_saved_list_come_first_and_the_list_itself_is_left_out(client, seat, pool):
    seeds, baker = pool[0:12:4], pool[36]
    Creator.objects.filter(pk__in=[*seeds, baker]).update(content_sample=BREAD)
    saved = CreatorList.objects.create(brand=seat.brand, name="Bakers")
    for pk in seeds:
        CreatorListEntry.objects.create(creator_list=saved, creator_id=pk)

    response = client.get(reverse("matching:list_lookalike", args=[saved.pk]))

    found = shown(response)
    assert response.status_code == 200
    assert found[0] == handle(baker)
    assert not {handle(pk) for pk in seeds} & set(found)
    assert "sourdough" in response.content.decode() or "levain" in response.content.decode()
    assert f'action="{reverse("matching:list_add", args=[saved.pk])}"' in response.content.decode()


def test_creators_like_the_ticked_ones(client, seat, pool):
    seeds, baker = pool[1:3], pool[37]
    Creator.objects.filter(pk__in=[*seeds, baker]).update(content_sample=BREAD)

    response = client.get(reverse("matching:creator_lookalike"), {"creator": seeds})

    assert shown(response)[0] == handle(baker)
    assert "Like:" in response.content.decode()


def test_hidden_creators_are_not_suggested_to_brands(client, seat, pool):
    seeds, baker = pool[1:3], pool[37]
    Creator.objects.filter(pk__in=[*seeds, baker]).update(content_sample=BREAD)
    Creator.objects.filter(pk=baker).update(is_active=False)

    response = client.get(reverse("matching:creator_lookalike"), {"creator": seeds})

    assert handle(baker) not in shown(response)


@pytest.mark.parametrize("creator", [["x"], ["\x00"], [str(i) for i in range(1, 60)]])
def test_bad_selections_are_a_clean_400(client, seat, creator):
    response = client.get(reverse("matching:creator_lookalike"), {"creator": creator})

    assert response.status_code == 400 and "Creators like these" in response.content.decode()


def test_an_empty_selection_explains_what_to_do(client, seat):
    response = client.get(reverse("matching:creator_lookalike"))

    assert response.status_code == 200 and "Tick creators" in response.content.decode()


def test_creators_cannot_search_for_lookalikes(client):
    client.force_login(CreatorFactory().user)

    assert client.get(reverse("matching:creator_lookalike"), {"creator": [1]}).status_code == 403
