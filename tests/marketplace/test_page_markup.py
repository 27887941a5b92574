"""Pages a review of the demo found wrong, checked in the markup the reader gets: the programmes list's count of
creators who joined is not called by the word for a joining date, and the webhook page's tables scroll inside
their own box on a phone instead of widening the page."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import MembershipFactory, UserFactory
from tests.programmes.conftest import make_programme
from webhooks.models import WebhookEndpoint


def client_for(user, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.mark.django_db
def test_the_programmes_list_calls_its_count_of_creators_joined_not_a_joining_date_in_chinese():
    staff = UserFactory(is_staff=True)
    make_programme(actor=staff)

    page = client_for(staff, "zh-hans").get(reverse("programmes:staff_list")).content.decode()

    headings = [" ".join(h.split()) for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', page, re.S)]
    assert "已加入" in headings
    assert "加入时间" not in page


@pytest.mark.django_db
def test_the_webhook_endpoint_keeps_its_deliveries_table_inside_a_scrolling_box():
    membership = MembershipFactory()
    endpoint = WebhookEndpoint.objects.create(
        brand=membership.brand, url="https://hooks.example.com/starmap", secret="whsec_test"
    )
    client = client_for(membership.user)

    detail = client.get(reverse("webhooks:endpoint", args=[endpoint.pk])).content.decode()
    listing = client.get(reverse("webhooks:list")).content.decode()

    assert "Nothing sent yet." in detail
    for page in (detail, listing):
        assert page.count("<table") == 1
        assert re.search(r'<div class="overflow-auto" tabindex="0">\s*<table', page)
