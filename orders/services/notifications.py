"""In-app notifications (with unread counts) and their e-mails, sent after commit."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from brands.models import BrandMembership
from marketplace.core.models import Notification, User
from marketplace.core.notifications import notify as core_notify
from orders.models import Collaboration

# What the other side reads after each action ("<who> <did what> on <order>").
DID = {
    "offer": gettext_lazy("sent you an offer"),
    "apply": gettext_lazy("applied"),
    "accept": gettext_lazy("accepted the offer"),
    "decline": gettext_lazy("declined the offer"),
    "withdraw": gettext_lazy("withdrew the offer"),
    "counter": gettext_lazy("countered the offer with another price"),
    "accept_counter": gettext_lazy("accepted your counter-offer"),
    "decline_counter": gettext_lazy("declined your counter-offer: the offer stands at its price"),
    "expire": gettext_lazy("let the offer expire"),
    "select": gettext_lazy("selected you"),
    "reject_application": gettext_lazy("did not select you"),
    "withdraw_application": gettext_lazy("withdrew the application"),
    "submit_script": gettext_lazy("submitted a script"),
    "approve_script": gettext_lazy("approved the script"),
    "reject_script": gettext_lazy("asked for changes to the script"),
    "submit_video": gettext_lazy("submitted a video"),
    "approve_video": gettext_lazy("approved the video"),
    "request_revision": gettext_lazy("asked for a video revision"),
    "publish": gettext_lazy("published the post"),
    "accept_work": gettext_lazy("accepted the work"),
    "auto_accept": gettext_lazy("accepted the work automatically (7 days after publishing)"),
    "confirm_live": gettext_lazy("confirmed the post is live: payment settled"),
    "auto_confirm_live": gettext_lazy("settled the deal: the post stayed up through the stays-live check"),
    "report_down": gettext_lazy("reported the post is no longer up: a dispute is open"),
    "cancel": gettext_lazy("cancelled the collaboration"),
    "open_dispute": gettext_lazy("opened a dispute"),
    "add_evidence": gettext_lazy("added evidence to the dispute"),
    "resolve": gettext_lazy("decided the dispute"),
    "reserve": gettext_lazy("accepted the offer: the deposit reserves them, the balance is due within 7 days"),
    "requote": gettext_lazy("re-quoted the price: pay the balance at it or decline it"),
    "decline_requote": gettext_lazy("declined your re-quote: the price stands"),
    "pay_balance": gettext_lazy("paid the balance: the price is in escrow and the work starts"),
    "forfeit_deposit": gettext_lazy("did not pay the balance within 7 days: the deposit goes to the creator"),
    "count_plays": gettext_lazy("counted the plays of the first 14 days: confirm them or dispute them"),
    "confirm_plays": gettext_lazy("confirmed the plays: payment settled on them"),
    "auto_confirm_plays": gettext_lazy("confirmed the plays automatically: payment settled on them"),
    "dispute_plays": gettext_lazy("disputed the plays: the figures are frozen until an admin decides"),
    "comment": gettext_lazy("wrote a message"),
    "rate": gettext_lazy("rated the collaboration"),
    "deadline": gettext_lazy("a deadline has passed"),
    "extend_rights": gettext_lazy("extended the usage rights and paid for them"),
}


def brand_users(collaboration: Collaboration) -> list[User]:
    return [
        m.user
        for m in BrandMembership.objects.filter(
            brand_id=collaboration.order.brand_id, role__in=[BrandMembership.Role.OWNER, BrandMembership.Role.MANAGER]
        ).select_related("user")
        if m.user.is_active
    ]


def creator_users(collaboration: Collaboration) -> list[User]:
    user = collaboration.creator.user
    return [user] if user is not None and user.is_active else []


def staff_users() -> list[User]:
    return list(User.objects.filter(is_staff=True, is_active=True))


def collaboration_changed(collaboration: Collaboration, *, action: str, actor_role: str, comment: str = "") -> None:
    """Tell the other side (both sides for timers and admin decisions; admins of new disputes), each in their
    own language (marketplace.core.notifications.notify)."""
    if actor_role == "brand":
        recipients = creator_users(collaboration)
    elif actor_role == "creator":
        recipients = brand_users(collaboration)
    else:  # the creator's agency took the creator's step, a timer or an admin: both sides hear of it
        recipients = brand_users(collaboration) + creator_users(collaboration)
    if collaboration.status == Collaboration.Status.DISPUTED:
        recipients += staff_users()

    def text() -> str:
        said = _("%(who)s %(did)s on “%(order)s”.") % {
            "who": _who(collaboration, actor_role),
            "did": DID.get(action, action),
            "order": collaboration.order.title,
        }
        return f"{said} {comment}" if comment else said

    notify(recipients, kind=action, text=text, collaboration=collaboration)


def _who(collaboration: Collaboration, actor_role: str) -> str:
    if actor_role == "brand":
        return collaboration.order.brand.name
    if actor_role == "creator":
        return collaboration.creator.display_name
    if actor_role == "agency":
        return _("%(creator)s's agency") % {"creator": collaboration.creator.display_name}
    return _("Starmap") if actor_role == "system" else _("An admin")


def notify(
    users: list[User], *, kind: str, text: str | Callable[[], str], collaboration: Collaboration | None = None
) -> None:
    """Notify about a collaboration: the notification links to its page (marketplace.core.notifications).
    A practice deal's steps are said in the app only: the creator is on the page walking it, and four
    e-mails about a deal that moves no money are noise."""
    url = reverse("deals:collaboration", args=[collaboration.pk]) if collaboration else ""
    core_notify(
        users,
        kind=kind,
        text=text,
        url=url,
        collaboration_id=collaboration.pk if collaboration else None,
        email=not (collaboration and collaboration.is_practice),
    )


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    user.__dict__.pop("unread_notifications", None)  # the count loaded with the user is stale now
    return qs.update(read_at=timezone.now())
