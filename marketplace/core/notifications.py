"""The one way to tell users something: an in-app notification each, and an e-mail each after commit."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.core.mail import send_mail_each, site_url
from marketplace.core.models import Notification, User


def notify(
    users: list[User],
    *,
    kind: str,
    text: str,
    url: str = "",
    collaboration_id: int | None = None,
    email: bool = True,
) -> None:
    """One in-app notification per user (duplicates dropped), and an e-mail each once the transaction commits
    (``email``: False for what only the app should say, such as the steps of a practice deal)."""
    unique = {u.pk: u for u in users}
    Notification.objects.bulk_create(
        [
            Notification(user=u, collaboration_id=collaboration_id, kind=kind, text=text[:300], url=url)
            for u in unique.values()
        ]
    )
    emails = [u.email for u in unique.values() if u.email] if email else []
    if emails:
        transaction.on_commit(lambda: _mail(emails, text, url))


def _mail(emails: list[str], text: str, url: str) -> None:
    # Losing an e-mail is harmless (the in-app notification stays), so send after commit, best effort:
    # send_mail_each logs a failed recipient and goes on with the others.
    body = f"{text}\n\n{site_url(url)}" if url else text
    send_mail_each(
        subject=_("Starmap: %(text)s") % {"text": text},
        body=body,
        recipients=emails,
        from_email=settings.DEFAULT_FROM_EMAIL,
    )
