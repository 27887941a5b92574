"""Deliverables: the script, the video and dispute evidence, each file checked by its bytes (never by its name
or the browser's say) before it is stored against the collaboration."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.core import DomainError
from marketplace.core.models import User
from marketplace.core.unavailable import store_file
from orders.access import collaboration_side
from orders.models import Collaboration, Deliverable
from orders.services.collaborations import collaboration_transition

SCRIPT_MAX_CHARS = 20_000

VIDEO_TYPES = {"mp4": "video/mp4", "mov": "video/quicktime", "webm": "video/webm"}
EVIDENCE_TYPES = {
    **VIDEO_TYPES,
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "pdf": "application/pdf",
}


def sniff(head: bytes) -> str | None:
    """The file type from its first bytes (never from its name or the browser's claim)."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mov" if head[8:12] == b"qt  " else "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    return None


# ISO base media files (.mp4, .mov) are a chain of boxes: a 4-byte big-endian size (1: a 64-bit size
# follows the type; 0: to the end of the file) and a 4-character type. A playable file starts with ftyp,
# holds a moov box (what a player needs to read the video) and its boxes end exactly at the end of the file.
_BOX_TYPE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_@\xa9")


def iso_media_is_readable(upload) -> bool:
    """Whether an .mp4/.mov upload's box structure is whole: ftyp first, a moov box, no box past the end."""
    size, offset, types = upload.size, 0, []
    while offset < size:
        upload.seek(offset)
        header = upload.read(16)
        if len(header) < 8 or not set(header[4:8]) <= _BOX_TYPE:
            return False
        length, kind = int.from_bytes(header[:4], "big"), header[4:8]
        if length == 1:
            length = int.from_bytes(header[8:16], "big") if len(header) == 16 else 0
        elif length == 0:
            length = size - offset
        if length < 8 or offset + length > size:
            return False
        types.append(kind)
        offset += length
    upload.seek(0)
    return bool(types) and types[0] == b"ftyp" and b"moov" in types


def _upload_field(kind: str) -> str:
    """The form field an upload of this kind comes in by, which its errors are said beside."""
    return "video" if kind == Deliverable.Kind.VIDEO else "evidence"


def _checked_file(upload, *, kind: str) -> tuple[str, str]:
    """(extension, content type) of an upload that passes the size, magic-byte and (for .mp4 / .mov)
    structure checks. A file named or sent as a video that is not a readable one is called damaged,
    not of the wrong type."""
    limit_mb = settings.UPLOAD_VIDEO_MAX_MB if kind == Deliverable.Kind.VIDEO else settings.UPLOAD_EVIDENCE_MAX_MB
    field = _upload_field(kind)
    if upload is None or upload.size == 0:
        raise DomainError(_("Choose a file."), field=field)
    if upload.size > limit_mb * 1024 * 1024:
        raise DomainError(_("The file is larger than %(mb)s MB.") % {"mb": limit_mb}, field=field)
    upload.seek(0)
    ext = sniff(upload.read(16))
    upload.seek(0)
    allowed = VIDEO_TYPES if kind == Deliverable.Kind.VIDEO else EVIDENCE_TYPES
    named = (upload.name or "").rsplit(".", 1)[-1].lower()
    claims_video = named in VIDEO_TYPES or (getattr(upload, "content_type", "") or "").startswith("video/")
    if (ext is None and claims_video) or (ext in ("mp4", "mov") and not iso_media_is_readable(upload)):
        raise DomainError(
            _(
                "The file could not be read as a video: it looks damaged or incomplete. "
                "Export or download it again and upload the new file."
            ),
            field=field,
        )
    if ext not in allowed:
        raise DomainError(
            _("This file type is not accepted; use %(types)s.") % {"types": ", ".join(sorted(allowed))}, field=field
        )
    return ext, allowed[ext]


def _store(c: Collaboration, *, kind: str, actor, upload=None, text: str = "", dispute=None) -> Deliverable:
    previous = c.deliverables.filter(kind=kind).count()
    item = Deliverable(collaboration=c, dispute=dispute, kind=kind, round=previous + 1, text=text, uploaded_by=actor)
    if upload is not None:
        ext, content_type = _checked_file(upload, kind=kind)
        item.extension, item.content_type = f".{ext}", content_type
        item.original_name, item.size = (upload.name or "")[:200], upload.size
        store_file(item.file, upload, field=_upload_field(kind))
    item.save()
    return item


@transaction.atomic
def script_submit(*, collaboration_id: int, actor: User, text: str) -> Collaboration:
    text = (text or "").strip()
    if not text or len(text) > SCRIPT_MAX_CHARS or "\x00" in text:
        raise DomainError(
            _("Write the script (up to %(n)s characters).") % {"n": f"{SCRIPT_MAX_CHARS:,}"}, field="script"
        )
    c = collaboration_transition(collaboration_id=collaboration_id, action="submit_script", actor=actor)
    _store(c, kind=Deliverable.Kind.SCRIPT, actor=actor, text=text)
    return c


@transaction.atomic
def video_submit(*, collaboration_id: int, actor: User, upload) -> Collaboration:
    c = collaboration_transition(collaboration_id=collaboration_id, action="submit_video", actor=actor)
    _store(c, kind=Deliverable.Kind.VIDEO, actor=actor, upload=upload)
    return c


@transaction.atomic
def dispute_open(*, collaboration_id: int, actor: User, reason: str, evidence=(), action: str = "open_dispute"):
    """Either side opens a dispute (or reports the post down) with a reason and evidence files."""
    c = collaboration_transition(collaboration_id=collaboration_id, action=action, actor=actor, comment=reason)
    dispute = c.disputes.get(status="open")
    for upload in evidence:
        _store(c, kind=Deliverable.Kind.EVIDENCE, actor=actor, upload=upload, dispute=dispute)
    return c


def deliverable_for_party(*, deliverable_id: int, user: User) -> Deliverable:
    """A deliverable the user may download: a party to its collaboration, or staff. 404 otherwise."""
    from django.http import Http404

    item = (
        Deliverable.objects.select_related("collaboration__order", "collaboration__creator")
        .filter(pk=deliverable_id)
        .first()
    )
    if item is None or not item.file or collaboration_side(item.collaboration, user) is None:
        raise Http404
    return item
