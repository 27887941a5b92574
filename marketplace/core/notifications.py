"""The one way to tell users something: an in-app notification each, and an e-mail each after commit."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from marketplace.core.mail import send_mail_each, site_url
from marketplace.core.models import Notification, User


def notify(
    users: list[User],
    *,
    kind: str,
    text: str | Callable[[], str],
    url: str = "",
    collaboration_id: int | None = None,
    email: bool = True,
) -> None:
    """One in-app notification per user (duplicates dropped), and an e-mail each once the transaction commits
    (``email``: False for what only the app should say, such as the steps of a practice deal).

    ``text`` says it: a function called once per language among the users, with that language active, so
    each person reads it in their own (``User.language``), not in the language of whoever caused it (a plain
    string is said as it is, in every language)."""
    unique = {u.pk: u for u in users}
    by_language: dict[str, list[User]] = {}
    for user in unique.values():
        by_language.setdefault(user.language or settings.LANGUAGE_CODE, []).append(user)
    rows = []
    for language, people in by_language.items():
        with translation.override(language):
            said = str(text() if callable(text) else text)
            subject = _("Starmap: %(text)s") % {"text": said}
        rows += [
            Notification(user=u, collaboration_id=collaboration_id, kind=kind, text=said[:300], url=url) for u in people
        ]
        emails = [u.email for u in people if u.email] if email else []
        if emails:
            transaction.on_commit(lambda emails=emails, said=said, subject=subject: _mail(emails, subject, said, url))
    Notification.objects.bulk_create(rows)


def _mail(emails: list[str], subject: str, text: str, url: str) -> None:
    # Losing an e-mail is harmless (the in-app notification stays), so send after commit, best effort:
    # send_mail_each logs a failed recipient and goes on with the others.
    body = f"{text}\n\n{site_url(url)}" if url else text
    send_mail_each(
        subject=subject,
        body=body,
        recipients=emails,
        from_email=settings.DEFAULT_FROM_EMAIL,
    )
