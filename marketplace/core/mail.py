"""Outgoing mail: every message Starmap sends goes through ``send_mail_each``."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable

logger = logging.getLogger(__name__)

MAIL_SUBJECT_MAX = 120
# Code point categories that break a mail header or a line: controls (\r, \n, NEL …) and the Unicode
# line and paragraph separators (U+2028, U+2029).
_LINE_BREAKING = frozenset({"Cc", "Zl", "Zp"})


def one_line(text: str, *, limit: int = MAIL_SUBJECT_MAX) -> str:
    """``text`` as one line for a mail header: line breaks and controls become spaces, runs of
    spaces one, and text over ``limit`` characters is cut at a word with "…"."""
    flat = "".join(" " if unicodedata.category(ch) in _LINE_BREAKING else ch for ch in str(text))
    flat = " ".join(flat.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…"


def site_url(path: str) -> str:
    """``path`` (from reverse) as an absolute link on settings.SITE_URL, for every mail Starmap sends."""
    from django.conf import settings

    return f"{settings.SITE_URL.rstrip('/')}/{path.lstrip('/')}"


def send_mail_each(
    *, subject: str, body: str, recipients: Iterable[str], html: str | None = None, from_email: str | None = None
) -> int:
    """Send one message per recipient (every mail Starmap sends goes through here); returns how many went.

    The subject is made one line (``one_line``), so text a user typed never turns into a header
    error. A recipient whose message fails is logged and skipped: the others still get theirs.
    """
    from django.core.mail import EmailMultiAlternatives

    subject = one_line(subject)
    sent = 0
    for address in dict.fromkeys(recipients):
        message = EmailMultiAlternatives(subject, body, from_email, [address])
        if html is not None:
            message.attach_alternative(html, "text/html")
        try:
            sent += message.send()
        except Exception:
            logger.exception("e-mail %r to %s not sent", subject, address)
    return sent
