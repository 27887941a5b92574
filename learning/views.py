"""Creator pages of the courses app: the courses of the creator's stage and the next, one course, done or not."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from creators.selectors import creator_for_user
from learning import selectors, services
from learning.markdown import render as render_markdown


@login_required
@require_GET
def course_list(request: HttpRequest) -> HttpResponse:
    creator = creator_for_user(request.user)
    courses = list(selectors.courses_for(creator))
    stages = [(row, [c for c in courses if c.stage == row.stage]) for row in selectors.progress(creator)]
    return render(request, "learning/course_list.html", {"stages": stages, "creator": creator})


@login_required
@require_GET
def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    creator = creator_for_user(request.user)
    course = selectors.course_for(creator, slug)
    return render(request, "learning/course_detail.html", {"course": course, "body": render_markdown(course.body)})


@login_required
@require_POST
def course_done(request: HttpRequest, slug: str) -> HttpResponse:
    """Mark the course done (``done=1``) or not done (``done=0``); anything else is refused."""
    creator = creator_for_user(request.user)
    course = selectors.course_for(creator, slug)
    done = request.POST.get("done")
    if done == "1":
        services.mark_done(creator, course)
        messages.success(request, _("“%(title)s” is marked done.") % {"title": course.title})
    elif done == "0":
        services.mark_not_done(creator, course)
        messages.info(request, _("“%(title)s” is no longer marked done.") % {"title": course.title})
    else:
        return HttpResponse(_("Send done=1 or done=0."), status=400, content_type="text/plain; charset=utf-8")
    return redirect("learning:detail", slug=course.slug)
