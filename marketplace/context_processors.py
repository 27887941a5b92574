from django.utils.functional import SimpleLazyObject

from marketplace.roles import role_of


def navigation(request) -> dict:
    """The viewer's role and unread notification count, for the navigation in the base layout.

    The count is one query, run only when a page draws the badge (htmx partials do not).
    """
    user = getattr(request, "user", None)
    context = {"viewer_role": role_of(user) if user is not None else None}
    if user is not None and user.is_authenticated:
        from marketplace.selectors.deals import unread_count

        context["unread_notifications"] = SimpleLazyObject(lambda: unread_count(user=user))
    return context
