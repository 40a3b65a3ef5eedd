"""HTML page → `Article`: trafilatura for the main text, our cleaning after it.

`extract_article` is the contract an independent evaluation calls; it never raises on odd
input (an unreadable page gives an Article with empty text). The page is parsed once: the
metadata is read from the tree (`bot.feeds.pagemeta`), then trafilatura extracts the text
from the same tree in its fast mode without comments, which on the Zyte benchmark is both
quicker and more accurate than its default (see benchmarks/extraction.py).
"""

from __future__ import annotations

import asyncio
import re

import lxml.etree
import lxml.html
import trafilatura
from trafilatura.utils import load_html

from bot.feeds.charset import decode_text
from bot.feeds.language import guess_language
from bot.feeds.pagemeta import PageMeta, host_name, read_meta
from bot.feeds.sanitize import safe_fields, safe_text
from bot.model import Article, Entry
from bot.text.clean import clean_text

_WORDS = re.compile(r"\w+")
# How many leading lines may repeat the headline or standfirst (trafilatura often keeps them).
_HEAD_LINES = 3
# A page with less text than this is too thin to summarise (teaser, paywall, video page).
MIN_ARTICLE_CHARS = 400
# Spans and divs inside a paragraph holding two or more links.
_LINK_CLUSTER = "//p//*[self::span or self::div][count(.//a) >= 2]"


def extract_article(html: str | bytes, url: str | None = None) -> Article:
    """Extract the main text and metadata of an HTML page; empty text when there is none."""
    if isinstance(html, bytes):
        html = decode_text(html)  # the same charset rules as fetched pages
    html = safe_text(html)  # lxml refuses NUL and control characters outright
    try:
        tree = load_html(html)
    except (ValueError, TypeError, lxml.etree.LxmlError):
        tree = None
    if tree is None:
        return Article(text="", url=url, site_name=host_name(url))
    meta = read_meta(tree, url)
    _drop_link_clusters(tree)
    try:
        raw = trafilatura.extract(tree, fast=True, include_comments=False)
    except Exception:  # noqa: BLE001 - trafilatura raises anything on hostile markup
        raw = None
    if raw:
        raw = _strip_furniture(raw, url, meta)
    text = clean_text(raw) if raw else ""
    return safe_fields(
        Article(
            text=text,
            title=meta.title,
            url=url,
            site_name=meta.site_name,
            published=meta.published,
            language=meta.language or guess_language(text),
            author=meta.author,
            description=meta.description,
        )
    )


def _drop_link_clusters(tree: lxml.html.HtmlElement) -> None:
    """Remove hover cards inside paragraphs: a span of several links and no text of its own.

    Sites put a person's card (full name, latest headlines) right after the name's link, and
    the extracted text then reads "Rep. Ilhan OmarIlhan OmarHillicon Valley…".
    """
    clusters = tree.xpath(_LINK_CLUSTER)
    inner = set(clusters)
    for span in clusters:  # only the innermost: an outer one also holds the name's own link
        inner.difference_update(span.iterancestors())
    for span in clusters:
        if span in inner and not "".join(span.xpath(".//text()[not(ancestor::a)]")).strip():
            span.drop_tree()  # keeps the tail text that follows it


def _words(text: str | None) -> tuple[str, ...]:
    return tuple(word.lower() for word in _WORDS.findall(text or ""))


def _strip_furniture(text: str, url: str | None, meta: PageMeta) -> str:
    """Drop what trafilatura keeps but is not body: the headline (and the standfirst right
    after it) at the top, and bare URL lines.

    The title and description travel in their own fields.
    """
    lines = text.split("\n")
    titles = {w for w in (_words(meta.title), _words(meta.heading)) if w}
    start = 0
    while start < min(_HEAD_LINES, len(lines) - 1) and (
        not lines[start].strip() or _words(lines[start]) in titles
    ):
        start += 1
    if start and start < len(lines) - 1 and meta.description:
        start += _words(lines[start]) == _words(meta.description)
    return "\n".join(line for line in lines[start:] if line.strip() not in (url, f"<{url}>"))


async def extract_article_async(html: str | bytes, url: str | None = None) -> Article:
    """`extract_article` in a worker thread, so the event loop keeps serving."""
    return await asyncio.to_thread(extract_article, html, url)


def is_usable(article: Article) -> bool:
    """Whether the page gave enough text to summarise rather than the feed's excerpt."""
    return len(article.text) >= MIN_ARTICLE_CHARS


def article_from_entry(entry: Entry, site_name: str | None = None) -> Article:
    """The feed entry's own content as an Article, marked as coming from the feed excerpt."""
    return Article(
        text=max(entry.content, entry.summary, key=len),
        title=entry.title or None,
        url=entry.link,
        site_name=site_name or host_name(entry.link),
        published=entry.published,
        author=entry.author,
        from_feed_excerpt=True,
    )
