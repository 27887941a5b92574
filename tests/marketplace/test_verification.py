"""Verification: brands and creators file evidence, staff decide in their queue, the applicant is told,
every step is audited, and an approved creator is ranked from the next request on."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from brands.models import Brand, BrandMembership
from creators.models import Creator
from marketplace.core.models import AuditLog, Label, Notification
from matching import engine
from matching import services as ranking
from orders.models import OrderTargetLabel
from tests.factories import CreatorFactory, MembershipFactory, OrderFactory, UserFactory
from tests.matching.conftest import make_creators

pytestmark = pytest.mark.django_db

QUEUE = reverse("staff_verification")


def detail_url(kind: str, pk: int) -> str:
    return reverse("staff_verification_detail", args=[kind, pk])


def test_staff_log_in_to_the_staff_overview(client):
    UserFactory(email="ops@example.test", password="pw-for-tests-only", is_staff=True, is_superuser=True)

    page = client.post(reverse("login"), {"username": "ops@example.test", "password": "pw-for-tests-only"}, follow=True)

    assert page.redirect_chain[-1][0] == reverse("staff_overview")
    html = page.content.decode()
    assert "<h1>Platform overview</h1>" in html
    assert f'href="{QUEUE}"' in html and f'href="{reverse("deals:disputes")}"' in html


@pytest.fixture
def own_snapshot(settings, tmp_path):
    """The matcher's snapshot of this test's creators only (an earlier test's stays in the process)."""
    settings.MATCHING_SNAPSHOT_DIR = tmp_path / "snapshots"
    engine.reset()
    yield
    engine.reset()


def test_a_creator_is_rejected_with_a_reason_then_approved_and_ranked_on_the_next_request(
    client, taxonomy, own_snapshot
):
    # Given a brand's published order, and an unverified creator who would otherwise fit it
    make_creators(30)
    member = MembershipFactory(role=BrandMembership.Role.MANAGER)
    order = OrderFactory(brand=member.brand, price_per_creator=10**9, status="published")
    OrderTargetLabel.objects.create(order=order, label=Label.objects.filter(tier=2).first(), weight=1.0)
    creator = Creator.objects.order_by("id").first()
    Creator.objects.filter(pk=creator.pk).update(verification="unverified", user=UserFactory())
    creator.refresh_from_db()
    staff = UserFactory(is_staff=True)

    def why_not() -> str:
        client.force_login(member.user)
        url = reverse("matching:order_why_not", args=[order.pk])
        return client.get(url, {"creator": creator.handle}).content.decode()

    assert "not active or not verified" in why_not()

    # When the creator files a link to their account
    client.force_login(creator.user)
    filed = client.post(
        reverse("creators:verification"),
        {"evidence_url": "https://www.douyin.com/user/me", "note": "My main account."},
        follow=True,
    )

    # Then they see it waiting, and staff see it in the queue with the evidence
    assert "Verification pending" in filed.content.decode()
    assert "Send to staff" not in filed.content.decode()
    client.force_login(staff)
    queue = client.get(QUEUE).content.decode()
    request_pk = creator.verification_requests.get().pk
    assert detail_url("creator", request_pk) in queue and "https://www.douyin.com/user/me" in queue
    page = client.get(detail_url("creator", request_pk)).content.decode()
    assert "My main account." in page and f"@{creator.handle}" in page

    # When staff reject without a reason, they are asked for one and nothing changes
    refused = client.post(detail_url("creator", request_pk), {"decision": "reject", "reason": " "})
    assert refused.status_code == 400
    assert "Say why the request is rejected" in refused.content.decode()
    creator.refresh_from_db()
    assert creator.verification == "pending"

    # When staff reject with a reason
    done = client.post(
        detail_url("creator", request_pk), {"decision": "reject", "reason": "The account name differs."}, follow=True
    )
    assert done.redirect_chain[-1][0] == QUEUE

    # Then the creator is told why, and may file again
    client.force_login(creator.user)
    notes = client.get(reverse("deals:notifications")).content.decode()
    assert "The account name differs." in notes
    again = client.get(reverse("creators:verification")).content.decode()
    assert "Verification rejected" in again and "The account name differs." in again and "Send to staff" in again
    client.post(reverse("creators:verification"), {"evidence_url": "https://www.douyin.com/user/me2"})

    # When staff approve the new request
    second = creator.verification_requests.get(status="pending")
    client.force_login(staff)
    client.post(detail_url("creator", second.pk), {"decision": "approve", "reason": ""})

    # Then the brand's next look finds the creator eligible, and a new ranking lists them
    assert "passes every filter" in why_not()
    run = ranking.ranking_request(order=order)
    ranking.ranking_execute(run_id=run.pk)
    assert run.results.filter(creator=creator).exists()
    client.force_login(creator.user)
    assert "Verification approved" in client.get(reverse("deals:notifications")).content.decode()
    # And every step is on the audit trail, with the staff member and the reason
    trail = list(AuditLog.objects.filter(object_id=str(creator.pk), action="creator.verification").order_by("id"))
    assert [(a.data["new"], a.actor_id) for a in trail] == [
        ("pending", creator.user_id),
        ("rejected", staff.pk),
        ("pending", creator.user_id),
        ("verified", staff.pk),
    ]
    assert trail[1].data["reason"] == "The account name differs."
    assert AuditLog.objects.filter(action="creatorverification.decide", actor=staff).count() == 2


def test_a_brand_files_its_licence_and_its_owners_and_managers_hear_the_decision(client):
    owner = MembershipFactory(brand__verification="unverified")
    manager = MembershipFactory(brand=owner.brand, role=BrandMembership.Role.MANAGER)
    viewer = MembershipFactory(brand=owner.brand, role=BrandMembership.Role.VIEWER)
    client.force_login(viewer.user)
    assert client.post(reverse("brands:verification"), {"licence_number": "x"}).status_code == 403
    assert "Send to staff" not in client.get(reverse("brands:verification")).content.decode()

    client.force_login(owner.user)
    bad = client.post(reverse("brands:verification"), {"licence_number": "91 31", "evidence_url": "not a link"})
    assert bad.status_code == 400
    assert (
        "Letters, digits and dashes" in bad.content.decode()
        and "Enter a web address starting with https:// or http://." in bad.content.decode()
    )
    assert not owner.brand.verification_requests.exists()
    client.post(
        reverse("brands:verification"),
        {"licence_number": "91310000MA1FL8XQ3T", "evidence_url": "https://www.gsxt.gov.cn/aurora"},
    )
    dashboard = client.get(reverse("brands:dashboard")).content.decode()
    assert f'href="{reverse("brands:verification")}"' in dashboard and "Verification pending" in dashboard

    client.force_login(UserFactory(is_staff=True))
    request = owner.brand.verification_requests.get()
    assert "91310000MA1FL8XQ3T" in client.get(QUEUE, {"kind": "brand"}).content.decode()
    client.post(detail_url("brand", request.pk), {"decision": "approve"})

    assert Brand.objects.get(pk=owner.brand.pk).verification == "verified"
    told = set(Notification.objects.filter(kind="verification").values_list("user_id", flat=True))
    assert told == {owner.user_id, manager.user_id}
    client.force_login(owner.user)
    assert "Your brand is verified." in client.get(reverse("brands:verification")).content.decode()


def test_a_decided_request_cannot_be_decided_again(client):
    creator = CreatorFactory(verification="unverified")
    client.force_login(creator.user)
    client.post(reverse("creators:verification"), {"evidence_url": "https://v.example/me"})
    request = creator.verification_requests.get()
    client.force_login(UserFactory(is_staff=True))
    client.post(detail_url("creator", request.pk), {"decision": "approve"})

    again = client.post(detail_url("creator", request.pk), {"decision": "reject", "reason": "Changed my mind."})

    assert again.status_code == 409
    creator.refresh_from_db()
    assert creator.verification == "verified"


def _staff_routes():
    """Every route under staff/ in the URL conf, so a staff page added later is covered too."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and (prefix + str(p.pattern)).startswith("staff/"):
                yield p.name

    return sorted(walk(get_resolver().url_patterns))


@pytest.mark.parametrize("name", _staff_routes())
def test_only_staff_open_or_act_on_staff_pages(client, name):
    creator = CreatorFactory(verification="unverified")
    client.force_login(creator.user)
    client.post(reverse("creators:verification"), {"evidence_url": "https://v.example/me"})
    pk = creator.verification_requests.get().pk
    kwargs = {"kind": "creator", "pk": pk} if name == "staff_verification_detail" else {}
    url = reverse(name, kwargs=kwargs)
    client.logout()

    anonymous = client.get(url)
    statuses = []
    for user in (MembershipFactory().user, CreatorFactory().user, creator.user):
        client.force_login(user)
        statuses += [client.get(url).status_code, client.post(url, {"decision": "approve"}).status_code]

    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login"))
    assert set(statuses) == {403}
    creator.refresh_from_db()
    assert creator.verification == "pending"
