"""Course text: CommonMark rendered with raw HTML escaped (docs/courses.md).

markdown-it-py with ``html`` off writes any HTML in the text as text, and its link check refuses
``javascript:``, ``vbscript:``, ``file:`` and ``data:`` addresses, so what staff write cannot run in a
creator's browser. Links open in a new tab without passing the page (rel="noopener noreferrer").
"""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "typographer": False}).disable("image")


def _link_open(renderer, tokens, idx, options, env):
    token = tokens[idx]
    token.attrSet("rel", "noopener noreferrer")
    token.attrSet("target", "_blank")
    return renderer.renderToken(tokens, idx, options, env)


_md.add_render_rule("link_open", _link_open)


def render(text: str) -> SafeString:
    """HTML of a course's Markdown; safe to put in a page as it is."""
    return mark_safe(_md.render(text))  # noqa: S308 — html is off: markdown-it escapes every tag in the text
