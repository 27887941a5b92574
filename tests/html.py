"""Reading rendered pages the way a person does: the text inside one element, found by its id or class."""

from __future__ import annotations

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Texts(HTMLParser):
    """Collects the text of every element that matches (by id, or by a class among its classes)."""

    def __init__(self, *, element_id: str = "", class_name: str = ""):
        super().__init__(convert_charrefs=True)
        self.element_id, self.class_name = element_id, class_name
        self.depth = 0  # open tags inside the current match; 0 = not inside one
        self.found: list[list[str]] = []

    def _matches(self, attrs: dict) -> bool:
        if self.element_id:
            return attrs.get("id") == self.element_id
        return self.class_name in (attrs.get("class") or "").split()

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        if self.depth:
            self.depth += 1
        elif self._matches(dict(attrs)):
            self.depth = 1
            self.found.append([])

    def handle_endtag(self, tag):
        if self.depth and tag not in VOID:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.found[-1].append(data)


def _collect(html: str, **match) -> list[str]:
    parser = _Texts(**match)
    parser.feed(html)
    return [" ".join("".join(parts).split()) for parts in parser.found]


def text_of(html: str, element_id: str) -> str:
    """The words inside the element with ``element_id`` (AssertionError when the page has none)."""
    found = _collect(html, element_id=element_id)
    assert found, f"no element with id {element_id!r} on the page"
    return found[0]


def texts_of_class(html: str, class_name: str) -> list[str]:
    """The words inside each element with ``class_name`` among its classes."""
    return _collect(html, class_name=class_name)


class _Counts(HTMLParser):
    """Every element with the class ``count``: its id and its words (the last one wins for a repeated id)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, int]] = []  # (id, depth) of the counts being read
        self.depth = 0
        self.found: dict[str, str] = {}
        self.without_id = 0

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        self.depth += 1
        attrs = dict(attrs)
        if "count" in (attrs.get("class") or "").split():
            if not attrs.get("id"):
                self.without_id += 1
            self.open.append((attrs.get("id") or "", self.depth))
            self.found[attrs.get("id") or ""] = ""

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if self.open and self.open[-1][1] == self.depth:
            self.open.pop()
        self.depth -= 1

    def handle_data(self, data):
        for element_id, _depth in self.open:
            self.found[element_id] = " ".join((self.found[element_id] + data).split())


def counts_of(html: str) -> dict[str, str]:
    """The counts a page shows (elements with the class ``count``), by id; each must have an id, so a
    step that changes it can redraw it out of band."""
    parser = _Counts()
    parser.feed(html)
    assert parser.without_id == 0, "a count without an id cannot be redrawn out of band"
    return parser.found
