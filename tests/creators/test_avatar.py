"""A creator's uploaded picture: checked, re-encoded and shown wherever the initials avatar showed, to whoever may
see the creator; hostile files are a form error and store nothing; removing it brings the initials back."""

from __future__ import annotations

import io
import os
import re
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from creators import services
from creators.avatars import AVATAR_SIDE
from creators.models import Creator
from marketplace.core import NotAllowed
from marketplace.core.models import AuditLog
from tests.factories import CreatorFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

EDIT = reverse("creators:profile_edit")
GPS_TAG = 0x8825
MAKE_TAG = 0x010F


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def creator(client):
    creator = CreatorFactory(display_name="Lisa Chen", handle="lisa")
    client.force_login(creator.user)
    return creator


def picture(fmt: str = "PNG", size=(300, 200), **save) -> bytes:
    """A noisy picture (noise compresses badly, so a cut-off file really lacks data)."""
    width, height = size
    image = Image.frombytes("RGB", size, os.urandom(width * height * 3))
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[MAKE_TAG] = "SpyCam"
    exif[GPS_TAG] = {1: "N", 2: (23.0, 7.0, 0.0)}
    return picture("JPEG", size=(400, 300), exif=exif.tobytes())


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` × ``height`` in a few bytes: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def upload(client, data: bytes, name: str = "me.png"):
    return client.post(EDIT, {"section": "avatar", "avatar": SimpleUploadedFile(name, data)})


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


def avatar_src(page: str) -> str:
    return re.search(r'<img class="avatar[^"]*" src="([^"]+)"', page).group(1).replace("&amp;", "&")


# ------------------------------------------------------------------ upload and show


def test_an_uploaded_picture_shows_on_the_creator_page_and_is_served_as_a_square_webp(client, creator, media):
    response = upload(client, picture("PNG", size=(300, 200)))

    assert response.status_code == 302 and response.url == EDIT + "#media-kit"
    brand = MembershipFactory(role="viewer").user
    client.force_login(brand)
    page = client.get(reverse("creators:detail", args=["lisa"])).content.decode()
    src = avatar_src(page)
    assert src.startswith(reverse("creators:avatar", args=["lisa"]) + "?v=")
    assert ">LC</span>" not in page  # the picture, not the initials
    served = client.get(src)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/webp" and served["X-Content-Type-Options"] == "nosniff"
    assert served["Cache-Control"] == "private, max-age=86400"
    image = Image.open(io.BytesIO(b"".join(served.streaming_content)))
    assert (image.format, image.size) == ("WEBP", (AVATAR_SIDE, AVATAR_SIDE))
    [stored] = stored_files(media)
    assert stored.parent.name == str(creator.pk) and stored.suffix == ".webp" and "me" not in stored.name


def test_the_stored_picture_keeps_no_metadata_of_the_original(client, creator, media):
    original = Image.open(io.BytesIO(jpeg_with_gps()))
    assert original.getexif().get(MAKE_TAG) == "SpyCam"  # the test file carries it

    upload(client, jpeg_with_gps(), "holiday.jpg")

    [stored] = stored_files(media)
    image = Image.open(stored)
    assert not image.getexif() and "exif" not in image.info and "icc_profile" not in image.info
    assert b"SpyCam" not in stored.read_bytes()


def test_the_picture_shows_on_directory_cards_in_place_of_the_initials(client, creator):
    upload(client, picture("WEBP"))
    client.force_login(MembershipFactory().user)

    page = client.get(reverse("creators:directory")).content.decode()

    [row] = [tr for tr in page.split("<tr")[1:] if "Lisa Chen" in tr]
    assert 'class="avatar avatar-picture"' in row and ">LC</span>" not in row
    assert client.get(avatar_src(row)).status_code == 200


def test_a_new_picture_gets_a_new_address_and_the_old_file_goes(
    client, creator, media, django_capture_on_commit_callbacks
):
    upload(client, picture("PNG"))
    first = Creator.objects.get(pk=creator.pk).avatar.name

    with django_capture_on_commit_callbacks(execute=True):
        upload(client, picture("JPEG"), "second.jpg")

    second = Creator.objects.get(pk=creator.pk).avatar.name
    assert first != second
    assert [p.name for p in stored_files(media)] == [second.rsplit("/", 1)[1]]
    page = client.get(EDIT).content.decode()
    assert second.rsplit("/", 1)[1].split(".")[0] in avatar_src(page)


def test_removing_the_picture_brings_the_initials_back_and_deletes_the_file(
    client, creator, media, django_capture_on_commit_callbacks
):
    upload(client, picture("PNG"))
    src = avatar_src(client.get(EDIT).content.decode())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(EDIT, {"section": "avatar_remove"})

    assert response.status_code == 302
    page = client.get(reverse("creators:detail", args=["lisa"])).content.decode()
    assert ">LC</span>" in page and "avatar-picture" not in page
    assert stored_files(media) == []
    assert client.get(src).status_code == 404
    assert AuditLog.objects.filter(action="creator.remove_avatar", object_id=str(creator.pk)).exists()


@pytest.mark.parametrize("name", ["头像².png", "me\x00.png", "photo.gif", "no-extension"])
def test_a_file_name_is_never_read_or_stored_only_the_content_decides(client, creator, media, name):
    """A real picture called 头像².png (or with a NUL, which Django drops, or with a wrong extension) is taken like
    any other, and stored under a generated name."""
    response = upload(client, picture("PNG"), name)

    assert response.status_code == 302
    [stored] = stored_files(media)
    assert re.fullmatch(r"[0-9a-f]{32}\.webp", stored.name)


# ------------------------------------------------------------------ hostile files

HOSTILE = {
    "not a picture": (b"MZ\x90\x00 this is a program, not a picture" * 10, "me.png", "not a picture Starmap can read"),
    "a GIF": (picture("GIF"), "me.gif", "not a picture Starmap can read"),
    "a truncated JPEG": (picture("JPEG", size=(600, 600))[:20_000], "me.jpg", "damaged or incomplete"),
    "a truncated PNG": (picture("PNG", size=(300, 300))[:30_000], "me.png", "damaged or incomplete"),
    "a bomb past our cap": (png_header_only(6_000, 6_000), "bomb.png", "6000 × 6000 pixels; use one of at most 25"),
    "a bomb past Pillow's own limit": (png_header_only(30_000, 30_000), "bomb.png", "larger than 25 megapixels"),
    "a huge file": (b"\x89PNG\r\n\x1a\n" + bytes(2 * 1024 * 1024), "big.png", "larger than 2 MB"),
    "a tiny picture": (picture("PNG", size=(20, 20)), "dot.png", "at least 64 pixels"),
    "a NUL in the name": (b"<?php system($_GET[0]); ?>", "me\x00.png", "not a picture Starmap can read"),
    "a ² in the name": (b"%PDF-1.7 not a picture", "me².png", "not a picture Starmap can read"),
    "an empty file": (b"", "empty.png", "The file is empty"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_upload_is_a_form_error_beside_the_field_and_nothing_is_stored(client, creator, media, name):
    data, filename, message = HOSTILE[name]

    response = upload(client, data, filename)

    assert response.status_code == 400
    page = response.content.decode()
    errors = page.split('id="id_avatar_errors"', 1)[1].split("</ul>", 1)[0]
    assert message in errors
    assert Creator.objects.get(pk=creator.pk).avatar.name == ""
    assert stored_files(media) == []
    assert ">LC</span>" in page


@pytest.mark.parametrize("name", ["a truncated JPEG", "a truncated PNG"])
def test_a_cut_off_picture_is_refused_after_the_invoice_renderer_has_loaded(client, creator, media, name):
    # WeasyPrint's import switches Pillow's process-wide LOAD_TRUNCATED_IMAGES on; a worker or web process
    # that rendered an invoice PDF then took cut-off pictures (the CI run found it by test order).
    from invoices import render

    render._weasyprint.cache_clear()
    render._weasyprint()
    data, filename, message = HOSTILE[name]

    response = upload(client, data, filename)

    assert message in response.content.decode()
    assert Creator.objects.get(pk=creator.pk).avatar.name == "" and stored_files(media) == []


def test_a_hostile_upload_leaves_an_earlier_picture_in_place(client, creator, media):
    upload(client, picture("PNG"))
    before = Creator.objects.get(pk=creator.pk).avatar.name

    upload(client, b"not a picture", "me.png")

    assert Creator.objects.get(pk=creator.pk).avatar.name == before
    assert len(stored_files(media)) == 1


def test_only_the_creator_or_staff_can_set_a_picture():
    creator = CreatorFactory()
    with pytest.raises(NotAllowed):
        services.creator_set_avatar(
            creator=creator, actor=UserFactory(), upload=SimpleUploadedFile("a.png", picture("PNG"))
        )


# ------------------------------------------------------------------ who may see it


def test_the_picture_is_served_to_whoever_may_see_the_creator_and_no_one_else(client, creator):
    upload(client, picture("PNG"))
    url = reverse("creators:avatar", args=["lisa"])
    other_creator = CreatorFactory().user
    no_role = UserFactory()
    staff = UserFactory(is_staff=True)

    seen = {}
    for name, user in [("self", creator.user), ("brand", MembershipFactory(role="viewer").user), ("staff", staff)]:
        client.force_login(user)
        seen[name] = client.get(url).status_code
    client.force_login(other_creator)
    seen["other creator"] = client.get(url).status_code
    client.force_login(no_role)
    seen["no role"] = client.get(url).status_code
    client.logout()
    seen["anonymous"] = client.get(url).status_code

    assert seen == {"self": 200, "brand": 200, "staff": 200, "other creator": 404, "no role": 403, "anonymous": 302}


def test_an_inactive_creators_picture_is_hidden_from_brands_like_their_page(client, creator):
    upload(client, picture("PNG"))
    Creator.objects.filter(pk=creator.pk).update(is_active=False)
    url = reverse("creators:avatar", args=["lisa"])

    client.force_login(MembershipFactory().user)
    brand = client.get(url).status_code
    client.force_login(UserFactory(is_staff=True))
    staff = client.get(url).status_code

    assert (brand, staff) == (404, 200)


def test_a_creator_without_a_picture_has_no_picture_address(client, creator):
    assert client.get(reverse("creators:avatar", args=["lisa"])).status_code == 404
