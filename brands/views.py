"""Brand pages: sign-up, dashboard, brand profile, members. Owners manage; managers and viewers read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from brands.access import brand_member_required
from brands.forms import BrandProfileForm, BrandSignupForm, BrandVerificationForm, MemberAddForm, MemberRoleForm
from brands.models import BrandMembership, BrandVerification
from brands.selectors import member_get, member_list
from brands.services import (
    brand_member_add,
    brand_member_remove,
    brand_member_resend_invite,
    brand_member_set_role,
    brand_signup,
    brand_update,
)
from marketplace.core import DomainError, NotFound
from marketplace.core.throttles import invitation_refusal, member_add_refusal, refuse, show_only, signup_refused
from marketplace.core.verification import verification_open, verification_submit
from marketplace.core.web import form_add_errors, redirect_page, refused_status

SIGNUP_TEMPLATE = "brands/signup.html"


@require_http_methods(["GET", "POST"])
def signup_brand(request):
    """A new account with its own brand, the account its owner; signed in on the brand's dashboard."""
    if request.user.is_authenticated:
        return redirect("home")
    form = BrandSignupForm(request.POST or None)
    if request.method == "POST" and (refused := signup_refused(request, form, SIGNUP_TEMPLATE)):
        return refused
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = brand_signup(
                email=data["email"],
                password=data["password1"],
                full_name=data["full_name"],
                brand_name=data["brand_name"],
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            login(request, membership.user)
            messages.success(
                request, _("Welcome to Starmap! Your brand %(name)s is ready.") % {"name": membership.brand}
            )
            return redirect("home")
    return render(request, SIGNUP_TEMPLATE, {"form": form}, status=refused_status(form))


@brand_member_required(owner=True)
@require_http_methods(["GET", "POST"])
def brand_profile_edit(request):
    brand = request.membership.brand
    form = BrandProfileForm(request.POST or None, initial=BrandProfileForm.initial_for(brand))
    if request.method == "POST" and form.is_valid():
        try:
            brand_update(brand=brand, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("The brand profile is saved."))
            return redirect("brands:members")
    return render(request, "brands/brand_edit.html", {"form": form, "brand": brand}, status=refused_status(form))


def _members_page(request, add_form: MemberAddForm | None = None, status: int = 200):
    membership = request.membership
    members = list(member_list(brand_id=membership.brand_id))
    context = {
        "brand": membership.brand,
        "membership": membership,
        "members": [
            (member, MemberRoleForm(initial={"role": member.role}, prefix=f"m{member.pk}")) for member in members
        ],
        "add_form": add_form or MemberAddForm(),
        "can_manage": membership.can_manage_members,
    }
    return render(request, "brands/membership_list.html", context, status=status)


@brand_member_required
@require_GET
def members(request):
    return _members_page(request)


@brand_member_required(owner=True)
@require_POST
def member_add(request):
    """Add a member by e-mail. Counted like a sign-up (it opens an account and says when an address is taken)
    and, once the address is valid, like a reset mail to it (marketplace.core.throttles.member_add_refusal)."""
    form = MemberAddForm(request.POST)
    valid = form.is_valid()
    if refused := member_add_refusal(request, address=form.cleaned_data["email"] if valid else None):
        message, wait = refused
        show_only(form, message)
        return refuse(_members_page(request, add_form=form), wait)
    if valid:
        try:
            member = brand_member_add(
                brand=request.membership.brand,
                actor=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                full_name=form.cleaned_data["full_name"],
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            if member.user.has_usable_password():
                messages.success(request, _("%(email)s is now a member.") % {"email": member.user.email})
            else:
                messages.success(
                    request,
                    _("%(email)s is now a member; we sent them a link to set a password.")
                    % {"email": member.user.email},
                )
            return redirect("brands:members")
    return _members_page(request, add_form=form, status=400)


def _member_or_404(request, membership_id: int) -> BrandMembership:
    """A member of the caller's brand; 404 for any other id, as if it did not exist."""
    member = member_get(brand_id=request.membership.brand_id, membership_id=membership_id)
    if member is None:
        raise Http404
    return member


def _row_or_redirect(request, membership_id: int, error: str = ""):
    """After a change to one member: the row for htmx, else back to the members page."""
    if not request.htmx:
        if error:  # refused: the members page again, with why (bad input is a 400)
            messages.error(request, error)
            return _members_page(request, status=400)
        return redirect("brands:members")
    member = member_get(brand_id=request.membership.brand_id, membership_id=membership_id)
    if member is None:
        return HttpResponse("")
    context = {
        "member": member,
        "role_form": MemberRoleForm(initial={"role": member.role}, prefix=f"m{member.pk}"),
        "can_manage": True,
        "membership": request.membership,
        "row_error": error,
    }
    return render(request, "brands/_membership_row.html", context)


@brand_member_required(owner=True)
@require_POST
def member_role(request, membership_id: int):
    _member_or_404(request, membership_id)  # before the form: its errors must not tell other brands' ids apart
    form = MemberRoleForm(request.POST, prefix=f"m{membership_id}")
    error = ""
    if not form.is_valid():
        error = _("Choose a valid role.")
    else:
        try:
            brand_member_set_role(
                brand=request.membership.brand,
                actor=request.user,
                membership_id=membership_id,
                role=form.cleaned_data["role"],
            )
        except NotFound:
            raise Http404 from None  # not a member of this brand: as if the address did not exist
        except DomainError as exc:
            error = exc.detail
        else:
            if membership_id == request.membership.pk and form.cleaned_data["role"] != BrandMembership.Role.OWNER:
                # The owner gave up their own seat: the members page is no longer theirs to manage.
                return _leave(request, _("Your role is changed."))
            if not request.htmx:
                messages.success(request, _("The role is changed."))
    return _row_or_redirect(request, membership_id, error)


@brand_member_required(owner=True)
@require_POST
def member_remove(request, membership_id: int):
    try:
        brand_member_remove(brand=request.membership.brand, actor=request.user, membership_id=membership_id)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        return _row_or_redirect(request, membership_id, exc.detail)
    if membership_id == request.membership.pk:
        return _leave(request, _("You have left the brand."))
    if not request.htmx:
        messages.success(request, _("The member is removed."))
    return _row_or_redirect(request, membership_id)


@brand_member_required(owner=True)
@require_POST
def member_invite(request, membership_id: int):
    """Send the set-password invitation again; counted in the address's reset-mail limit (3 an hour by default)."""
    member = _member_or_404(request, membership_id)
    if refused := invitation_refusal(request, address=member.user.email):
        message, wait = refused
        messages.error(request, message)
        return refuse(_members_page(request), wait)
    try:
        member = brand_member_resend_invite(
            brand=request.membership.brand,
            actor=request.user,
            membership_id=membership_id,
        )
    except NotFound:
        raise Http404 from None  # not a member of this brand: as if the address did not exist
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("We sent the invitation to %(email)s again.") % {"email": member.user.email})
    return redirect("brands:members")


def _leave(request, message: str):
    messages.success(request, message)
    return redirect_page(request, "home")


@brand_member_required
@require_http_methods(["GET", "POST"])
def verification(request):
    """The brand's verification: where it stands, past decisions with staff's reasons, and (for owners and
    managers) the evidence form."""
    brand = request.membership.brand
    can_edit = request.membership.can_edit_orders
    form = BrandVerificationForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                verification_submit(
                    request_model=BrandVerification, subject=brand, user=request.user, **form.cleaned_data
                )
            except (DomainError, ValidationError) as exc:
                form_add_errors(form, exc)
            else:
                messages.success(request, _("Thank you: staff will review your brand and tell you the outcome."))
                return redirect("brands:verification")
    context = {
        "subject": brand,
        "form": form,
        "requests": brand.verification_requests.select_related("decided_by")[:20],
        "can_submit": can_edit and verification_open(brand, BrandVerification),
    }
    return render(request, "brands/brand_verification.html", context, status=refused_status(form))
