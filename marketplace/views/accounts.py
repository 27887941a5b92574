"""Home, sign-up and account settings. Login, logout and passwords use Django's auth views (see urls)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from brands.services import brand_signup
from creators.services import creator_signup
from marketplace.core.accounts import user_update_settings
from marketplace.core.roles import role_of
from marketplace.core.throttles import SignupThrottle, minutes, refuse, show_only
from marketplace.core.web import form_add_errors
from marketplace.forms import AccountSettingsForm, BrandSignupForm, CreatorSignupForm

BRAND_TEMPLATE = "marketplace/account_signup_brand.html"
CREATOR_TEMPLATE = "marketplace/account_signup_creator.html"


def home(request):
    """Send each role to its dashboard; guests (and accounts with no role yet) see the landing page."""
    role = role_of(request.user)
    if role is not None and role.is_brand:
        return redirect("brands:dashboard")
    if role is not None and role.is_creator:
        return redirect("creators:dashboard")
    if role is not None and role.is_staff:
        return redirect("admin:index")
    return render(request, "marketplace/landing.html")


def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    return render(request, "marketplace/account_signup.html")


def _signup_refused(request, form, template: str) -> HttpResponse | None:
    """Count a sign-up attempt from this client IP; the page with the reason, as a 429, beyond the rate."""
    throttle = SignupThrottle()
    if throttle.allow_request(request):
        return None
    wait = throttle.wait()
    m = minutes(wait)
    message = ngettext(
        "Too many sign-ups from your network. Try again in %(minutes)d minute.",
        "Too many sign-ups from your network. Try again in %(minutes)d minutes.",
        m,
    )
    show_only(form, message % {"minutes": m})
    return refuse(render(request, template, {"form": form}), wait)


@require_http_methods(["GET", "POST"])
def signup_brand(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = BrandSignupForm(request.POST or None)
    if request.method == "POST" and (refused := _signup_refused(request, form, BRAND_TEMPLATE)):
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
    return render(request, BRAND_TEMPLATE, {"form": form})


@require_http_methods(["GET", "POST"])
def signup_creator(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = CreatorSignupForm(request.POST or None)
    if request.method == "POST" and (refused := _signup_refused(request, form, CREATOR_TEMPLATE)):
        return refused
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            creator = creator_signup(
                email=data["email"],
                password=data["password1"],
                display_name=data["display_name"],
                handle=data["handle"],
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            login(request, creator.user)
            messages.success(request, _("Welcome to Starmap! Complete your profile so brands can find you."))
            return redirect("home")
    return render(request, CREATOR_TEMPLATE, {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request):
    initial = {"full_name": request.user.full_name, "time_zone": request.user.time_zone}
    form = AccountSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user_update_settings(
                user=request.user, full_name=form.cleaned_data["full_name"], time_zone=form.cleaned_data["time_zone"]
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Your settings are saved."))
            return redirect("account_settings")
    return render(request, "marketplace/account_settings.html", {"form": form})
