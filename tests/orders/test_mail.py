"""Every e-mail Starmap sends: one-line subjects from whatever users typed, one recipient never stops the others."""

import ast
import logging
import unicodedata
from pathlib import Path

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.urls import reverse

from brands.models import BrandMembership
from brands.services import send_member_invite
from marketplace.core import MAIL_SUBJECT_MAX, one_line, send_mail_each
from orders.models import Collaboration
from orders.services import deals
from tests.factories import MembershipFactory, UserFactory
from tests.orders.conftest import deal_in

ROOT = Path(__file__).resolve().parents[2]
LONG = "word " * 400
LONG_NAME = ("word " * 23).strip()  # as long as the shortest of the fields (a display name, 120)
# What a name, title or message may hold that a mail header must not: each line break Python knows,
# other controls, and text far longer than a subject.
HOSTILE = {
    "newline": "Aurora\nBcc: everyone@example.test",
    "carriage return": "Aurora\rSkin",
    "crlf": "Aurora\r\nSkin",
    "line separator": "Aurora\u2028Skin",
    "paragraph separator": "Aurora\u2029Skin",
    "next line": "Aurora\u0085Skin",
    "vertical tab": "Aurora\x0bSkin",
    "form feed": "Aurora\x0cSkin",
    "very long": LONG_NAME,
}
S = Collaboration.Status


def _is_one_line(text: str) -> bool:
    return not any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in text) and text == " ".join(text.split())


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_one_line_turns_any_text_into_a_short_single_header_line(text):
    line = one_line(text)

    assert _is_one_line(line)
    assert 0 < len(line) <= MAIL_SUBJECT_MAX
    assert line.startswith("Aurora" if "Aurora" in text else "word")


def test_one_line_cuts_long_text_at_a_word_with_an_ellipsis():
    line = one_line(LONG)

    assert line.endswith("word…")
    assert len(line) <= MAIL_SUBJECT_MAX


def _set_hostile(collaboration: Collaboration, where: str, text: str) -> str:
    """Put ``text`` where a user could have typed it; returns the message text to send."""
    if where == "order title":
        collaboration.order.title = text
        collaboration.order.save(update_fields=["title"])
    elif where == "brand name":
        collaboration.order.brand.name = text
        collaboration.order.brand.save(update_fields=["name"])
    elif where == "creator name":
        collaboration.creator.display_name = text
        collaboration.creator.save(update_fields=["display_name"])
    return text if where == "message" else "Hello"


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("where", ["order title", "brand name", "creator name", "message"])
def test_a_line_break_anywhere_in_a_notification_still_mails_every_recipient(
    world, where, text, django_capture_on_commit_callbacks
):
    c = deal_in(world, S.ACCEPTED)
    MembershipFactory(brand=world["brand"], role=BrandMembership.Role.MANAGER, user__email="manager@example.test")
    message = _set_hostile(c, where, text)
    sender = world["owner"] if where == "brand name" else c.creator.user  # whose name the recipients read
    expected = {c.creator.user.email} if sender == world["owner"] else {world["owner"].email, "manager@example.test"}
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        deals.collaboration_comment(collaboration_id=c.pk, actor=sender, text=message)

    assert {address for m in mail.outbox for address in m.to} == expected
    for sent in mail.outbox:
        assert _is_one_line(sent.subject)
        assert len(sent.subject) <= MAIL_SUBJECT_MAX
        assert sent.message()["Subject"]  # the header renders


class FailsForOne(LocmemBackend):
    """The local-memory backend, except that the server refuses one address."""

    def send_messages(self, messages):
        if any("refused@example.test" in m.to for m in messages):
            raise OSError("550 mailbox unavailable")
        return super().send_messages(messages)


def test_one_failing_recipient_is_logged_and_the_others_still_get_their_mail(settings, caplog):
    settings.EMAIL_BACKEND = "tests.orders.test_mail.FailsForOne"
    recipients = ["first@example.test", "refused@example.test", "last@example.test"]

    with caplog.at_level(logging.ERROR, logger="marketplace.core"):
        sent = send_mail_each(subject="Line one\nline two", body="Body", recipients=recipients)

    assert sent == 2
    assert [m.to for m in mail.outbox] == [["first@example.test"], ["last@example.test"]]
    assert any("refused@example.test" in record.getMessage() for record in caplog.records)


def test_a_notification_to_a_refused_address_still_reaches_the_other_side(
    world, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.orders.test_mail.FailsForOne"
    c = deal_in(world, S.ACCEPTED)
    MembershipFactory(brand=world["brand"], role=BrandMembership.Role.MANAGER, user__email="refused@example.test")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        deals.collaboration_comment(collaboration_id=c.pk, actor=c.creator.user, text="Draft attached.")

    assert [m.to for m in mail.outbox] == [[world["owner"].email]]


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_the_member_invitation_is_sent_whatever_the_brand_is_called(db, text):
    user = UserFactory(email="invited@example.test")

    send_member_invite(user_id=user.pk, brand_name=text)

    assert [m.to for m in mail.outbox] == [["invited@example.test"]]
    assert _is_one_line(mail.outbox[0].subject)


def test_the_password_reset_mail_goes_through_the_one_mail_helper(db, client, monkeypatch):
    UserFactory(email="forgot@example.test")
    calls = []
    monkeypatch.setattr("marketplace.forms.send_mail_each", lambda **kw: calls.append(kw))

    response = client.post(reverse("password_reset"), {"email": "forgot@example.test"})

    assert response.status_code == 302
    assert [c["recipients"] for c in calls] == [["forgot@example.test"]]
    assert "reset" in calls[0]["body"]


MAIL_SENDERS = {"send_mail", "send_mass_mail", "mail_admins", "mail_managers", "EmailMessage", "EmailMultiAlternatives"}


def test_no_code_but_the_mail_helper_sends_mail_itself():
    """A new mail must use marketplace.core.send_mail_each, which makes subjects safe and isolates recipients."""
    offenders = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "var", "tests", "bench", "node_modules"} or "migrations" in relative.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("django.core.mail"):
                names = {alias.name for alias in node.names} & MAIL_SENDERS
                if names and str(relative) != "marketplace/core/mail.py":
                    offenders.append(f"{relative}:{node.lineno} imports {sorted(names)}")
            helper = str(relative) == "marketplace/core/mail.py"
            if isinstance(node, ast.Attribute) and node.attr in MAIL_SENDERS and not helper:
                offenders.append(f"{relative}:{node.lineno} uses .{node.attr}")

    assert offenders == []


# ------------------------------------------------------------ absolute links

SITE = "https://starmap.example"


def _notification_mail(world, client, django_capture_on_commit_callbacks):
    c = deal_in(world, S.ACCEPTED)
    with django_capture_on_commit_callbacks(execute=True):
        deals.collaboration_comment(collaboration_id=c.pk, actor=c.creator.user, text="Draft attached.")
    return reverse("deals:collaboration", args=[c.pk])


def _invite_mail(world, client, django_capture_on_commit_callbacks):
    client.force_login(world["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("brands:member_add"), {"email": "new.member@example.test", "role": "viewer"})
    return reverse("password_reset")


def _reset_mail(world, client, django_capture_on_commit_callbacks):
    UserFactory(email="forgot@example.test")
    client.post(reverse("password_reset"), {"email": "forgot@example.test"}, HTTP_HOST="evil.example")
    return reverse("password_reset")


# Every mail Starmap sends, and the path its link must lead to (on SITE_URL, whatever host was asked).
MAILS = {"notification": _notification_mail, "member invitation": _invite_mail, "password reset": _reset_mail}


@pytest.mark.parametrize("send", MAILS.values(), ids=MAILS.keys())
def test_every_mail_links_absolutely_to_the_site_url(world, client, settings, django_capture_on_commit_callbacks, send):
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    mail.outbox.clear()

    path = send(world, client, django_capture_on_commit_callbacks)

    assert mail.outbox, "no mail sent"
    for message in mail.outbox:
        links = [word for word in message.body.split() if "/" in word and not word.startswith("@")]
        assert links, message.body
        assert all(link.startswith(f"{SITE}/") for link in links), links
        assert any(link.startswith(f"{SITE}{path}") for link in links), links


def test_every_place_that_sends_mail_is_covered_above():
    senders = set()
    for source in ROOT.glob("*/**/*.py"):
        if source.parts[len(ROOT.parts)] in {"tests", ".venv", "bench"}:
            continue
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name in {"send_mail_each", "send_mail", "send_mass_mail", "EmailMessage", "EmailMultiAlternatives"}:
                    senders.add(str(source.relative_to(ROOT)))

    # The helper itself, and the three mails above (the reset form calls the helper from its send_mail).
    assert senders == {
        "marketplace/core/mail.py",
        "marketplace/core/notifications.py",
        "brands/services.py",
        "marketplace/forms.py",
    }
