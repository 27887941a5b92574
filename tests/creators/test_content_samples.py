"""Content samples: a creator lists links to their own posts on the profile page, and the media kit shows them as
titled links that open safely; bad rows are named per field and save nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from creators import services
from creators.models import MAX_CONTENT_SAMPLES, ContentSample
from marketplace.core import NotAllowed
from tests.factories import CreatorFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

EDIT = reverse("creators:profile_edit")


@pytest.fixture
def creator(client):
    creator = CreatorFactory(handle="lisa")
    client.force_login(creator.user)
    return creator


def samples_post(*rows, total: int = MAX_CONTENT_SAMPLES) -> dict:
    data = {"section": "samples", "samples-TOTAL_FORMS": total, "samples-INITIAL_FORMS": total}
    padded = [*rows, *[("", "", "")] * (total - len(rows))]
    for i, (url, title, platform) in enumerate(padded):
        data.update({f"samples-{i}-url": url, f"samples-{i}-title": title, f"samples-{i}-platform": platform})
    return data


def kit_of(client, handle: str = "lisa") -> str:
    page = client.get(reverse("creators:detail", args=[handle])).content.decode()
    return page.split('id="content-samples"', 1)[1].split("</section>", 1)[0]


def test_saved_samples_show_on_the_media_kit_as_titled_links_that_open_safely(client, creator):
    response = client.post(
        EDIT,
        samples_post(
            ("https://www.douyin.com/video/7301", "Morning routine for dry skin", "douyin"),
            ("", "", ""),
            ("www.xiaohongshu.com/explore/42", "Serum test: two weeks", ""),
        ),
    )

    assert response.status_code == 302 and response.url == EDIT + "#content-samples"
    client.force_login(MembershipFactory(role="viewer").user)
    kit = kit_of(client)
    first = kit.index('href="https://www.douyin.com/video/7301"')
    second = kit.index('href="https://www.xiaohongshu.com/explore/42"')  # https assumed when no scheme is typed
    assert first < second
    assert kit.count('rel="noopener nofollow ugc" target="_blank"') == 2
    assert "Morning routine for dry skin" in kit and "Serum test: two weeks" in kit
    assert "Douyin · www.douyin.com" in kit and "www.xiaohongshu.com" in kit


def test_the_editor_shows_the_saved_samples_again_with_blank_rows_up_to_the_limit(client, creator):
    client.post(EDIT, samples_post(("https://v.example/1", "First post", "tiktok")))

    page = client.get(EDIT).content.decode()

    assert 'value="https://v.example/1"' in page and 'value="First post"' in page
    assert f'name="samples-TOTAL_FORMS" value="{MAX_CONTENT_SAMPLES}"' in page
    assert '<option value="tiktok" selected>' in page


BAD_ROWS = {
    "javascript: link": (("javascript:alert(1)", "Click me", ""), "url", "starting with https:// or http://"),
    "ftp link": (("ftp://files.example/video.mp4", "My video", ""), "url", "starting with https:// or http://"),
    "data: link": (("data:text/html,<script>alert(1)</script>", "Hi", ""), "url", "starting with https://"),
    "title without link": (("", "A post", ""), "url", "Enter the link to this post."),
    "link without title": (("https://v.example/1", "", ""), "title", "Give this post a title."),
    "title too long": (("https://v.example/1", "x" * 121, ""), "title", "at most 120 characters"),
    "unknown platform": (("https://v.example/1", "Post", "myspace"), "platform", "Select a valid choice"),
}


@pytest.mark.parametrize("name", list(BAD_ROWS))
def test_a_bad_row_is_named_beside_its_field_and_nothing_is_saved(client, creator, name):
    ContentSample.objects.create(creator=creator, url="https://v.example/kept", title="Kept", position=0)
    row, field, message = BAD_ROWS[name]

    response = client.post(EDIT, samples_post(("https://v.example/ok", "Fine", ""), row))

    assert response.status_code == 400
    page = response.content.decode()
    errors = page.split(f'id="id_samples-1-{field}_errors"', 1)[1].split("</ul>", 1)[0]
    assert message in errors
    assert list(ContentSample.objects.filter(creator=creator).values_list("title", flat=True)) == ["Kept"]


def test_more_rows_than_the_limit_are_refused(client, creator):
    rows = [(f"https://v.example/{i}", f"Post {i}", "") for i in range(MAX_CONTENT_SAMPLES + 1)]

    response = client.post(EDIT, samples_post(*rows, total=MAX_CONTENT_SAMPLES + 1))

    assert response.status_code == 400
    assert f"Please submit at most {MAX_CONTENT_SAMPLES} forms." in response.content.decode()
    assert not ContentSample.objects.filter(creator=creator).exists()


def test_emptying_every_row_removes_the_samples_and_the_kit_says_so(client, creator):
    client.post(EDIT, samples_post(("https://v.example/1", "First post", "")))

    client.post(EDIT, samples_post())

    assert not ContentSample.objects.filter(creator=creator).exists()
    assert "No content samples listed yet." in kit_of(client)


def test_the_service_refuses_bad_links_too_naming_the_sample_and_field():
    creator = CreatorFactory()
    with pytest.raises(ValidationError) as refused:
        services.creator_set_content_samples(
            creator=creator,
            actor=creator.user,
            samples=[{"url": "https://ok.example/1", "title": "Fine"}, {"url": "javascript:alert(1)", "title": "x"}],
        )
    assert any(m.startswith("Sample 2, link:") for m in refused.value.message_dict["content_samples"])
    with pytest.raises(ValidationError):
        services.creator_set_content_samples(
            creator=creator,
            actor=creator.user,
            samples=[{"url": f"https://ok.example/{i}", "title": "t"} for i in range(MAX_CONTENT_SAMPLES + 1)],
        )
    with pytest.raises(NotAllowed):
        services.creator_set_content_samples(creator=creator, actor=UserFactory(), samples=[])
    assert not ContentSample.objects.exists()


# ------------------------------------------------------------------ every typed link, one rule


def _all_form_classes():
    import importlib
    import pkgutil

    from django import forms

    for package in ("brands", "creators", "orders", "payouts", "matching", "insights", "marketplace"):
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, package + "."):
            if ".forms" in info.name or info.name.endswith("forms"):
                importlib.import_module(info.name)
    seen, todo = set(), [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen and sub.__module__.split(".")[0] in {
                "brands",
                "creators",
                "orders",
                "payouts",
                "matching",
                "insights",
                "marketplace",
            }:
                seen.add(sub)
            todo.append(sub)
    return seen


def test_every_link_field_of_every_form_takes_web_addresses_only():
    """A link someone types for others to open (website, evidence, post, content sample) is http(s) only: every
    URL field of every form of the project is a WebLinkField, and refuses ftp: and javascript:."""
    from django import forms

    from marketplace.core.forms import WebLinkField

    fields = {
        f"{cls.__module__}.{cls.__name__}.{name}": field
        for cls in _all_form_classes()
        for name, field in getattr(cls, "base_fields", {}).items()
        if isinstance(field, forms.URLField)
    }
    assert len(fields) >= 5, fields  # website, two evidence links, the post, the content sample
    assert [name for name, field in fields.items() if not isinstance(field, WebLinkField)] == []
    for name, field in fields.items():
        for bad in ("ftp://files.example/a.mp4", "javascript:alert(1)"):
            with pytest.raises(ValidationError):
                field.clean(bad)
        assert field.clean("www.douyin.com/video/1") == "https://www.douyin.com/video/1", name


def test_a_link_with_chinese_characters_is_stored_percent_encoded(client, creator):
    client.post(EDIT, samples_post(("https://www.xiaohongshu.com/search?keyword=护肤", "护肤合集", "xiaohongshu")))

    [sample] = ContentSample.objects.filter(creator=creator)
    assert sample.url == "https://www.xiaohongshu.com/search?keyword=%E6%8A%A4%E8%82%A4"
    assert sample.title == "护肤合集"


def test_a_negative_row_count_is_refused_and_the_samples_stay(client, creator):
    client.post(EDIT, samples_post(("https://www.douyin.com/video/7301", "Morning routine", "douyin")))
    data = samples_post(("https://www.douyin.com/video/7301", "Morning routine", "douyin"))
    data["samples-TOTAL_FORMS"] = "-1"

    response = client.post(EDIT, data)

    assert response.status_code == 400
    assert creator.content_samples.count() == 1
