"""People and files for the browser tests, made through the same services the pages use."""

from __future__ import annotations

import io
import struct
import uuid
import zlib
from pathlib import Path

from brands.models import BrandMembership
from brands.services import brand_signup
from creators import services as profiles
from creators.models import Creator
from creators.services import creator_signup
from marketplace.core.models import Label, User
from marketplace.core.verification import set_verification
from payouts import services as money

PASSWORD = "walk-the-happy-path-42"
TOPUP = 10_000_000  # CNY 100,000.00
SKIN_CARE = "Style & Fashion > Beauty > Skin Care"
STAR_PRICE = 500_000  # CNY 5,000.00 for a 21–60 s video


def make_brand_owner(*, email: str, brand_name: str, topup: int, password: str) -> BrandMembership:
    membership = brand_signup(email=email, password=password, full_name="Mei Chen", brand_name=brand_name)
    money.topup(brand_id=membership.brand_id, amount=topup, idempotency_key=str(uuid.uuid4()), actor=membership.user)
    return membership


def make_admin(*, email: str, password: str) -> User:
    return User.objects.create_user(email=email, password=password, full_name="Ada Admin", is_staff=True)


def make_star_creator(*, email: str, password: str, admin: User) -> tuple[Creator, int]:
    """A creator with a login, a full profile, a skin-care label and a rate card, verified by an admin."""
    creator = creator_signup(email=email, password=password, display_name="Lina Zhou", handle="lina-zhou")
    user = creator.user
    creator = profiles.creator_update_profile(
        creator=creator,
        actor=user,
        display_name="Lina Zhou",
        bio="Skin-care routines for sensitive skin, filmed at home in Guangzhou.",
        platform="douyin",
        country="CN",
        content_sample="Morning routine for dry skin #skincare\nSerum test: two weeks #review",
        max_concurrent=3,
    )
    creator = profiles.creator_set_audience(
        creator=creator,
        actor=user,
        age={"18-23": 0.35, "24-30": 0.4, "31-40": 0.15, "41-50": 0.05, "50+": 0.05},
        gender={"female": 0.8, "male": 0.18, "other": 0.02},
        region={"CN": 0.9, "US": 0.1},
    )
    profiles.creator_set_labels(creator=creator, actor=user, labels=[(Label.objects.get(path=SKIN_CARE).pk, 1.0)])
    profiles.rate_card_set_prices(
        creator=creator, actor=user, prices={"short_21_60": STAR_PRICE, "short_1_20": 300_000, "video_60_plus": 900_000}
    )
    profiles.creator_set_avatar(creator=creator, actor=user, upload=portrait_png())
    profiles.creator_set_content_samples(
        creator=creator,
        actor=user,
        samples=[
            {
                "url": "https://www.douyin.com/video/7301234567890123456",
                "title": "Morning routine for dry skin",
                "platform": "douyin",
            },
            {
                "url": "https://www.xiaohongshu.com/explore/64f0c2a1000000001e03a9b1",
                "title": "Serum test: two weeks on sensitive skin, before and after",
                "platform": "xiaohongshu",
            },
            {
                "url": "https://example.com/a/very/long/path/that/must/wrap/on/a/phone/without/scrolling/sideways/1234567890",
                "title": "A post with a long address",
            },
        ],
    )
    set_verification(actor=admin, model=Creator, pks=[creator.pk], to="verified")
    # Platform metrics arrive from imports, not from a form; set them as an import would.
    Creator.objects.filter(pk=creator.pk).update(
        followers=180_000,
        median_views_30d=60_000,
        median_views_90d=55_000,
        engagement_rate=0.06,
        completion_rate=0.45,
        follower_growth_30d=0.04,  # unknown (None) growth has no growth index: the import gives one
    )
    creator.refresh_from_db()
    return creator, STAR_PRICE


# -------------------------------------------------------------------- files


def portrait_png():
    """A 320 × 400 picture (a gradient with a disc), as a creator's profile picture upload."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 400), "#f4d8c8")
    draw = ImageDraw.Draw(image)
    for y in range(400):
        draw.line([(0, y), (320, y)], fill=(244 - y // 8, 216 - y // 10, 200))
    draw.ellipse([80, 90, 240, 250], fill="#7a3e9d")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return SimpleUploadedFile("lina.png", out.getvalue())


def mp4_file(directory: Path) -> Path:
    """A small MP4 whose boxes are whole: ``ftyp`` (the magic bytes the upload check reads), ``moov``, ``mdat``."""
    ftyp = struct.pack(">I4s4sI", 24, b"ftyp", b"isom", 0x200) + b"isomiso2"
    moov = struct.pack(">I4s", 16, b"moov") + bytes(8)
    payload = bytes(2048)
    mdat = struct.pack(">I4s", 8 + len(payload), b"mdat") + payload
    path = directory / "cut.mp4"
    path.write_bytes(ftyp + moov + mdat)
    return path


def png_file(directory: Path) -> Path:
    """A real 2×2 red PNG (signature, IHDR, IDAT, IEND)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    path = directory / "post-removed.png"
    path.write_bytes(png)
    return path
