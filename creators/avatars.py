"""A creator's uploaded profile picture: the checks an upload must pass and the square thumbnail that is stored.

Pure (no database): ``avatar_thumbnail`` turns an uploaded file into the bytes of a WebP thumbnail or raises
ValidationError with a message a creator can act on. What is accepted and why is in docs/creators.md.

- Only the content decides: the file name and the browser's content type are never read (a name is often
  "IMG_0001.HEIC.jpg" or carries characters such as "²"; Django drops unprintable ones such as NUL) and never
  used on disk, where the name is generated (creators.models.avatar_path).
- JPEG, PNG and WebP only: Pillow is asked to try those three decoders and no other.
- At most ``settings.UPLOAD_AVATAR_MAX_MB`` bytes and AVATAR_MAX_PIXELS pixels (read from the header before
  anything is decoded: a small file that unpacks to a huge picture, a "decompression bomb", is refused
  unread), at least AVATAR_MIN_SIDE pixels a side.
- The whole picture is decoded (a truncated file fails here, not later), turned upright by its EXIF
  orientation, cut to the centre square and resized to AVATAR_SIDE pixels, and written anew as WebP: no
  EXIF, GPS position, ICC profile or comment of the original survives.
"""

from __future__ import annotations

import io
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

AVATAR_FORMATS = ("JPEG", "PNG", "WEBP")
AVATAR_MAX_PIXELS = 25_000_000  # 5,000 × 5,000: more than any phone camera within the byte cap
AVATAR_MIN_SIDE = 64
AVATAR_SIDE = 256  # stored square: sharp on a 2× screen at the 128 px the creator page shows
AVATAR_QUALITY = 85
AVATAR_CONTENT_TYPE = "image/webp"
AVATAR_EXTENSION = ".webp"

ImageFile.LOAD_TRUNCATED_IMAGES = False  # Pillow's default, stated: a cut-off file is an error, not grey rows


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError({"avatar": ValidationError(message, code=code)})


def avatar_max_bytes() -> int:
    return settings.UPLOAD_AVATAR_MAX_MB * 1024 * 1024


def avatar_thumbnail(upload) -> bytes:
    """The WebP bytes of ``upload``'s square thumbnail; ValidationError({"avatar": …}) for anything else."""
    if upload is None or not upload.size:
        raise _refuse(_("Choose a picture to upload."), "required")
    if upload.size > avatar_max_bytes():
        raise _refuse(
            _("The picture is larger than %(mb)s MB; upload a smaller one.") % {"mb": settings.UPLOAD_AVATAR_MAX_MB},
            "size",
        )
    kinds = _("JPEG, PNG or WebP")
    upload.seek(0)
    with warnings.catch_warnings():
        # Pillow warns (and past twice its own limit, raises) for huge pictures; both are refused here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(upload, formats=AVATAR_FORMATS) as image:
                width, height = image.size
                if width * height > AVATAR_MAX_PIXELS:
                    raise _refuse(_too_many_pixels(width, height), "pixels")
                if min(width, height) < AVATAR_MIN_SIDE:
                    raise _refuse(
                        _("The picture is %(w)s × %(h)s pixels; use one at least %(min)s pixels on each side.")
                        % {"w": width, "h": height, "min": AVATAR_MIN_SIDE},
                        "small",
                    )
                image.draft("RGB", (AVATAR_SIDE * 2, AVATAR_SIDE * 2))  # JPEG decodes at a fraction of its size
                image.load()
                square = _square(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            # Past Pillow's own limit: refused while the header was read, before our own count.
            raise _refuse(
                _("The picture is larger than %(mp)s megapixels; use a smaller one.")
                % {"mp": AVATAR_MAX_PIXELS // 1_000_000},
                "pixels",
            ) from None
        except UnidentifiedImageError:
            raise _refuse(
                _("This file is not a picture Starmap can read; upload a %(kinds)s image.") % {"kinds": kinds}, "type"
            ) from None
        except (OSError, SyntaxError, ValueError, EOFError):
            # Pillow's word for a file that starts like a picture and breaks off or lies about its contents.
            raise _refuse(
                _(
                    "The picture could not be read: it looks damaged or incomplete. "
                    "Save it again and upload the new file."
                ),
                "damaged",
            ) from None
    out = io.BytesIO()
    square.save(out, format="WEBP", quality=AVATAR_QUALITY, method=4)
    return out.getvalue()


def _too_many_pixels(width: int, height: int) -> str:
    return _("The picture is %(w)s × %(h)s pixels; use one of at most %(mp)s megapixels.") % {
        "w": width,
        "h": height,
        "mp": AVATAR_MAX_PIXELS // 1_000_000,
    }


def _square(image: Image.Image) -> Image.Image:
    """The first frame, upright, cut to its centre square at AVATAR_SIDE pixels, in RGB or RGBA (transparency kept)."""
    image.seek(0)
    upright = ImageOps.exif_transpose(image)
    mode = "RGBA" if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info else "RGB"
    return ImageOps.fit(upright.convert(mode), (AVATAR_SIDE, AVATAR_SIDE), method=Image.Resampling.LANCZOS)
