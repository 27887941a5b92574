"""Deliverables: the script, the video and dispute evidence, each file checked by its bytes (never by its name
or the browser's say) before it is stored against the collaboration.

Evidence comes with a dispute's opening and, while it is open, from either party afterwards
(``dispute_evidence_add``): the same checks, the same limits, stored the same way."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from marketplace.core import Conflict, DomainError, NotAllowed, audit
from marketplace.core.models import User
from marketplace.core.unavailable import store_file
from orders.access import AGENCY, AGENCY_POWERS, BRAND, CREATOR, acting_side, collaboration_side, delegated_actions
from orders.models import Collaboration, CollaborationEvent, Deliverable, Dispute
from orders.services import notifications
from orders.services.collaborations import collaboration_transition

SCRIPT_MAX_CHARS = 20_000
# Evidence files in one submission (opening a dispute, or adding to it: the form and the API refuse more) and a
# note's length.
MAX_EVIDENCE_FILES = 10
EVIDENCE_NOTE_MAX_CHARS = 4000

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


def may_add_evidence(c: Collaboration, user: User | None, *, side: str | None = None) -> bool:
    """Whether ``user`` may add evidence to a dispute on ``c``: the brand's editors, the creator, and the creator's
    agency when its contract lets it hand in the creator's work (the *submit deliverables* power). Not staff: they
    decide on the evidence; not the brand's viewers: they only look. ``side``: the user's side when the caller
    has it (``collaboration_side``), so it is not looked up again."""
    side = acting_side(c, user) if side is None else side
    if side == AGENCY:
        return AGENCY_POWERS["submit_deliverables"] <= delegated_actions(c, user)
    return side in (BRAND, CREATOR)


@transaction.atomic
def dispute_evidence_add(*, collaboration_id: int, actor: User, note: str = "", files=()) -> Dispute:
    """A party adds evidence to the collaboration's open dispute: a note, files, or both (each file checked as the
    opening's are). Both sides see it on the deal page and staff on the dispute's timeline; the other side and
    staff are notified after commit.

    Locks the collaboration, as the decision does, so evidence never lands on a dispute decided meanwhile. Raises
    NotAllowed for anyone who is not a party (``may_add_evidence``), Conflict when there is no open dispute (none
    yet, or decided), DomainError on an empty submission, a long note or a refused file.
    """
    c = (
        Collaboration.objects.select_for_update(of=("self",))
        .select_related("order__brand", "creator")
        .get(pk=collaboration_id)
    )
    if not may_add_evidence(c, actor):
        raise NotAllowed(_("Only the brand, the creator or the creator's agency can add evidence to a dispute."))
    dispute = _open_dispute(c)
    note = _evidence_note(note, has_files=bool(files))
    if note:
        _store(c, kind=Deliverable.Kind.EVIDENCE, actor=actor, text=note, dispute=dispute)
    for upload in files:
        _store(c, kind=Deliverable.Kind.EVIDENCE, actor=actor, upload=upload, dispute=dispute)
    data = {"dispute": dispute.pk, "files": len(files), "note": bool(note)}
    CollaborationEvent.objects.create(
        collaboration=c, action="add_evidence", old_status=c.status, new_status=c.status, actor=actor, data=data
    )
    audit(actor=actor, action="dispute.add_evidence", obj=dispute, collaboration=c.pk, **data)
    notifications.collaboration_changed(c, action="add_evidence", actor_role=acting_side(c, actor))
    return dispute


def _open_dispute(c: Collaboration) -> Dispute:
    """The collaboration's open dispute; a 409 naming the decision's day once it is decided."""
    dispute = Dispute.objects.filter(collaboration=c).order_by("-opened_at", "-id").first()
    if dispute is None:
        raise Conflict(_("There is no dispute on this collaboration."))
    if dispute.status != Dispute.Status.OPEN:
        when = formats.date_format(timezone.localtime(dispute.decided_at), "SHORT_DATETIME_FORMAT")
        raise Conflict(
            _("The dispute was decided on %(day)s: no more evidence can be added.") % {"day": when},
        )
    return dispute


def _evidence_note(note: str, *, has_files: bool) -> str:
    note = (note or "").strip()
    if "\x00" in note:
        raise DomainError(_("Null characters are not allowed."), field="note")
    if len(note) > EVIDENCE_NOTE_MAX_CHARS:
        raise DomainError(
            _("Write the note in up to %(n)s characters.") % {"n": f"{EVIDENCE_NOTE_MAX_CHARS:,}"}, field="note"
        )
    if not note and not has_files:
        raise DomainError(_("Write a note or attach at least one file."), field="note")
    return note


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
