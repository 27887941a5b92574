"""A notification and its e-mail are in the reader's language, not in the language of whoever caused them."""

from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from marketplace.core.models import Notification, User
from orders.models import Collaboration
from orders.services import deals
from tests.orders.conftest import deal_in

S = Collaboration.Status


def test_each_side_reads_the_other_s_message_in_its_own_language(world, django_capture_on_commit_callbacks):
    c = deal_in(world, S.ACCEPTED)
    User.objects.filter(pk=world["owner"].pk).update(language="en")
    User.objects.filter(pk=c.creator.user_id).update(language="zh-hans")
    creator, owner = User.objects.get(pk=c.creator.user_id), User.objects.get(pk=world["owner"].pk)

    with django_capture_on_commit_callbacks(execute=True), translation.override("zh-hans"):
        deals.collaboration_comment(collaboration_id=c.pk, actor=creator, text="hello")
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        deals.collaboration_comment(collaboration_id=c.pk, actor=owner, text="hi")

    to_owner = Notification.objects.filter(user=owner, kind="comment").get()
    to_creator = Notification.objects.filter(user=creator, kind="comment").get()
    assert "wrote a message" in to_owner.text and "发送了消息" not in to_owner.text
    assert "发送了消息" in to_creator.text and "wrote a message" not in to_creator.text
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert "wrote a message" in subjects[owner.email]
    assert "发送了消息" in subjects[creator.email]


def test_the_language_a_person_reads_the_site_in_is_the_one_they_are_written_to_in(world):
    owner = world["owner"]
    client = Client()
    client.force_login(owner)

    client.get(reverse("deals:notifications"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert User.objects.get(pk=owner.pk).language == "zh-hans"

    client.cookies["django_language"] = "en"
    client.get(reverse("deals:notifications"))
    assert User.objects.get(pk=owner.pk).language == "en"
