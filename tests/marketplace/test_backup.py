"""`manage.py backup` and `restore`: the demo survives a wipe — its ledger verifies and a deliverable downloads
with the same bytes — and a damaged or unconfirmed restore changes nothing."""

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from brands.models import Brand
from orders.models import Collaboration, Deliverable
from payouts.models import LedgerEntry

# pg_dump and pg_restore see only committed rows, and restore replaces every table.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_taxonomy", stdout=StringIO())
    call_command("load_demo", creators=40, history=0, no_progress=True, stdout=StringIO())
    return settings


def _backup(tmp_path) -> Path:
    out = StringIO()
    call_command("backup", output=str(tmp_path / "backups"), verbosity=0, stdout=out)
    (folder,) = (tmp_path / "backups").iterdir()
    assert f"backup written to {folder}" in out.getvalue()
    return folder


def _download(client, video: Deliverable) -> bytes:
    client.force_login(video.collaboration.order.brand.memberships.first().user)
    response = client.get(reverse("deals:download", args=[video.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_the_demo_comes_back_after_a_wipe_with_its_ledger_and_its_files(demo, tmp_path, client):
    video = (
        Deliverable.objects.filter(kind=Deliverable.Kind.VIDEO)
        .exclude(file="")
        .select_related("collaboration__order__brand")
        .first()
    )
    original = _download(client, video)
    counts = (Collaboration.objects.count(), LedgerEntry.objects.count(), Deliverable.objects.count())
    assert original and counts[0] and counts[1]
    folder = _backup(tmp_path)

    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(demo.MEDIA_ROOT)
    assert Collaboration.objects.count() == 0

    out = StringIO()
    call_command("restore", str(folder), yes=True, verbosity=0, stdout=out)

    assert (Collaboration.objects.count(), LedgerEntry.objects.count(), Deliverable.objects.count()) == counts
    assert "Ledger verified: 0 differences." in out.getvalue()
    assert _download(client, Deliverable.objects.get(pk=video.pk)) == original


def test_a_restore_without_yes_or_of_a_damaged_backup_changes_nothing(demo, tmp_path):
    folder = _backup(tmp_path)
    brand = Brand.objects.first()
    Brand.objects.filter(pk=brand.pk).update(name="Renamed after the backup")

    with pytest.raises(CommandError, match=r"nothing was changed\. Run again with --yes"):
        call_command("restore", str(folder), verbosity=0)
    with (folder / "database.dump").open("r+b") as dump:  # one byte damaged
        dump.seek(200)
        byte = dump.read(1)
        dump.seek(200)
        dump.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(CommandError, match="checksum differs from the manifest"):
        call_command("restore", str(folder), yes=True, verbosity=0)

    assert Brand.objects.get(pk=brand.pk).name == "Renamed after the backup"


def test_a_folder_that_is_not_a_backup_is_refused_by_name(db, tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"format": 99}))

    with pytest.raises(CommandError, match="format 99, expected 1"):
        call_command("restore", str(tmp_path), yes=True, verbosity=0)
    with pytest.raises(CommandError, match=r"no manifest\.json"):
        call_command("restore", str(tmp_path / "missing"), yes=True, verbosity=0)
