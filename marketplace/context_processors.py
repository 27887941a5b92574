from django.utils.functional import SimpleLazyObject

from marketplace.core.roles import role_of


def navigation(request) -> dict:
    """The viewer's role and unread notification count, for the navigation in the base layout.

    A session user arrives with the count (``brands.callers``); otherwise it is one
    query, run only when a page draws the badge (htmx partials do not).
    """
    user = getattr(request, "user", None)
    context = {"viewer_role": role_of(user) if user is not None else None}
    if user is not None and user.is_authenticated:
        from orders.selectors.deals import unread_count

        counted = getattr(user, "unread_notifications", None)  # loaded with the session user
        context["unread_notifications"] = (
            counted if counted is not None else SimpleLazyObject(lambda: unread_count(user=user))
        )
    return context
