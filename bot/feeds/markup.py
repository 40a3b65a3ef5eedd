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
_DROP = ("script", "style", "noscript", "iframe", "object", "embed", "template")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\s*\n\s*")


def _squeeze(text: str) -> str:
    return _BLANK_LINES.sub("\n", _SPACES.sub(" ", text)).strip()


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment, one line per block element; never raises."""
    markup = safe_text(markup)
    if "<" not in markup:
        return _squeeze(html.unescape(markup))
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return _squeeze(html.unescape(re.sub(r"<[^>]*>", " ", markup)))
    for element in root.iter(*_DROP):
        element.drop_tree()
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
