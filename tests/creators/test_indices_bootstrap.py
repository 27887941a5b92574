"""The value indices exist from the first start: bootstrap (and load_demo) compute them, and a worker
that starts while they are missing computes them, so the directory and profile pages have numbers."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from creators.models import Creator
from insights import tasks
from insights.indices_sync import indices_missing
from marketplace.core.models import User
from marketplace.dev.run import DEMO_LOGINS
from tests.factories import CreatorFactory

pytestmark = pytest.mark.django_db

OWNER = dict(DEMO_LOGINS)["brand owner"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the demo campaigns upload their (tiny) videos
    settings.MATCHING_SNAPSHOT_DIR = tmp_path / "snapshots"


def test_after_bootstrap_the_directory_sorts_and_filters_by_an_index_and_the_profile_shows_numbers(client):
    err = StringIO()
    call_command("bootstrap", demo_creators=120, stdout=StringIO(), stderr=err)
    client.force_login(User.objects.get(email=OWNER))

    by_seeding = client.get(reverse("creators:directory"), {"sort": "index_seeding", "min_index_seeding": "50"})
    listed = by_seeding.context["page"].creators
    profile = client.get(reverse("creators:detail", args=[listed[0].handle])).content.decode()

    assert "indices" in err.getvalue()  # the command showed its progress
    assert listed and all(c.index_seeding >= 50 for c in listed)
    assert [c.index_seeding for c in listed] == sorted((c.index_seeding for c in listed), reverse=True)
    assert "Not computed yet" not in profile
    assert f"{listed[0].index_seeding:.0f}" in profile
    assert not Creator.objects.filter(is_active=True, indices_at__isnull=True).exists()


@pytest.fixture
def eager():
    """Tasks run inline, as a worker would run the one the signal queues."""
    from marketplace.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = old


def test_a_worker_starting_while_indices_are_missing_computes_them(eager):
    CreatorFactory.create_batch(3, user=None)
    assert indices_missing()

    tasks.on_worker_ready()

    assert not indices_missing()
    assert not Creator.objects.filter(indices_at__isnull=True).exists()


def test_a_worker_starting_with_indices_in_place_leaves_them_alone(eager):
    creators = CreatorFactory.create_batch(2, user=None)
    call_command("recompute_indices", stdout=StringIO(), stderr=StringIO())
    before = dict(Creator.objects.values_list("pk", "indices_at"))

    tasks.on_worker_ready()

    assert dict(Creator.objects.values_list("pk", "indices_at")) == before
    assert len(before) == len(creators)
