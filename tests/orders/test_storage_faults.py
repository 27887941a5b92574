"""The upload directory full or read-only (issue 14, fault 7): a clear error, nothing recorded as uploaded.

The directory is a real one the kernel refuses to write: a 64 KiB tmpfs filled by the upload (ENOSPC) or
a tmpfs mounted read-only (EROFS) when the tests run as root, which can mount and which no file mode
stops; a directory without write permission (EACCES) otherwise.
"""

from __future__ import annotations

import html
import os
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from orders.models import Collaboration, Deliverable
from tests.api.clients import api_for
from tests.orders.conftest import deal_in, mp4_upload

S = Collaboration.Status
MESSAGE = "The file could not be stored: the server's upload space is full or read-only."


def _mount(target: Path, *options: str) -> bool:
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(["size=64k", *options]), "tmpfs", str(target)])
    return done.returncode == 0


@pytest.fixture(params=["full", "read-only"])
def refusing_media_root(request, settings, tmp_path):
    root = tmp_path / "media"
    mounted = os.geteuid() == 0 and _mount(root, "ro" if request.param == "read-only" else "rw")
    if not mounted:
        if request.param == "full":
            pytest.skip("filling a disk needs a tmpfs, which only root may mount")
        root.mkdir(exist_ok=True)
        root.chmod(0o555)
    settings.MEDIA_ROOT = root
    yield request.param
    if mounted:
        subprocess.run(["umount", str(root)], check=True)


def _video():
    return mp4_upload(size=256 * 1024)  # four times what the full disk holds


def test_a_video_page_upload_the_disk_refuses_is_a_clear_error_and_records_nothing(world, client, refusing_media_root):
    c = deal_in(world, S.SCRIPT_APPROVED)
    client.force_login(c.creator.user)

    response = client.post(reverse("deals:act", args=[c.pk, "submit_video"]), {"video": _video()})

    assert response.status_code == 503 and response["Retry-After"]
    assert MESSAGE in html.unescape(response.content.decode())
    c.refresh_from_db()
    assert c.status == S.SCRIPT_APPROVED
    assert not Deliverable.objects.filter(collaboration=c).exclude(kind="script").exists()


def test_a_video_api_upload_the_disk_refuses_is_a_503_and_records_nothing(world, refusing_media_root):
    c = deal_in(world, S.SCRIPT_APPROVED)

    response = api_for(c.creator.user).post(
        f"/api/v1/collaborations/{c.pk}/video/", {"file": _video()}, format="multipart"
    )

    assert response.status_code == 503 and response["Retry-After"]
    body = response.json()
    assert body["code"] == "storage_unavailable" and MESSAGE in body["errors"]["file"][0]
    c.refresh_from_db()
    assert c.status == S.SCRIPT_APPROVED
    assert not Deliverable.objects.filter(collaboration=c).exclude(kind="script").exists()
