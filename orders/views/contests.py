"""Submission contest pages: a brand publishes one and confirms its winners, creators enter and report their
figures, staff decide disputes. Every step goes through orders.services.contests (the rules live there)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from brands.access import brand_member_required
from brands.models import BrandMembership
from marketplace.core import DomainError, InsufficientFunds, NotAllowed, format_money
from marketplace.core.access import money_throttled
from marketplace.core.web import form_add_errors, paginate, refused_status
from orders.access import ADMIN, BRAND, CREATOR, VIEWER
from orders.forms.contests import ContestForm, EnterForm, NoteForm, PickForm, ReasonForm, ResolveForm, ResultsForm
from orders.models import Contest, ContestEntry
from orders.selectors.contests import (
    contest_for_viewer,
    contests_to_enter,
    entries_of_creator,
    entry_for_viewer,
    visible_contests,
)
from orders.services import contests as rules
from payouts.selectors import wallet_for_brand
from payouts.services.idempotency import IdempotencyConflict, brand_scope, idempotent

PAGE_SIZE = 20
ENTRIES_PAGE = 50
# The steps a page offers, and the form each takes.
CONTEST_PAGE_ACTIONS = {"cancel": NoteForm, "confirm": PickForm, "dispute": ReasonForm, "resolve": ResolveForm}
ENTRY_PAGE_ACTIONS = {"report_results": ResultsForm, "withdraw": NoteForm, "report_removed": ReasonForm}


# ------------------------------------------------------------------ lists


@login_required
@require_GET
def contest_list(request):
    """A brand's contests (its members), the open calls and one's own entries (creators), or all (staff)."""
    user = request.user
    context: dict = {"is_creator": hasattr(user, "creator") and not user.is_staff}
    if context["is_creator"]:
        context["open_page"] = paginate(request, contests_to_enter(user=user), per_page=PAGE_SIZE)
        context["entries_page"] = paginate(request, entries_of_creator(user=user), param="entries", per_page=PAGE_SIZE)
    else:
        qs = visible_contests(user).order_by("-created_at", "-pk")
        context["page"] = paginate(request, qs, per_page=PAGE_SIZE)
        seat = BrandMembership.objects.filter(user=user).first()
        context["can_create"] = bool(seat and seat.can_edit_orders)
    return render(request, "orders/contest_list.html", context)


# ------------------------------------------------------------------ publishing


@brand_member_required(editor=True)
@require_http_methods(["GET", "POST"])
@money_throttled(when=lambda request, *a, **k: request.method == "POST")
def contest_create(request):
    """The brief and the terms; a first send shows what will be held, the second (same terms) publishes."""
    brand = request.membership.brand
    form = ContestForm(request.POST or None)
    pool = None
    if request.method == "POST" and form.is_valid():
        pool = form.cleaned_data["pool"]
        wallet = wallet_for_brand(brand_id=brand.pk)
        if pool > wallet.available:
            form.add_error(None, _short_wallet(pool, wallet.available, wallet.currency))
        elif form.cleaned_data["confirm_pool"] == pool:
            contest = _publish(request, form)
            if contest is not None:
                messages.success(
                    request,
                    _("The contest is published; %(pool)s is held from your wallet.")
                    % {"pool": format_money(contest.pool, contest.currency)},
                )
                return redirect("contests:detail", pk=contest.pk)
    context = {
        "form": form,
        "pool": pool if form.is_bound and not form.errors else None,
        "wallet": wallet_for_brand(brand_id=brand.pk),
        "min_cpm": rules.min_cpm(),
    }
    return render(request, "orders/contest_form.html", context, status=refused_status(form))


def _short_wallet(pool: int, available: int, currency: str) -> str:
    return _(
        "Your wallet has %(available)s available; this contest holds %(pool)s. Top up %(missing)s first, or "
        "lower the prizes."
    ) % {
        "available": format_money(available, currency),
        "pool": format_money(pool, currency),
        "missing": format_money(pool - available, currency),
    }


def _publish(request, form: ContestForm) -> Contest | None:
    brand = request.membership.brand
    scope = brand_scope(brand.pk)
    try:
        return idempotent(
            scope=scope,
            key=form.key,
            operation="contest_publish",
            params=form.params(),
            perform=lambda: rules.contest_publish(
                brand=brand, actor=request.user, brief=form.brief(), terms=form.terms()
            ),
        )
    except NotAllowed as exc:
        raise PermissionDenied(exc.detail) from exc
    except IdempotencyConflict:
        form.renew_key()
        form.add_error(None, _("This form was already sent with other values. Check the page, then send it again."))
    except InsufficientFunds:
        wallet = wallet_for_brand(brand_id=brand.pk)
        form.add_error(None, _short_wallet(form.cleaned_data["pool"], wallet.available, wallet.currency))
    except DomainError as exc:
        form_add_errors(form, exc)
    return None


# ------------------------------------------------------------------ one contest


@login_required
@require_GET
def contest_detail(request, pk: int):
    contest = contest_for_viewer(user=request.user, pk=pk)
    return render(request, "orders/contest_detail.html", detail_context(request, contest))


def detail_context(request, contest: Contest, bound: dict | None = None) -> dict:
    """Everything the contest page shows the viewer; ``bound`` holds a refused form to draw again."""
    user, bound = request.user, bound or {}
    side = rules.contest_side(contest, user)
    mine = ContestEntry.objects.filter(contest=contest, creator__user=user).first() if not user.is_staff else None
    if mine is not None:
        mine.contest = contest
    entries = paginate(
        request,
        rules.entries_for_viewer(contest, user),
        param="entries",
        per_page=ENTRIES_PAGE,
        path=reverse("contests:detail", args=[contest.pk]),
    )
    allowed = rules.allowed_contest_actions(contest, user)
    context = {
        "contest": contest,
        "order": contest.order,
        "side": side,
        "is_brand": side in (BRAND, VIEWER),
        "is_staff": side == ADMIN,
        "mine": mine,
        "entries": entries,
        "allowed": allowed,
        "refusals": _refusals(contest, side, allowed),
        "rank_at": contest.counting_ends_at + rules.RESULTS_GRACE,
        "tiers": [
            {"number": n, "places": t["places"], "prize": t["prize"]} for n, t in enumerate(contest.tiers, start=1)
        ],
        "now": timezone.now(),
    }
    forms = {}
    if "dispute" in allowed:
        forms["dispute"] = bound.get("dispute") or ReasonForm(auto_id="id_dispute_%s")
    if "confirm" in allowed and contest.ranking == Contest.Ranking.BRAND_PICK:
        top = rules.ranking(contest)[: contest.pick_from_top]
        forms["confirm"] = bound.get("confirm") or PickForm(
            candidates=top, places=len(contest.places), auto_id="id_pick_%s"
        )
        context["pick_rows"] = [(entry, forms["confirm"][f"place_{entry.pk}"]) for entry in top]
    if "resolve" in allowed:
        live = contest.entries.filter(status=ContestEntry.Status.SUBMITTED).select_related("creator")
        forms["resolve"] = bound.get("resolve") or ResolveForm(entries=live, auto_id="id_resolve_%s")
    if side == CREATOR or (side is None and hasattr(user, "creator") and not user.is_staff):
        _creator_forms(contest, user, mine, bound, forms, context)
    context["forms"] = forms
    # A post taken down is reported with a reason: by the brand beside any live entry, by a creator on their own.
    brand_may = side == BRAND
    reportable = [
        e
        for e in entries
        if brand_may and "report_removed" in rules.allowed_entry_actions(_in(e, contest), user, role=BRAND)
    ]
    if mine is not None and "report_removed" in context.get("entry_allowed", ()):
        reportable.append(mine)
    removal_forms = {e.pk: _removal_form(e, bound.get("report_removed")) for e in reportable}
    context["removal_forms"] = removal_forms
    context["my_removal_form"] = removal_forms.get(mine.pk) if mine is not None else None
    context["entry_rows"] = [(e, removal_forms.get(e.pk) if brand_may else None) for e in entries]
    return context


def _in(entry: ContestEntry, contest: Contest) -> ContestEntry:
    entry.contest = contest  # the page's contest: no query per row
    return entry


def _removal_form(entry: ContestEntry, refused: ReasonForm | None) -> ReasonForm:
    """The reason form beside one entry (its own ids); the refused one again where it was this entry's."""
    if refused is not None and getattr(refused, "entry_pk", None) == entry.pk:
        return refused
    return ReasonForm(auto_id=f"id_report_removed_{entry.pk}_%s")


def _creator_forms(contest: Contest, user, mine, bound: dict, forms: dict, context: dict) -> None:
    if mine is None:
        open_now = contest.status == Contest.Status.OPEN and timezone.now() <= contest.submit_until
        context["can_enter"] = open_now
        if open_now:
            forms["enter"] = bound.get("enter") or EnterForm(auto_id="id_enter_%s")
        return
    entry_allowed = rules.allowed_entry_actions(mine, user)
    context["entry_allowed"] = entry_allowed
    context["results_due"] = mine.published_at + timedelta(days=contest.count_day)
    if "report_results" in entry_allowed:
        initial = {"views": mine.views, "likes": mine.likes} if mine.views is not None else None
        forms["report_results"] = bound.get("report_results") or ResultsForm(initial=initial, auto_id="id_results_%s")


def _refusals(contest: Contest, side: str | None, allowed: list[str]) -> list[str]:
    """Why the brand cannot take a step it might look for now (the service's own rules, in words)."""
    if side not in (BRAND, VIEWER):
        return []
    notes = []
    if side == VIEWER:
        notes.append(_("Viewers of a brand cannot act on its contests."))
    if "cancel" in allowed and contest.entries.exists():
        allowed.remove("cancel")
        notes.append(_("Creators have entered: the contest runs to its end."))
    return notes


@login_required
@require_POST
@money_throttled(when=lambda request, pk, action: action in ("confirm", "resolve", "cancel"))
def contest_act(request, pk: int, action: str):
    """One step on the contest through contest_transition; a refusal comes back as a message (or the form)."""
    if action not in CONTEST_PAGE_ACTIONS:
        raise Http404
    contest = contest_for_viewer(user=request.user, pk=pk)
    side = rules.contest_side(contest, request.user)
    if side not in rules.CONTEST_ACTIONS[action].actors:
        raise PermissionDenied(_("You cannot do this on this contest."))
    form = _contest_form(action, contest, request.POST)
    if not form.is_valid():
        return _again(request, contest, action, form)
    payload = {}
    try:
        if action == "confirm" and form.cleaned_data.get("picks"):
            payload["picks"] = form.cleaned_data["picks"]
        if action == "resolve":
            payload["excluded"] = form.cleaned_data["excluded"]
        rules.contest_transition(
            contest_id=contest.pk,
            action=action,
            actor=request.user,
            comment=form.cleaned_data.get("comment", ""),
            payload=payload,
        )
    except NotAllowed as exc:
        raise PermissionDenied(exc.detail) from exc
    except DomainError as exc:
        if exc.field in form.fields and form.fields[exc.field].widget.is_hidden is False:
            form.add_error(exc.field, exc.detail)
            return _again(request, contest, action, form)
        messages.error(request, exc.detail)
    else:
        messages.success(request, _CONTEST_DONE[action]())
    return redirect("contests:detail", pk=contest.pk)


_CONTEST_DONE = {
    "cancel": lambda: _("The contest is cancelled and its pool is back in your wallet."),
    "confirm": lambda: _("The winners are confirmed and paid; what was not awarded is back in your wallet."),
    "dispute": lambda: _("The results are disputed: staff will decide. Nothing is paid until then."),
    "resolve": lambda: _("The dispute is decided and the prizes are paid."),
}


def _contest_form(action: str, contest: Contest, data):
    if action == "confirm":
        top = rules.ranking(contest)[: contest.pick_from_top] if contest.ranking == Contest.Ranking.BRAND_PICK else []
        return PickForm(data, candidates=top, places=len(contest.places), auto_id="id_pick_%s")
    if action == "resolve":
        live = contest.entries.filter(status=ContestEntry.Status.SUBMITTED).select_related("creator")
        return ResolveForm(data, entries=live, auto_id="id_resolve_%s")
    if action == "dispute":
        return ReasonForm(data, auto_id="id_dispute_%s")
    return NoteForm(data)


def _again(request, contest: Contest, name: str, form):
    return render(
        request, "orders/contest_detail.html", detail_context(request, contest, bound={name: form}), status=400
    )


@login_required
@require_POST
def contest_enter(request, pk: int):
    contest = contest_for_viewer(user=request.user, pk=pk)
    if not hasattr(request.user, "creator") or request.user.is_staff:
        raise PermissionDenied(_("Only creators can enter contests."))
    form = EnterForm(request.POST, auto_id="id_enter_%s")
    if form.is_valid():
        try:
            rules.contest_enter(
                contest_id=contest.pk,
                actor=request.user,
                post_url=form.cleaned_data["post_url"],
                published_at=form.cleaned_data["published_at"],
            )
        except NotAllowed as exc:
            raise PermissionDenied(exc.detail) from exc
        except DomainError as exc:
            form_add_errors(form, exc)
        else:
            done = _("You are in. Report your figures once day %(day)s comes.") % {"day": contest.count_day}
            messages.success(request, done)
            return redirect("contests:detail", pk=contest.pk)
    return _again(request, contest, "enter", form)


@login_required
@require_POST
def entry_act(request, pk: int, action: str):
    """One step on an entry through entry_transition (its creator: the figures, a withdrawal)."""
    if action not in ENTRY_PAGE_ACTIONS:
        raise Http404
    entry = entry_for_viewer(user=request.user, pk=pk)
    contest = entry.contest
    side = rules.entry_side(entry, request.user)
    if side not in rules.ENTRY_ACTIONS[action].actors:
        raise PermissionDenied(_("You cannot do this on this entry."))
    prefix = f"id_{action}_{entry.pk}_%s" if action == "report_removed" else f"id_{action}_%s"
    form = ENTRY_PAGE_ACTIONS[action](request.POST, auto_id=prefix)
    form.entry_pk = entry.pk
    if form.is_valid():
        data = dict(form.cleaned_data)
        comment = data.pop("comment", "")
        try:
            rules.entry_transition(
                entry_id=entry.pk, action=action, actor=request.user, comment=comment, payload=data or None
            )
        except NotAllowed as exc:
            raise PermissionDenied(exc.detail) from exc
        except DomainError as exc:
            if exc.field in form.fields:
                form.add_error(exc.field, exc.detail)
            else:
                messages.error(request, exc.detail)
                return redirect("contests:detail", pk=contest.pk)
        else:
            messages.success(request, _ENTRY_DONE[action]())
            return redirect("contests:detail", pk=contest.pk)
    return _again(request, contest, action, form)


_ENTRY_DONE = {
    "report_results": lambda: _("Your figures are saved. The ranking uses them when the counting window ends."),
    "withdraw": lambda: _("Your entry is withdrawn."),
    "report_removed": lambda: _("The post is reported down: the entry is out of the ranking."),
}
