"""The collaboration page: header, brief, timeline, deliverables, money, dispute, and the actions allowed now.

Every action is a plain POST form that redirects; with htmx the same POST answers with the part of
the page it came from (the whole collaboration, an inbox row, or the order's board).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from agencies.selectors import representation_of
from marketplace.core import DomainError, NotAllowed
from marketplace.core.access import money_throttled
from marketplace.core.unavailable import RETRY_AFTER_SECONDS
from marketplace.core.web import paginate
from orders import flows
from orders.access import SYSTEM, collaboration_side
from orders.forms.deals import CommentForm, action_form
from orders.models import Collaboration
from orders.rights import contract
from orders.selectors import deals as reads
from orders.services import deals, deliverables
from orders.services.collaborations import (
    ACTIONS,
    allowed_actions,
    cancellation_base,
    cancellation_share,
    collaboration_transition,
    missed_deadline,
)
from orders.views.creator import collaborations_context, inbox_counts
from orders.views.orders import _cancellation_rows as cancellation_rows
from orders.views.results import results_context
from payouts.selectors import LIVE_HOLD, collaboration_take, latest_hold_for_collaboration

TIMELINE_PAGE = 50
# Steps a person takes on this page; timers' steps (expire, auto_accept) and the admin's decision
# (on the dispute page) are not among them.
PAGE_ACTIONS = ({name for name, step in ACTIONS.items() if step.actors != {SYSTEM}} - {"resolve"}) | {
    "comment",
    "rate",
    "add_evidence",
}

BUTTONS = {
    "accept": gettext_lazy("Accept the offer"),
    "decline": gettext_lazy("Decline"),
    "withdraw": gettext_lazy("Withdraw the offer"),
    "counter": gettext_lazy("Send my counter-offer"),
    "accept_counter": gettext_lazy("Accept the counter-offer"),
    "decline_counter": gettext_lazy("Decline the counter-offer"),
    "select": gettext_lazy("Select"),
    "reject_application": gettext_lazy("Do not select"),
    "withdraw_application": gettext_lazy("Withdraw my application"),
    "submit_script": gettext_lazy("Submit the script"),
    "approve_script": gettext_lazy("Approve the script"),
    "reject_script": gettext_lazy("Send the script back"),
    "submit_video": gettext_lazy("Upload the video"),
    "approve_video": gettext_lazy("Approve the video"),
    "request_revision": gettext_lazy("Ask for a revision"),
    "publish": gettext_lazy("Save the published link"),
    "accept_work": gettext_lazy("Accept the work"),
    "confirm_live": gettext_lazy("Confirm the post is still live"),
    "report_down": gettext_lazy("Report the post is down"),
    "cancel": gettext_lazy("Cancel the collaboration"),
    "reserve": gettext_lazy("Accept the offer and its deposit"),
    "requote": gettext_lazy("Send my re-quote"),
    "decline_requote": gettext_lazy("Decline the re-quote"),
    "pay_balance": gettext_lazy("Pay the balance"),
    "confirm_plays": gettext_lazy("Confirm the plays"),
    "dispute_plays": gettext_lazy("Dispute the plays"),
    "open_dispute": gettext_lazy("Open a dispute"),
    "add_evidence": gettext_lazy("Add the evidence"),
    "extend_rights": gettext_lazy("Pay and extend the usage rights"),
    "comment": gettext_lazy("Send"),
    "rate": gettext_lazy("Rate"),
}
TITLES = {
    "comment": gettext_lazy("Write a message"),
    "rate": gettext_lazy("Rate the other side"),
    "counter": gettext_lazy("Counter with another price"),
    "requote": gettext_lazy("Re-quote the price"),
    "extend_rights": gettext_lazy("Extend the usage rights"),
    "add_evidence": gettext_lazy("Add evidence to the dispute"),
}
DONE = {
    "accept": gettext_lazy("You accepted the offer. The brief is yours: the script comes next."),
    "decline": gettext_lazy("You declined the offer."),
    "withdraw": gettext_lazy("The offer is withdrawn and the money released."),
    "counter": gettext_lazy("Counter-offer sent: the brand accepts or declines it before the offer expires."),
    "accept_counter": gettext_lazy("Counter-offer accepted: the money held now matches it and is in escrow."),
    "decline_counter": gettext_lazy("Counter-offer declined: the offer stands at its price."),
    "select": gettext_lazy("Applicant selected; the money is held in escrow."),
    "reject_application": gettext_lazy("The application is closed."),
    "withdraw_application": gettext_lazy("Your application is withdrawn."),
    "submit_script": gettext_lazy("Script submitted."),
    "approve_script": gettext_lazy("Script approved."),
    "reject_script": gettext_lazy("The script went back to the creator."),
    "submit_video": gettext_lazy("Video uploaded."),
    "approve_video": gettext_lazy("Video approved."),
    "request_revision": gettext_lazy("Revision requested."),
    "publish": gettext_lazy("Published link saved."),
    "accept_work": gettext_lazy("Work accepted."),
    "confirm_live": gettext_lazy("Confirmed live: the payment is settled."),
    "report_down": gettext_lazy("Reported: a dispute is open and an admin will review it."),
    "cancel": gettext_lazy("The collaboration is cancelled."),
    "reserve": gettext_lazy("Offer accepted: the deposit reserves you; the brand pays the balance within 7 days."),
    "requote": gettext_lazy("Re-quote sent: the brand pays the balance at it or declines it."),
    "decline_requote": gettext_lazy("Re-quote declined: the price stands."),
    "pay_balance": gettext_lazy("Balance paid: the whole price is in escrow and the work can start."),
    "confirm_plays": gettext_lazy("Plays confirmed: the creator is paid on them and the rest is back in your wallet."),
    "dispute_plays": gettext_lazy("Dispute opened: the figures and the money are frozen until an admin decides."),
    "open_dispute": gettext_lazy("Dispute opened: the money is frozen until an admin decides."),
    "add_evidence": gettext_lazy("Evidence added: the other side and the admins can see it."),
    "extend_rights": gettext_lazy("The usage rights are extended and the creator is paid."),
    "comment": gettext_lazy("Message sent."),
    "rate": gettext_lazy("Thank you for rating."),
}
# Destructive steps get a secondary-looking button.
OPEN_FORMS = {"submit_script", "submit_video", "publish", "comment", "rate", "add_evidence"}
SECONDARY = {
    "decline",
    "decline_counter",
    "decline_requote",
    "withdraw",
    "reject_application",
    "withdraw_application",
    "cancel",
    "report_down",
    "dispute_plays",
}


@login_required
@require_GET
def collaboration_detail(request, pk: int):
    c, side = reads.collaboration_for_viewer(user=request.user, pk=pk)
    return render(request, "orders/collaboration_detail.html", collaboration_context(request, c, side))


def collaboration_context(request, c: Collaboration, side: str, bound: dict | None = None, results_form=None) -> dict:
    """Everything the page shows; ``bound`` (``results_form``) carries a submitted form back with its errors."""
    bound = bound or {}
    now = timezone.now()
    names = [] if side == "viewer" else allowed_actions(c, request.user)
    names += _extra_forms(c, side, request.user)
    forms = []
    for name in names:
        if name not in PAGE_ACTIONS:
            continue
        form = bound.get(name) or action_form(name, collaboration=c)
        forms.append(
            {
                "action": name,
                "form": form,
                "button": BUTTONS.get(name, name),
                "title": TITLES.get(name) or BUTTONS.get(name, name),
                "secondary": name in SECONDARY,
                # A bare button when the step needs no words; the rest are small forms.
                "simple": type(form) is CommentForm and name != "cancel" and not form.errors,
                "open": name in OPEN_FORMS or bool(form.errors),
            }
        )
    share = cancellation_share(c, now=now) if "cancel" in names else 0
    disputes = reads.disputes_of(c)
    hold = latest_hold_for_collaboration(collaboration_id=c.pk)
    representation = representation_of(c.creator_id)
    # Before the creator accepts, the take is what accepting would fix: today's agency contract included.
    agency_bps = representation.share_bps if representation is not None else 0
    take = collaboration_take(hold=hold, amount=c.agreed_price, currency=c.currency, agency_bps=agency_bps)
    return {
        "collaboration": c,
        "order": c.order,
        "side": side,
        # Drawn after a refused action (a POST to another address) too: the links name this page.
        "timeline": paginate(
            request,
            reads.timeline(c),
            per_page=TIMELINE_PAGE,
            last_first=True,
            path=reverse("deals:collaboration", args=[c.pk]),
        ),
        "money": reads.money_movements(c),
        "take": take,
        "accept_take": take if "accept" in names else None,
        "counter_take": (
            collaboration_take(hold=hold, amount=c.counter_price, currency=c.currency, agency_bps=agency_bps)
            if c.counter_price
            else None
        ),
        "hold": hold if hold and hold.status in LIVE_HOLD else None,
        "disputes": disputes,
        "action_forms": forms,
        "can_resolve": side == "admin" and "resolve" in names,
        "cancel_fee": _cancel_base(c) * share // 10_000,
        # The deal's own terms, shown to both sides before the creator accepts (a practice deal cannot be cancelled):
        # the order page's rows, taken of the same base the fee is.
        "cancellation_schedule": [] if c.is_practice else cancellation_rows(c.order),
        "cancellation_base": _cancel_base(c),
        "cancel_share": share / 100,
        "missed_deadline": missed_deadline(c, now=now) if "cancel" in names else "",
        "open_dispute": next((d for d in disputes if d.status == "open"), None),
        # Brands (and everyone on the page) see that the creator is represented, and by whom.
        "representation": representation,
        "contract": contract(c, now=now),
        **results_context(c, side, bound=results_form),
    }


def _cancel_base(c: Collaboration) -> int:
    base = cancellation_base(c)
    return c.agreed_price if base is None else base


def _extra_forms(c: Collaboration, side: str, user) -> list[str]:
    """The evidence form while a dispute is open, for whoever may add to it; the message box for the parties, the
    creator's agency and admins; the rating form once done, once per side."""
    extra = []
    if c.status == Collaboration.Status.DISPUTED and deliverables.may_add_evidence(c, user, side=side):
        extra.append("add_evidence")
    if side in ("brand", "creator", "admin", "agency"):
        extra.append("comment")
    rating = {"brand": c.brand_rating, "creator": c.creator_rating}
    if side in rating and rating[side] is None and c.status in flows.WORK_ACCEPTED and not c.is_practice:
        extra.append("rate")
    return extra


@login_required
@require_POST
@money_throttled(when=lambda request, pk, action: action in ACTIONS and bool(ACTIONS[action].money))
def collaboration_act(request, pk: int, action: str):
    """Take one step (or write a message, or rate) and come back to where the form was."""
    if action not in PAGE_ACTIONS:
        raise Http404
    c, side = reads.collaboration_for_viewer(user=request.user, pk=pk)
    if side == "viewer":
        raise PermissionDenied
    form = action_form(action, request.POST, request.FILES, collaboration=c)
    status = 400
    if form.is_valid():
        try:
            _perform(action, c, request.user, form.cleaned_data)
        except NotAllowed as exc:
            raise PermissionDenied(exc.detail) from exc
        except DomainError as exc:
            if exc.field not in form.fields:
                messages.error(request, exc.detail)
                return respond(request, c.pk)
            form.add_error(exc.field, exc.detail)
            status = max(status, exc.status)  # 503 when the upload space refused the file
        else:
            messages.success(request, DONE[action])
            return respond(request, c.pk)
    return _invalid(request, c, side, action, form, status=status)


def _perform(action: str, c: Collaboration, actor, data: dict) -> None:
    if action == "submit_script":
        deliverables.script_submit(collaboration_id=c.pk, actor=actor, text=data["script"])
    elif action == "submit_video":
        deliverables.video_submit(collaboration_id=c.pk, actor=actor, upload=data["video"])
    elif action in ("open_dispute", "report_down", "dispute_plays"):
        deliverables.dispute_open(
            collaboration_id=c.pk, actor=actor, reason=data["comment"], evidence=data["evidence"], action=action
        )
    elif action == "counter":
        deals.offer_counter(collaboration_id=c.pk, actor=actor, price=data["price"], note=data["note"])
    elif action == "requote":
        deals.deposit_requote(collaboration_id=c.pk, actor=actor, price=data["price"], note=data["note"])
    elif action == "add_evidence":
        deliverables.dispute_evidence_add(collaboration_id=c.pk, actor=actor, note=data["note"], files=data["evidence"])
    elif action == "comment":
        deals.collaboration_comment(collaboration_id=c.pk, actor=actor, text=data["text"])
    elif action == "rate":
        deals.collaboration_rate(collaboration_id=c.pk, actor=actor, rating=data["rating"], comment=data["comment"])
    elif action == "extend_rights":
        collaboration_transition(
            collaboration_id=c.pk,
            action=action,
            actor=actor,
            payload={"months": data["months"], "rights_until": data["rights_until"]},
        )
    else:
        payload = {"post_url": data["post_url"]} if action == "publish" else {}
        collaboration_transition(
            collaboration_id=c.pk, action=action, actor=actor, comment=data.get("comment", ""), payload=payload
        )


def _invalid(request, c: Collaboration, side: str, action: str, form, status: int = 400):
    """The page again with the submitted form and its errors next to the fields (``status`` without htmx:
    400, or 503 with Retry-After when the server could not store an upload)."""
    context = collaboration_context(request, c, side, bound={action: form})
    if request.htmx:
        return render(request, "orders/_collaboration.html", context)
    response = render(request, "orders/collaboration_detail.html", context, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# Where an htmx form may ask to be answered (``origin``), and the one side each of those parts belongs to.
# The order's board is the brand's (its editors post from it); an inbox card is the creator's. Anyone
# else who names them (the other party, staff) gets the collaboration itself, which they may see.
ORIGIN_SIDES = {"board": "brand", "inbox": "creator"}


def respond(request, pk: int):
    """After a step: redirect (plain POST) or the fragment the htmx form targets (``origin``).

    ``origin`` is what the client says; it chooses the answer only for the side that part belongs to.
    """
    c = Collaboration.objects.select_related("order__brand", "order__product_category", "creator__user").get(pk=pk)
    side = collaboration_side(c, request.user)
    origin = request.POST.get("origin", "")
    if ORIGIN_SIDES.get(origin) != side:
        origin = ""
    if not request.htmx:
        if origin == "inbox":
            return redirect("deals:inbox")
        if origin == "board":
            return redirect(reverse("orders:detail", args=[c.order_id]) + "#collaboration-board")
        return redirect("deals:collaboration", pk=pk)
    if origin == "inbox":
        # The card, and out of band every count on the inbox (an offer accepted leaves "Open offers") and the
        # list of deals in the state the page shows (read from the address it is at).
        card = reads.with_take_terms(Collaboration.objects.filter(pk=c.pk).select_related("order__brand")).get()
        shown = QueryDict(urlsplit(request.htmx.current_url or "").query)
        context = {"c": card, "now": timezone.now(), "inbox_counts": inbox_counts(c.creator), "oob_counts": True}
        context |= collaborations_context(request, c.creator, shown)
        return render(request, "orders/_inbox_card.html", context)
    if origin == "board":
        from orders.views.brand import board_context

        context = {"order": c.order, **board_context(request, c.order)}
        return render(request, "orders/_order_board.html", context)
    return render(request, "orders/_collaboration.html", collaboration_context(request, c, side))


@login_required
@require_GET
def deliverable_download(request, pk: int):
    """A script, video or evidence file, to the parties and staff only, always as a download."""
    item = deliverables.deliverable_for_party(deliverable_id=pk, user=request.user)
    name = f"{item.kind}-{item.collaboration_id}-{item.round}{item.extension}"
    response = FileResponse(
        item.file.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=item.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
