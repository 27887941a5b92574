"""Brand pages: dashboard, brand profile, members (add by e-mail, roles, removal, the last owner)."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from agencies.services import agency_create
from brands.models import Brand, BrandMembership
from marketplace.core import Conflict
from marketplace.core.models import AuditLog, User
from orders.models import Order
from orders.services.orders import order_close, order_publish
from tests.factories import CreatorFactory, LabelFactory, MembershipFactory, OrderFactory, UserFactory
from tests.pages import landed_on

pytestmark = pytest.mark.django_db

PAGE_QUERY_BOUND = 8
NEW_PASSWORD = "violet-harbour-72"


def _add_member(client, email="new@example.test", role="manager", **extra):
    return client.post(reverse("brands:member_add"), {"email": email, "role": role, "full_name": "", **extra})


# ---------------------------------------------------------------- dashboard


def test_dashboard_counts_orders_by_status_and_lists_recent_ones(owner_client, owner):
    drafts = OrderFactory.create_batch(2, brand=owner.brand)
    published = OrderFactory(brand=owner.brand)
    published.target_label_links.create(label=LabelFactory(), weight=1)
    order_publish(order_id=published.pk, actor=owner.user)
    order_close(order_id=drafts[0].pk, actor=owner.user)

    response = owner_client.get(reverse("brands:dashboard"))

    counts = {row["value"]: row["count"] for row in response.context["status_rows"]}
    assert counts == {"draft": 1, "published": 1, "closed": 1}
    assert response.context["total_orders"] == 3
    assert {o.pk for o in response.context["recent_orders"]} == {o.pk for o in [*drafts, published]}
    assert reverse("orders:detail", args=[published.pk]) in response.content.decode()


def test_empty_dashboard_invites_an_editor_to_create_the_first_order(owner_client):
    response = owner_client.get(reverse("brands:dashboard"))

    body = response.content.decode()
    assert "Create your first order" in body
    assert reverse("orders:create") in body


def test_empty_dashboard_tells_a_viewer_who_can_create_orders(client):
    viewer = MembershipFactory(role="viewer")
    client.force_login(viewer.user)

    body = client.get(reverse("brands:dashboard")).content.decode()

    assert "Create your first order" not in body
    assert "An owner or a manager of your brand can create one." in body


def test_brand_pages_refuse_people_without_a_brand(client):
    client.force_login(CreatorFactory().user)

    assert client.get(reverse("brands:dashboard")).status_code == 403
    assert client.get(reverse("brands:members")).status_code == 403


# The dashboard reads more than the other pages: the action list, the month's spend, the wallet and one campaign
# report for each of at most insights.dashboard.LIVE_CAMPAIGNS live campaigns, whatever the number of orders.
DASHBOARD_QUERY_BOUND = 32


@pytest.mark.parametrize("n", [3, 30])
@pytest.mark.parametrize("status", [Order.Status.DRAFT, Order.Status.PUBLISHED])
def test_dashboard_renders_in_bounded_queries(owner_client, owner, django_assert_max_num_queries, n, status):
    OrderFactory.create_batch(n, brand=owner.brand, status=status)

    with django_assert_max_num_queries(DASHBOARD_QUERY_BOUND):
        response = owner_client.get(reverse("brands:dashboard"))

    assert response.context["total_orders"] == n


@pytest.mark.parametrize("n", [3, 30])
def test_members_page_renders_in_bounded_queries(owner_client, owner, django_assert_max_num_queries, n):
    MembershipFactory.create_batch(n, brand=owner.brand, role="viewer")

    with django_assert_max_num_queries(PAGE_QUERY_BOUND):
        response = owner_client.get(reverse("brands:members"))

    assert len(response.context["members"]) == n + 1


# ------------------------------------------------------------ brand profile


def test_owner_edits_the_brand_profile(owner_client, owner):
    response = owner_client.post(
        reverse("brands:profile_edit"),
        {"name": "Aurora Skin Labs", "website": "https://aurora.example", "description": "Serums.", "country": "CN"},
    )

    assert response.status_code == 302
    brand = Brand.objects.get(pk=owner.brand_id)
    assert (brand.name, brand.website, brand.country) == ("Aurora Skin Labs", "https://aurora.example", "CN")
    assert AuditLog.objects.filter(action="brand.updated", object_id=str(brand.pk)).exists()


def test_a_bad_website_shows_a_field_error(owner_client, owner):
    response = owner_client.post(reverse("brands:profile_edit"), {"name": "Aurora", "website": "not a url"})

    assert "website" in response.context["form"].errors
    assert Brand.objects.get(pk=owner.brand_id).name == "Aurora Skin"


@pytest.mark.parametrize("role", ["manager", "viewer"])
def test_only_owners_edit_the_brand_profile(client, role):
    member = MembershipFactory(role=role)
    client.force_login(member.user)

    get = client.get(reverse("brands:profile_edit"))
    post = client.post(reverse("brands:profile_edit"), {"name": "Taken over"})

    assert (get.status_code, post.status_code) == (403, 403)
    assert Brand.objects.get(pk=member.brand_id).name != "Taken over"


# ------------------------------------------------------------------ members


def test_members_page_lists_the_brands_members_only(owner_client, owner):
    colleague = MembershipFactory(brand=owner.brand, role="viewer", user__email="colleague@example.test")
    MembershipFactory(user__email="stranger@example.test")

    response = owner_client.get(reverse("brands:members"))

    body = response.content.decode()
    assert [m.pk for m, _form in response.context["members"]] == sorted(
        [owner.pk, colleague.pk], key=lambda pk: BrandMembership.objects.get(pk=pk).user.email
    )
    assert "colleague@example.test" in body
    assert "stranger@example.test" not in body


def test_owner_adds_a_new_person_who_gets_a_link_to_set_a_password(
    owner_client, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _add_member(owner_client, email="New@Example.test", role="manager")

    user = User.objects.get(email="new@example.test")
    membership = BrandMembership.objects.get(user=user)
    assert response.status_code == 302
    assert (membership.brand_id, membership.role) == (owner.brand_id, "manager")
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.test"]
    assert "Aurora Skin" in mail.outbox[0].subject

    invited = Client()
    link = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[0].body).group(1)
    form_page = invited.get(link, follow=True)
    invited.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    dashboard = invited.post(reverse("login"), {"username": "new@example.test", "password": NEW_PASSWORD}, follow=True)

    body = dashboard.content.decode()
    assert landed_on(dashboard) == reverse("brands:dashboard")
    assert "<h1>Aurora Skin</h1>" in body
    assert "Your role: Manager." in body


def test_adding_someone_who_has_no_brand_yet_keeps_their_password_and_sends_no_mail(
    owner_client, django_capture_on_commit_callbacks
):
    existing = UserFactory(email="free@example.test")

    with django_capture_on_commit_callbacks(execute=True):
        _add_member(owner_client, email="free@example.test", role="viewer")

    assert BrandMembership.objects.get(user=existing).role == "viewer"
    existing.refresh_from_db()
    assert existing.has_usable_password()
    assert mail.outbox == []


@pytest.mark.parametrize("kind", ["other_brand", "same_brand", "creator", "staff", "agency"])
def test_owner_cannot_add_someone_who_belongs_elsewhere(owner_client, owner, kind, django_capture_on_commit_callbacks):
    if kind == "agency":  # an agency's owner (one account per role: marketplace.core.roles.has_a_part)
        user = UserFactory()
        agency_create(name="Lumen Talent", owner=user)
    elif kind == "other_brand":
        user = MembershipFactory().user
    elif kind == "same_brand":
        user = MembershipFactory(brand=owner.brand, role="viewer").user
    elif kind == "creator":
        user = CreatorFactory().user
    else:
        user = UserFactory(is_staff=True)
    memberships_before = BrandMembership.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = _add_member(owner_client, email=user.email)

    assert response.status_code == 400
    assert "email" in response.context["add_form"].errors
    assert BrandMembership.objects.count() == memberships_before
    assert mail.outbox == []


def test_an_agency_owner_refused_as_a_member_still_lands_on_their_agency(owner_client, owner):
    user = UserFactory()
    agency_create(name="Lumen Talent", owner=user)

    assert _add_member(owner_client, email=user.email, role="viewer").status_code == 400

    theirs = Client()
    theirs.force_login(user)
    assert landed_on(theirs.get("/", follow=True)) == reverse("agencies:roster")


def test_owner_changes_a_role_and_htmx_gets_the_row_back(owner_client, owner):
    member = MembershipFactory(brand=owner.brand, role="viewer")

    response = owner_client.post(
        reverse("brands:member_role", args=[member.pk]), {f"m{member.pk}-role": "manager"}, HTTP_HX_REQUEST="true"
    )

    member.refresh_from_db()
    assert member.role == "manager"
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith(f'<tr id="member-{member.pk}">')
    assert AuditLog.objects.filter(action="brand.member_role_changed").exists()


def test_the_last_owner_cannot_step_down_or_be_removed(owner_client, owner):
    demote = owner_client.post(
        reverse("brands:member_role", args=[owner.pk]), {f"m{owner.pk}-role": "manager"}, HTTP_HX_REQUEST="true"
    )
    remove = owner_client.post(reverse("brands:member_remove", args=[owner.pk]), follow=True)

    owner.refresh_from_db()
    assert owner.role == "owner"
    assert "A brand needs at least one owner." in demote.content.decode()
    assert "The last owner cannot be removed." in remove.content.decode()


def test_with_a_second_owner_the_first_can_leave(owner_client, owner):
    MembershipFactory(brand=owner.brand, role="owner")

    response = owner_client.post(reverse("brands:member_remove", args=[owner.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert not BrandMembership.objects.filter(pk=owner.pk).exists()


def test_owner_removes_a_member_whose_account_stays(owner_client, owner):
    member = MembershipFactory(brand=owner.brand, role="manager")

    response = owner_client.post(reverse("brands:member_remove", args=[member.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response.content == b""
    assert not BrandMembership.objects.filter(pk=member.pk).exists()
    assert User.objects.filter(pk=member.user_id).exists()
    assert AuditLog.objects.filter(action="brand.member_removed").exists()


def test_an_owner_cannot_touch_another_brands_members(owner_client):
    stranger = MembershipFactory(role="manager")

    role = owner_client.post(reverse("brands:member_role", args=[stranger.pk]), {f"m{stranger.pk}-role": "viewer"})
    remove = owner_client.post(reverse("brands:member_remove", args=[stranger.pk]))
    invite = owner_client.post(reverse("brands:member_invite", args=[stranger.pk]))

    stranger.refresh_from_db()
    assert stranger.role == "manager"
    assert (role.status_code, remove.status_code, invite.status_code) == (404, 404, 404)
    assert mail.outbox == []


def test_a_refused_role_change_without_htmx_is_the_members_page_with_why_and_a_400(owner_client, owner):
    refused = owner_client.post(reverse("brands:member_role", args=[owner.pk]), {f"m{owner.pk}-role": "manager"})
    nonsense = owner_client.post(reverse("brands:member_role", args=[owner.pk]), {f"m{owner.pk}-role": "king"})

    owner.refresh_from_db()
    assert owner.role == "owner"
    assert refused.status_code == 400 and "A brand needs at least one owner." in refused.content.decode()
    assert nonsense.status_code == 400 and "Choose a valid role." in nonsense.content.decode()


def test_owner_sends_the_invitation_again_to_someone_who_never_set_a_password(
    owner_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _add_member(owner_client, email="slow@example.test")
    member = BrandMembership.objects.get(user__email="slow@example.test")

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("brands:member_invite", args=[member.pk]))

    assert [m.to for m in mail.outbox] == [["slow@example.test"], ["slow@example.test"]]


@pytest.mark.parametrize("role", ["manager", "viewer"])
def test_non_owners_see_members_read_only_and_cannot_change_them(client, role):
    member = MembershipFactory(role=role)
    owner = MembershipFactory(brand=member.brand, role="owner")
    client.force_login(member.user)

    page = client.get(reverse("brands:members"))
    add = _add_member(client, email="sneaky@example.test")
    promote = client.post(reverse("brands:member_role", args=[member.pk]), {f"m{member.pk}-role": "owner"})
    remove = client.post(reverse("brands:member_remove", args=[owner.pk]))

    assert page.status_code == 200
    assert reverse("brands:member_add") not in page.content.decode()
    assert [add.status_code, promote.status_code, remove.status_code] == [403, 403, 403]
    member.refresh_from_db()
    assert member.role == role
    assert not User.objects.filter(email="sneaky@example.test").exists()


def test_service_refuses_to_leave_a_brand_without_owners_even_when_called_directly(owner):
    from brands.services import brand_member_set_role

    with pytest.raises(Conflict):
        brand_member_set_role(brand=owner.brand, actor=owner.user, membership_id=owner.pk, role="viewer")

    assert Order.objects.count() == 0
    owner.refresh_from_db()
    assert owner.role == "owner"
