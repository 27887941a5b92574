"""Saved lists and favourites of a brand, side-by-side comparison, and "find creators like these"
(docs/finding-creators.md). Every list is read through the caller's own brand: another brand's list is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from brands.access import brand_member_required
from creators.directory import can_browse
from creators.selectors import AUTHENTICITY_WARNING, current_rate_card, sees_authenticity
from marketplace.core import form_add_errors
from marketplace.core.access import money_throttled
from marketplace.core.audience import AGE_BUCKETS, GENDER_LABELS, GENDERS
from marketplace.core.models import ContentFormat
from marketplace.core.web import paginate, refused_status, safe_next
from matching import lists, selectors
from matching.forms import CreatorPickForm, CreatorSelectionForm, ListNameForm, ListOffersForm
from matching.views import refusals_as_messages, send_offers_to
from orders.flows import OPEN_FOR_DEALS
from orders.selectors.orders import order_list_for_brand

LIST_PAGE_SIZE = 50


def _brand_id(request: HttpRequest) -> int:
    return request.membership.brand_id


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# ------------------------------------------------------------------ lists


@brand_member_required
@require_http_methods(["GET", "POST"])
def list_index(request: HttpRequest) -> HttpResponse:
    """The brand's lists, and the form that makes a new one."""
    form = ListNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = lists.creator_list_create(brand_id=_brand_id(request), actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("List “%(name)s” made.") % {"name": made.name})
            return redirect(safe_next(request, reverse("matching:list_detail", args=[made.pk])))
    context = {"lists": lists.lists_for_brand(_brand_id(request)), "form": form}
    return render(request, "matching/creatorlist_list.html", context, status=refused_status(form))


@brand_member_required
@require_GET
def list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    creator_list = lists.list_get_for_brand(brand_id=_brand_id(request), pk=pk)
    page = paginate(request, lists.list_creators(creator_list), per_page=LIST_PAGE_SIZE)
    context = {
        "creator_list": creator_list,
        "page": page,
        "rename_form": ListNameForm(initial={"name": creator_list.name}),
        "compare_max": lists.COMPARE_MAX,
        "warning_score": AUTHENTICITY_WARNING,
        "age_buckets": AGE_BUCKETS,
        "offer_form": ListOffersForm(orders=offer_orders(_brand_id(request)))
        if request.membership.can_edit_orders
        else None,
    }
    return render(request, "matching/creatorlist_detail.html", context)


@brand_member_required
@require_POST
def list_rename(request: HttpRequest, pk: int) -> HttpResponse:
    form = ListNameForm(request.POST)
    target = reverse("matching:list_detail", args=[pk])
    if not form.is_valid():
        lists.list_get_for_brand(brand_id=_brand_id(request), pk=pk)  # another brand's list stays a 404
        messages.error(request, _("Give the list a name of at most 80 characters."))
        return redirect(target)
    try:
        lists.creator_list_rename(brand_id=_brand_id(request), pk=pk, actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("List renamed."))
    return redirect(target)


@brand_member_required
@require_POST
def list_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        name = lists.creator_list_delete(brand_id=_brand_id(request), pk=pk, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("matching:list_detail", pk=pk)
    messages.success(request, _("List “%(name)s” deleted.") % {"name": name})
    return redirect("matching:list_index")


@brand_member_required
@require_POST
def list_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Puts one creator on the list; back where the button was (the directory, a creator page)."""
    creator_list = lists.list_get_for_brand(brand_id=_brand_id(request), pk=pk)
    form = CreatorPickForm(request.POST)
    back = safe_next(request, reverse("matching:list_detail", args=[pk]))
    if not form.is_valid():
        messages.error(request, _("Choose a creator."))
        return redirect(back)
    try:
        added = lists.creator_list_add(
            brand_id=_brand_id(request), pk=pk, actor=request.user, creator_id=form.cleaned_data["creator"]
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect(back)
    text = _("Added to “%(name)s”.") if added else _("Already on “%(name)s”.")
    messages.success(request, text % {"name": creator_list.title})
    return redirect(back)


@brand_member_required
@require_POST
def list_remove(request: HttpRequest, pk: int) -> HttpResponse:
    creator_list = lists.list_get_for_brand(brand_id=_brand_id(request), pk=pk)
    form = CreatorPickForm(request.POST)
    back = safe_next(request, reverse("matching:list_detail", args=[pk]))
    if form.is_valid() and lists.creator_list_remove(
        brand_id=_brand_id(request), pk=pk, actor=request.user, creator_id=form.cleaned_data["creator"]
    ):
        messages.success(request, _("Removed from “%(name)s”.") % {"name": creator_list.title})
    else:
        messages.info(request, _("That creator was not on the list."))
    return redirect(back)


@brand_member_required
@require_http_methods(["GET", "POST"])
def list_pick(request: HttpRequest) -> HttpResponse:
    """ "Save to a list" for one creator: the brand's lists with an add button each, and a new list."""
    pick = CreatorPickForm(request.GET if request.method == "GET" else request.POST)
    if not pick.is_valid():
        messages.error(request, _("Choose a creator."))
        return redirect(safe_next(request, reverse("matching:list_index")))
    creator = lists.creator_get_active(pick.cleaned_data["creator"])
    form = ListNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = lists.creator_list_create(brand_id=_brand_id(request), actor=request.user, **form.cleaned_data)
            lists.creator_list_add(brand_id=_brand_id(request), pk=made.pk, actor=request.user, creator_id=creator.pk)
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Added to “%(name)s”.") % {"name": made.name})
            return redirect(safe_next(request, reverse("matching:list_detail", args=[made.pk])))
    context = {
        "creator": creator,
        "lists": lists.lists_for_brand(_brand_id(request)),
        "holding": lists.list_ids_holding(_brand_id(request), creator.pk),
        "form": form,
        "next": safe_next(request, reverse("creators:detail", args=[creator.handle])),
    }
    return render(request, "matching/creatorlist_pick.html", context, status=refused_status(form))


@brand_member_required
@require_POST
def favourite_toggle(request: HttpRequest) -> HttpResponse:
    form = CreatorPickForm(request.POST)
    back = safe_next(request, reverse("creators:directory"))
    if not form.is_valid():
        messages.error(request, _("Choose a creator."))
        return redirect(back)
    creator = lists.creator_get_active(form.cleaned_data["creator"])
    starred = lists.favourite_toggle(brand_id=_brand_id(request), actor=request.user, creator_id=creator.pk)
    text = _("%(name)s is in your favourites.") if starred else _("%(name)s is no longer in your favourites.")
    messages.success(request, text % {"name": creator.display_name})
    return redirect(back)


def offer_orders(brand_id: int):
    """The brand's orders that take offers now (the choices of a list's offer form)."""
    return order_list_for_brand(brand_id=brand_id).filter(status__in=OPEN_FOR_DEALS).order_by("-created_at")


@brand_member_required(editor=True)
@require_POST
@money_throttled
def list_offers(request: HttpRequest, pk: int) -> HttpResponse:
    """Offers to the ticked creators of a saved list on one of the brand's published orders, each at the
    creator's price and holding its money, as from the ranked list (matching.views.send_offers_to)."""
    creator_list = lists.list_get_for_brand(brand_id=_brand_id(request), pk=pk)
    form = ListOffersForm(request.POST, orders=offer_orders(_brand_id(request)))
    if not form.is_valid():
        for error in [*form.non_field_errors(), *form.errors.get("order", []), *form.errors.get("idempotency_key", [])]:
            messages.error(request, error)
        return redirect("matching:list_detail", pk=creator_list.pk)
    on_list = set(creator_list.entries.values_list("creator_id", flat=True))
    ids = [i for i in form.cleaned_data["creators"] if i in on_list]
    if not ids:
        messages.error(request, _("Tick at least one creator on this list."))
        return redirect("matching:list_detail", pk=creator_list.pk)
    order = offer_orders(_brand_id(request)).get(pk=form.cleaned_data["order"])
    # At each creator's rate-card price, without a note (a price and note per creator: the ranked list's form).
    refused = send_offers_to(request, order, dict.fromkeys(ids, (None, "")), form.key)
    refusals_as_messages(request, refused)
    return redirect(reverse("orders:detail", args=[order.pk]) + ("" if refused else "#collaboration-board"))


# ------------------------------------------------------------------ comparison and likeness


def _selection(request: HttpRequest) -> tuple[list[int], list[str]]:
    form = CreatorSelectionForm(request.GET)
    if not form.is_valid():
        return [], [str(e) for e in form.errors.get("creator", [])]
    return form.cleaned_data["creator"], []


def _browser_only(request: HttpRequest) -> None:
    if not can_browse(request.user):
        raise PermissionDenied


@require_GET
def creator_compare(request: HttpRequest) -> HttpResponse:
    """Up to COMPARE_MAX creators side by side, ticked on the directory or a list (brands and staff)."""
    if not request.user.is_authenticated:
        return redirect(reverse("login") + "?next=" + request.get_full_path())
    _browser_only(request)
    ids, errors = _selection(request)
    if len(ids) > lists.COMPARE_MAX:
        messages.warning(
            request, _("Up to %(n)s creators fit side by side: the first %(n)s are shown.") % {"n": lists.COMPARE_MAX}
        )
    creators = lists.creators_for_compare(ids)
    context = {
        "creators": creators,
        "errors": errors,
        "compare_max": lists.COMPARE_MAX,
        "rows": compare_rows(creators),
        "warning_score": AUTHENTICITY_WARNING,
        "sees_authenticity": sees_authenticity(request.user),
    }
    return render(request, "matching/creator_compare.html", context, status=refused_status(errors))


def compare_rows(creators) -> dict:
    """Per creator, the figures that differ between them: rate card by format, audience by age and gender."""
    cards = [{line.format: line.in_force for line in current_rate_card(c)} for c in creators]
    formats = [(value, label) for value, label in ContentFormat.choices if any(card.get(value) for card in cards)]
    return {
        "prices": [(label, [card.get(value) for card in cards]) for value, label in formats],
        "ages": [(bucket, [c.audience_age.get(bucket) for c in creators]) for bucket in AGE_BUCKETS],
        "genders": [(GENDER_LABELS[g], [c.audience_gender.get(g) for c in creators]) for g in GENDERS],
    }


@brand_member_required
@require_GET
def list_lookalike(request: HttpRequest, pk: int) -> HttpResponse:
    """Creators like the ones on a saved list (its latest MAX_SEEDS), not already on it."""
    creator_list = lists.list_get_for_brand(brand_id=_brand_id(request), pk=pk)
    seeds = [c.pk for c in lists.list_creators(creator_list)]
    return _lookalike(request, seeds=seeds, creator_list=creator_list)


@require_GET
def creator_lookalike(request: HttpRequest) -> HttpResponse:
    """Creators like the ones ticked on the directory or a list."""
    if not request.user.is_authenticated:
        return redirect(reverse("login") + "?next=" + request.get_full_path())
    _browser_only(request)
    ids, errors = _selection(request)
    return _lookalike(request, seeds=ids, errors=errors)


def _lookalike(request: HttpRequest, *, seeds: list[int], creator_list=None, errors=()) -> HttpResponse:
    used = seeds[: selectors.MAX_SEEDS]
    found = selectors.search_lookalike(used, top=25) if used else []
    staff = request.user.is_staff
    results = [r for r in found if (staff or r["creator"].is_active) and r["creator"].pk not in set(seeds)]
    context = {
        "creator_list": creator_list,
        "seeds": lists.creators_by_ids(used),
        "more_seeds": len(seeds) - len(used),
        "results": results,
        "errors": list(errors),
        "max_seeds": selectors.MAX_SEEDS,
        "warning_score": AUTHENTICITY_WARNING,
    }
    return render(request, "matching/creator_lookalike.html", context, status=refused_status(errors))
