"""Courses: safe rendering, who sees which course, marking done, both languages, the shipped courses."""

import pytest
from django.conf import settings
from django.urls import reverse

from learning.markdown import render
from learning.models import Course, CourseCompletion
from learning.services import SHIPPED_COURSES, install_shipped_courses
from tests.factories import CreatorFactory, MembershipFactory

pytestmark = pytest.mark.django_db

LIST = reverse("learning:list")


def course(slug, stage="departure", published=True, **extra) -> Course:
    values = {"title_en": f"Course {slug}", "body_en": f"About **{slug}**.", "published": published}
    values.update(extra)
    return Course.objects.create(slug=slug, stage=stage, **values)


def detail(slug: str) -> str:
    return reverse("learning:detail", args=[slug])


def done_url(slug: str) -> str:
    return reverse("learning:done", args=[slug])


# ------------------------------------------------------------------ rendering


@pytest.mark.parametrize(
    "text, absent",
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src=x onerror="alert(1)">', "<img"),
        ("[click](javascript:alert(1))", 'href="javascript'),
        ("[click](JAVASCRIPT:alert(1))", 'href="JAVASCRIPT'),
        ("[data](data:text/html;base64,PHNjcmlwdD4=)", 'href="data:'),
        ('<a href="https://x.example" onclick="steal()">x</a>', "<a href"),
        ("![x](https://x.example/a.png)", "<img"),
    ],
)
def test_course_text_cannot_put_html_or_script_links_into_the_page(text, absent):
    html = render(text)

    assert absent not in html
    assert "onerror=" not in html or "&lt;img" in html  # kept only as visible, escaped text


def test_markdown_renders_and_links_open_without_passing_the_page():
    html = render("# Title\n\n- **one**\n- [Starmap](https://starmap.example/x)\n")

    assert "<h1>Title</h1>" in html and "<strong>one</strong>" in html
    assert '<a href="https://starmap.example/x" rel="noopener noreferrer" target="_blank">Starmap</a>' in html


# ------------------------------------------------------------------ who sees which


def test_a_creator_sees_the_courses_of_their_stage_and_the_next_only(client):
    course("brief", "departure")
    course("script", "exploration")
    course("scale", "harvest")
    course("draft", "departure", published=False)
    creator = CreatorFactory(growth_stage="departure")
    client.force_login(creator.user)

    page = client.get(LIST).content.decode()

    assert "Course brief" in page and "Course script" in page
    assert "Course scale" not in page and "Course draft" not in page
    assert client.get(detail("scale")).status_code == 404  # two stages ahead
    assert client.get(detail("draft")).status_code == 404  # not published
    assert client.get(detail("brief")).status_code == 200


def test_a_harvest_creator_no_longer_sees_the_first_stage(client):
    course("brief", "departure")
    course("scale", "harvest")
    creator = CreatorFactory(growth_stage="harvest")
    client.force_login(creator.user)

    page = client.get(LIST).content.decode()

    assert "Course scale" in page and "Course brief" not in page


@pytest.mark.parametrize("who", ["brand", "anonymous", "staff"])
def test_only_creators_open_courses(client, who, django_user_model):
    course("brief")
    if who == "brand":
        client.force_login(MembershipFactory().user)
    elif who == "staff":
        client.force_login(django_user_model.objects.create_user(email="s@example.com", password="x", is_staff=True))

    responses = [client.get(LIST), client.get(detail("brief")), client.post(done_url("brief"), {"done": "1"})]

    if who == "anonymous":
        assert all(r.status_code == 302 and "/accounts/login/" in r["Location"] for r in responses)
    else:
        assert [r.status_code for r in responses] == [404, 404, 404]
    assert not CourseCompletion.objects.exists()


# ------------------------------------------------------------------ marking done


def test_marking_a_course_done_shows_on_the_list_and_the_growth_page(client):
    course("brief", "departure", position=1)
    course("pricing", "departure", position=2)
    creator = CreatorFactory(growth_stage="departure")
    client.force_login(creator.user)

    first = client.post(done_url("brief"), {"done": "1"}, follow=True)
    again = client.post(done_url("brief"), {"done": "1"})

    assert "is marked done" in first.content.decode() and "Mark as not done" in first.content.decode()
    assert again.status_code == 302 and CourseCompletion.objects.filter(creator=creator).count() == 1
    listing = client.get(LIST).content.decode()
    assert "1 of 2 done" in listing
    assert listing.split('data-course="brief"', 1)[1].split("</li>", 1)[0].count(">done<") == 1
    growth = client.get(reverse("creators:growth")).content.decode()
    assert "Departure (起步): 1 of 2 courses done" in growth


def test_a_course_can_be_unmarked_and_a_bad_value_is_refused(client):
    course("brief")
    creator = CreatorFactory(growth_stage="departure")
    client.force_login(creator.user)
    client.post(done_url("brief"), {"done": "1"})

    undone = client.post(done_url("brief"), {"done": "0"}, follow=True)
    bad = [client.post(done_url("brief"), {"done": value}) for value in ("", "2", "\x00", "²")]

    assert "Mark as done" in undone.content.decode() and not CourseCompletion.objects.exists()
    assert {r.status_code for r in bad} == {400}
    assert client.get(done_url("brief")).status_code == 405


# ------------------------------------------------------------------ languages


def test_chinese_readers_get_the_chinese_text_and_english_where_there_is_none(client):
    course("brief", title_zh="如何读懂需求", body_zh="先看**目标**。")
    course("pricing", title_en="Pricing", body_en="Start from views.")
    client.force_login(CreatorFactory(growth_stage="departure").user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    chinese = client.get(detail("brief")).content.decode()
    fallback = client.get(detail("pricing")).content.decode()

    assert "如何读懂需求" in chinese and "<strong>目标</strong>" in chinese and "Course brief" not in chinese
    assert "Start from views." in fallback


# ------------------------------------------------------------------ shipped courses


def test_the_shipped_courses_install_once_in_both_languages_and_render():
    assert install_shipped_courses() == len(SHIPPED_COURSES) >= 4
    install_shipped_courses()

    courses = list(Course.objects.order_by("stage", "position"))
    assert len(courses) == len(SHIPPED_COURSES)
    for c in courses:
        assert c.published and c.title_en and c.title_zh and len(c.body_en) > 400 and len(c.body_zh) > 150
        assert "<" not in c.title_en and "<p>" in render(c.body_en) and "<p>" in render(c.body_zh)
    assert {c.stage for c in courses} == {"departure", "exploration"}


def test_staff_edits_to_a_course_of_their_own_survive_reinstalling():
    mine = course("our-own-course", body_en="Written by staff.")
    install_shipped_courses()

    mine.refresh_from_db()
    assert mine.body_en == "Written by staff." and Course.objects.count() == len(SHIPPED_COURSES) + 1
