from marketplace.roles import role_of


def navigation(request) -> dict:
    """The viewer's role, for the navigation in the base layout."""
    return {"viewer_role": role_of(request.user) if hasattr(request, "user") else None}
