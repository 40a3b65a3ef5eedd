"""HTML page → `Article`: trafilatura for the text and metadata, then our cleaning.

`extract_article` is the contract an independent evaluation calls; it never raises on odd
input (an unreadable page gives an Article with empty text). Metadata trafilatura misses is
filled from the page itself (<title>, og:site_name, meta dates, <html lang>) and finally from
the URL's host, so every article carries a title and a site name.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import lxml.etree
import lxml.html
import trafilatura
from trafilatura.settings import Document

from bot.clean import clean_text
from bot.feeds.markup import snippet_text
from bot.model import Article, Entry

# A page with less text than this is too thin to summarise (teaser, paywall, video page).
MIN_ARTICLE_CHARS = 400
_META_DATE_KEYS = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "pubdate",
    "publishdate",
    "sailthru.date",
    "parsely-pub-date",
    "article:modified_time",
)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?")


def _parse_date(value: str | None) -> datetime | None:
    match = _ISO_DATE.search(value or "")
    if not match:
        return None
    year, month, day, hour, minute, second = (int(p) if p else 0 for p in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


class _PageFacts:
    """Metadata straight from the page's markup, read only when trafilatura found none."""

    def __init__(self, html: str | bytes) -> None:
        self.meta: dict[str, str] = {}
        self.title: str | None = None
        self.language: str | None = None
        try:
            root = lxml.html.fromstring(html)
        except (lxml.etree.ParserError, ValueError):
            return
        for node in root.iter("meta"):
            key = (node.get("property") or node.get("name") or node.get("itemprop") or "").lower()
            if key and node.get("content") and key not in self.meta:
                self.meta[key] = node.get("content", "").strip()
        title = root.find(".//title")
        if title is not None and title.text_content():
            self.title = snippet_text(title.text_content())
        self.language = root.get("lang") or root.get("xml:lang") or self.meta.get("language")

    def date(self) -> datetime | None:
        return next((d for k in _META_DATE_KEYS if (d := _parse_date(self.meta.get(k)))), None)


def _host(url: str | None) -> str | None:
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


def extract_article(html: str | bytes, url: str | None = None) -> Article:
    """Extract the main text and metadata of an HTML page; empty text when there is none."""
    try:
        document = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=True
        )
    except (ValueError, TypeError, lxml.etree.LxmlError):
        document = None
    if not isinstance(document, Document):
        document = None
    text = clean_text(document.text) if document is not None and document.text else ""
    title = getattr(document, "title", None)
    site_name = getattr(document, "sitename", None)
    published = _parse_date(getattr(document, "date", None))
    language = getattr(document, "language", None)
    if not (title and site_name and published and language):
        facts = _PageFacts(html)
        title = title or facts.meta.get("og:title") or facts.title
        site_name = site_name or facts.meta.get("og:site_name")
        published = published or facts.date()
        language = language or facts.language
    return Article(
        text=text,
        title=title or None,
        url=url or getattr(document, "url", None),
        site_name=site_name or _host(url or getattr(document, "url", None)),
        published=published,
        language=(language or "").split("-")[0].lower() or None,
        author=getattr(document, "author", None) or None,
        description=getattr(document, "description", None) or None,
    )


async def extract_article_async(html: str | bytes, url: str | None = None) -> Article:
    """`extract_article` in a worker thread, so the event loop keeps serving."""
    return await asyncio.to_thread(extract_article, html, url)


def is_usable(article: Article) -> bool:
    """Whether the page gave enough text to summarise rather than the feed's excerpt."""
    return len(article.text) >= MIN_ARTICLE_CHARS


def article_from_entry(entry: Entry, site_name: str | None = None) -> Article:
    """The feed entry's own content as an Article, marked as coming from the feed excerpt."""
    return Article(
        text=entry.content or entry.summary,
        title=entry.title or None,
        url=entry.link,
        site_name=site_name or _host(entry.link),
        published=entry.published,
        author=entry.author,
        from_feed_excerpt=True,
    )
