"""Accounts: what every sign-up shares, login and logout, passwords, home routing by role, settings.
(The brand and creator sign-up pages: tests/brands/test_signup.py, tests/creators/test_signup.py.)"""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core import mail
from django.urls import reverse

from brands.services import brand_member_add
from marketplace.core.models import User
from tests.factories import CreatorFactory, MembershipFactory, OrderFactory, UserFactory
from tests.pages import is_guest, landed_on
from tests.signup import GOOD_PASSWORD, brand_signup_data, creator_signup_data

pytestmark = pytest.mark.django_db

LOGIN_CALLS = {"login", "force_login"}
BACKENDS = set(settings.AUTHENTICATION_BACKENDS)


def _admin_user_data(email: str) -> dict:
    return {"email": email, "usable_password": "true", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}


def _literal(node: ast.expr) -> str:
    """A string constant's value; any other expression as source text (a name is never a backend path)."""
    return node.value if isinstance(node, ast.Constant) else ast.unparse(node)


# ------------------------------------------------------------------ sign-up (the pages: tests/brands, tests/creators)


def test_every_login_call_names_a_configured_backend_or_none():
    """login() with a backend that is not in AUTHENTICATION_BACKENDS "works" and the next request is anonymous."""
    root = Path(__file__).resolve().parents[2]
    sources = [p for p in root.rglob("*.py") if not {".venv", "var", "node_modules"} & set(p.relative_to(root).parts)]

    named = [
        (f"{path.relative_to(root)}:{node.lineno}", _literal(keyword.value))
        for path in sources
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in LOGIN_CALLS
        for keyword in node.keywords
        if keyword.arg == "backend"
    ]

    assert len(sources) > 100
    assert [(where, value) for where, value in named if value not in BACKENDS] == []


# ------------------------------------------------------------ login / logout


def test_login_with_email_and_password_logs_in_and_goes_home(client):
    MembershipFactory(user=UserFactory(email="ana@example.test", full_name="Ana Li"), brand__name="Aurora Skin")

    response = client.post(
        reverse("login"), {"username": "ana@example.test", "password": "pw-for-tests-only"}, follow=True
    )

    body = response.content.decode()
    assert [url for url, _status in response.redirect_chain] == [reverse("home"), reverse("brands:dashboard")]
    assert "<h1>Aurora Skin</h1>" in body
    assert 'title="Account settings">Ana</a>' in body


def test_login_with_a_wrong_password_stays_logged_out(client):
    UserFactory(email="ana@example.test")

    response = client.post(reverse("login"), {"username": "ana@example.test", "password": "wrong"})

    assert response.status_code == 200
    assert "Please enter a correct e-mail address and password" in response.content.decode()
    assert is_guest(client)


def _fullwidth_local_part(email: str) -> str:
    local, domain = email.split("@")
    return "".join(chr(ord(c) + 0xFEE0) for c in local) + "@" + domain


# How phones and people type an address: capitalised, shouting, fullwidth (CJK keyboards), padded.
SPELLINGS = {
    "capitalised": str.capitalize,
    "upper": str.upper,
    "fullwidth": _fullwidth_local_part,
    "padded": lambda email: f"  {email} ",
}
spellings = pytest.mark.parametrize("spell", SPELLINGS.values(), ids=SPELLINGS.keys())


def _log_in_on_the_login_page(client, username):
    MembershipFactory(user=UserFactory(email="ana@example.test", full_name="Ana Li"), brand__name="Aurora Skin")
    response = client.post(reverse("login"), {"username": username, "password": "pw-for-tests-only"}, follow=True)
    return response, "<h1>Aurora Skin</h1>"


def _log_in_on_the_admin_login(client, username):
    UserFactory(email="ana@example.test", full_name="Ana Li", is_staff=True, is_superuser=True)
    data = {"username": username, "password": "pw-for-tests-only", "next": reverse("admin:index")}
    return client.post(reverse("admin:login"), data, follow=True), "Site administration"


@pytest.mark.parametrize("log_in", [_log_in_on_the_login_page, _log_in_on_the_admin_login], ids=["page", "admin"])
@spellings
def test_every_login_finds_the_account_whatever_the_case_or_width_of_the_email(client, log_in, spell):
    response, heading = log_in(client, spell("ana@example.test"))

    body = response.content.decode()
    assert response.status_code == 200
    assert heading in body
    assert "Ana" in body
    assert "Please enter a correct" not in body


@spellings
def test_authenticate_itself_normalises_the_email(rf, spell):
    user = UserFactory(email="ana@example.test")

    found = authenticate(rf.post(reverse("login")), username=spell("ana@example.test"), password="pw-for-tests-only")

    assert found == user


@spellings
def test_every_way_to_create_an_account_stores_one_spelling_of_the_email(client, spell):
    owner = MembershipFactory()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    client.post(reverse("admin:marketplace_user_add"), _admin_user_data(spell("ana@example.test")))
    by_manager = User.objects.create_user(spell("bo@example.test"))
    invited = brand_member_add(brand=owner.brand, actor=owner.user, email=spell("cy@example.test"), role="viewer")

    assert User.objects.filter(email="ana@example.test").exists()
    assert (by_manager.email, invited.user.email) == ("bo@example.test", "cy@example.test")


@pytest.mark.parametrize("signup", ["signup_brand", "signup_creator"])
@spellings
def test_signup_refuses_another_spelling_of_a_taken_email(client, signup, spell):
    UserFactory(email="ana@example.test")
    email = spell("ana@example.test")
    data = brand_signup_data(email=email) if signup == "signup_brand" else creator_signup_data(email=email)

    response = client.post(reverse(signup), data)

    assert response.context["form"].errors["email"] == ["An account with this e-mail address already exists."]
    assert User.objects.count() == 1


def test_logout_is_a_post_that_ends_the_session(client):
    user = UserFactory()
    client.force_login(user)

    refused = client.get(reverse("logout"))
    response = client.post(reverse("logout"), follow=True)

    assert refused.status_code == 405
    assert landed_on(response) == reverse("login")
    assert is_guest(client)


# ---------------------------------------------------------------- passwords


def test_password_reset_sends_a_mail_whose_link_sets_a_new_password(client):
    user = UserFactory(email="ana@example.test")

    response = client.post(reverse("password_reset"), {"email": "ana@example.test"})
    link = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ana@example.test"]
    assert "Starmap" in mail.outbox[0].subject
    assert form_page.context["validlink"] is True
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)


def test_password_reset_for_an_unknown_address_sends_nothing_but_looks_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.test"})

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_password_change_needs_the_old_password(client):
    user = UserFactory()
    client.force_login(user)

    wrong = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD},
    )
    right = client.post(
        reverse("password_change"),
        {"old_password": "pw-for-tests-only", "new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD},
    )

    assert wrong.status_code == 400 and "old_password" in wrong.context["form"].errors
    assert right.status_code == 302
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)


# ------------------------------------------------------------- home by role


def test_home_sends_a_brand_member_to_the_brand_dashboard(client):
    client.force_login(MembershipFactory(role="viewer", brand__name="Aurora Skin").user)

    response = client.get(reverse("home"), follow=True)

    assert landed_on(response) == reverse("brands:dashboard")
    assert "<h1>Aurora Skin</h1>" in response.content.decode()
    assert "Your role: Viewer." in response.content.decode()


def test_home_sends_a_creator_to_the_creator_dashboard(client):
    client.force_login(CreatorFactory(display_name="Lin Cooks").user)

    response = client.get(reverse("home"), follow=True)

    assert landed_on(response) == reverse("creators:dashboard")
    assert "Hello, Lin Cooks" in response.content.decode()


def test_home_sends_staff_to_the_staff_overview(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.get(reverse("home"), follow=True)

    assert landed_on(response) == reverse("staff_overview")
    assert "<h1>Platform overview</h1>" in response.content.decode()


def test_home_shows_guests_what_starmap_is(client):
    response = client.get(reverse("home"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "marketplace where brands and creators" in body
    assert reverse("signup_brand") in body
    assert reverse("login") in body


def test_navigation_follows_the_brand_role(client):
    manager = MembershipFactory(role="manager").user
    viewer = MembershipFactory(role="viewer").user

    client.force_login(manager)
    manager_page = client.get(reverse("orders:list")).content.decode()
    client.force_login(viewer)
    viewer_page = client.get(reverse("orders:list")).content.decode()

    assert f'href="{reverse("orders:create")}"' in manager_page
    assert f'href="{reverse("orders:create")}"' not in viewer_page
    assert f'href="{reverse("brands:members")}"' in viewer_page
    assert f'href="{reverse("login")}"' not in viewer_page


def test_navigation_gives_creators_their_dashboard_and_profile_and_staff_the_admin(client):
    client.force_login(CreatorFactory().user)
    creator_page = client.get(reverse("account_settings")).content.decode()
    client.force_login(UserFactory(is_staff=True))
    staff_page = client.get(reverse("account_settings")).content.decode()

    assert f'href="{reverse("creators:dashboard")}"' in creator_page
    assert f'href="{reverse("creators:profile_edit")}"' in creator_page
    assert f'href="{reverse("orders:list")}"' not in creator_page
    assert f'href="{reverse("admin:index")}"' in staff_page
    assert f'href="{reverse("creators:dashboard")}"' not in staff_page


# ------------------------------------------------------------------ settings


def test_account_settings_change_the_time_zone_pages_show_times_in(client):
    user = MembershipFactory().user
    client.force_login(user)

    response = client.post(reverse("account_settings"), {"full_name": "Ana Li", "time_zone": "Asia/Shanghai"})
    page = client.get(reverse("brands:dashboard"))

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.full_name, user.time_zone) == ("Ana Li", "Asia/Shanghai")
    assert "Times are shown in Asia/Shanghai" in page.content.decode()


def test_account_settings_refuse_an_unknown_time_zone(client):
    user = UserFactory(time_zone="UTC")
    client.force_login(user)

    response = client.post(reverse("account_settings"), {"full_name": "", "time_zone": "Mars/Olympus"})

    assert "time_zone" in response.context["form"].errors
    user.refresh_from_db()
    assert user.time_zone == "UTC"


def test_language_switcher_shows_pages_in_simplified_chinese(client):
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("home")}, follow=True)

    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


def test_a_new_account_shows_times_in_the_deployments_time_zone(client, settings):
    from datetime import UTC, datetime

    from orders.models import Order

    settings.TIME_ZONE = "Asia/Shanghai"
    client.post(reverse("signup_brand"), brand_signup_data())
    user = User.objects.get(email="maya@example.test")
    order = OrderFactory(brand=user.brand_membership.brand)
    Order.objects.filter(pk=order.pk).update(created_at=datetime(2026, 1, 1, 20, 0, tzinfo=UTC))

    page = client.get(reverse("brands:dashboard")).content.decode()

    assert user.time_zone == "Asia/Shanghai"
    assert "Times are shown in Asia/Shanghai" in page
    assert "2026-01-02" in page  # 20:00 UTC is 04:00 the next day in Shanghai
