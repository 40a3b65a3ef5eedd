"""Feed snippets (titles, descriptions, content) as plain text: markup out, paragraphs kept."""

from __future__ import annotations

import html
import re

import lxml.etree
import lxml.html

from bot.feeds.sanitize import safe_text

_BLOCKS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "tr",
        "table",
        "section",
        "article",
        "figure",
        "figcaption",
        "header",
        "footer",
        "dd",
        "dt",
    ]
)
# Code and templates: nothing in them is ever visible.
_DROP = ("script", "style", "noscript", "template")
# Embedded content: the element goes, what the parser put inside it stays (an unclosed <embed>
# or <object> holds the rest of the fragment, e.g. `safe<embed src=x> <b>description</b>`).
_UNWRAP = ("object", "embed")
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\s*\n\s*")


def _squeeze(text: str) -> str:
    return _BLANK_LINES.sub("\n", _SPACES.sub(" ", text)).strip()


def _tags_out(markup: str) -> str:
    return html.unescape(_TAG.sub(" ", markup))


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment, one line per block element; never raises."""
    markup = safe_text(markup)
    if "<" not in markup:
        return _squeeze(html.unescape(markup))
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return _squeeze(_tags_out(markup))
    for element in list(root.iter(*_DROP)):
        element.drop_tree()
    for frame in list(root.iter("iframe")):
        # An unclosed <iframe> holds the rest of the fragment as raw markup: keep its text.
        swallowed = frame.text or ""
        frame.tail = (_tags_out(swallowed) if "<" in swallowed else "") + (frame.tail or "")
        frame.drop_tree()
    for element in list(root.iter(*_UNWRAP)):
        element.drop_tag()
    for element in root.iter(*_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    return _squeeze(root.text_content())


def snippet_text(markup: str) -> str:
    """A title or one line of text: markup removed, whitespace collapsed to single spaces."""
    return " ".join(html_to_text(markup).split())


def body_text(markup: str) -> str:
    """A summary or content block as plain paragraphs.

    Boilerplate and repeats are removed later, by the summariser's own cleaning
    (`bot.text.clean`), only for the entries that are actually summarised.
    """
    return html_to_text(markup)
