"""Cheap page metadata straight from the markup: meta tags, JSON-LD, <title>, <h1>, <html lang>.

Reading a handful of tags on the already-parsed tree costs about a millisecond; the full
heuristics (htmldate) run only for the date, and only when the markup names none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import htmldate
import lxml.etree
import lxml.html

from bot.feeds.markup import snippet_text
from bot.text.outlets import choose_publisher

_DATE_KEYS = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "pubdate",
    "publishdate",
    "publish-date",
    "sailthru.date",
    "parsely-pub-date",
    "article:modified_time",
    "datemodified",
)
_AUTHOR_KEYS = ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author")
_BYLINE_PATHS = tuple(
    lxml.etree.XPath(path)
    for path in (
        "//*[@itemprop='author']//*[@itemprop='name']",
        "//*[@itemprop='author']",
        "//a[@rel='author']",
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' byline ')]",
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' author-name ')]",
    )
)
_BYLINE_PREFIX = re.compile(r"^(by|von|par|por|di|door|av|af)\s+", re.IGNORECASE)
_MAX_BYLINE = 80
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_TITLE_SEPARATORS = (" | ", " - ", " — ", " – ", " :: ", " « ", " » ")


@dataclass(frozen=True, slots=True)
class PageMeta:
    """What the page says about itself; any field may be missing."""

    title: str | None
    # The page's first <h1>, which may differ from the (SEO) title.
    heading: str | None
    site_name: str | None
    published: datetime | None
    author: str | None
    language: str | None
    description: str | None


def parse_date(value: str | None) -> datetime | None:
    """The first ISO-like date (and time) in a string, as an aware UTC datetime."""
    match = _ISO_DATE.search(value or "")
    if not match:
        return None
    year, month, day, hour, minute, second = (int(p) if p else 0 for p in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


def host_name(url: str | None) -> str | None:
    """The URL's host without a leading www., for attribution."""
    try:
        host = urlsplit(url).hostname if url else None
    except ValueError:  # an unclosed IPv6 bracket, e.g. og:site_name "http://["
        return None
    return host.removeprefix("www.") if host else None


def _json_ld_objects(root: lxml.html.HtmlElement) -> Iterator[dict[str, Any]]:
    for script in root.iterfind(".//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):  # RecursionError: nested thousands deep
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                yield item
                graph = item.get("@graph")
                stack.extend(graph if isinstance(graph, list) else [])
            elif isinstance(item, list):
                stack.extend(item)


def _name(value: object) -> str | None:
    if isinstance(value, list):
        names = [n for n in (_name(v) for v in value) if n]
        return ", ".join(names) or None
    if isinstance(value, dict):
        value = value.get("name")
    return value.strip() or None if isinstance(value, str) else None


def _strip_site(title: str, site_name: str | None) -> str:
    for separator in _TITLE_SEPARATORS:
        head, _, tail = title.rpartition(separator)
        if head and site_name and tail.strip().lower() == site_name.lower():
            return head.strip()
    return title


def _meta_tags(root: lxml.html.HtmlElement) -> dict[str, str]:
    meta: dict[str, str] = {}
    for node in root.iter("meta"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").lower()
        content = (node.get("content") or "").strip()
        if key and content:
            meta.setdefault(key, content)
    return meta


def _linked_data(root: lxml.html.HtmlElement) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in _json_ld_objects(root):
        for key in ("headline", "datePublished", "dateCreated", "author", "publisher"):
            if key in item:
                found.setdefault(key, item[key])
    return found


def _text_of(node: lxml.html.HtmlElement | None) -> str:
    return snippet_text(node.text_content()) if node is not None else ""


def _published(
    root: lxml.html.HtmlElement, meta: dict[str, str], ld: dict[str, Any], url: str | None
) -> datetime | None:
    found = next((d for k in _DATE_KEYS if (d := parse_date(meta.get(k)))), None)
    found = found or parse_date(str(ld.get("datePublished") or ld.get("dateCreated") or ""))
    if found is None:
        time_node = root.find(".//time[@datetime]")
        found = parse_date(time_node.get("datetime")) if time_node is not None else None
    try:
        guessed = htmldate.find_date(root, url=url, original_date=True)
    except Exception:  # noqa: BLE001 - htmldate's heuristics raise anything on odd pages
        return None
    return found or parse_date(guessed)


def _clean_byline(author: str | None) -> str | None:
    text = _BYLINE_PREFIX.sub("", snippet_text(author or ""))
    return text or None


def _byline(root: lxml.html.HtmlElement) -> str | None:
    """A visible byline: an author link or an element marked up as the author."""
    for path in _BYLINE_PATHS:
        for node in path(root)[:3]:
            text = _clean_byline(_text_of(node)) or ""
            if 2 < len(text) <= _MAX_BYLINE:
                return text
    return None


def read_meta(root: lxml.html.HtmlElement, url: str | None) -> PageMeta:
    """Title, site name, date, author, language and description of a parsed page."""
    meta = _meta_tags(root)
    ld = _linked_data(root)
    page_title = _text_of(root.find(".//title"))
    named = (meta.get("og:site_name"), _name(ld.get("publisher")), meta.get("application-name"))
    site_name = choose_publisher(named, page_title, url)
    heading = _text_of(root.find(".//h1"))
    title = (
        meta.get("og:title")
        or _name(ld.get("headline"))
        or meta.get("twitter:title")
        or heading
        or _strip_site(page_title, site_name)
    )
    author = next((meta[k] for k in _AUTHOR_KEYS if meta.get(k) and "://" not in meta[k]), None)
    language = root.get("lang") or root.get("xml:lang") or meta.get("content-language")
    language = language or meta.get("og:locale") or meta.get("language")
    return PageMeta(
        title=snippet_text(title) or None,
        heading=heading or None,
        site_name=snippet_text(site_name or "") or host_name(url),
        published=_published(root, meta, ld, url),
        author=_clean_byline(author or _name(ld.get("author")) or _byline(root)),
        language=(language or "").replace("_", "-").split("-")[0].lower() or None,
        description=meta.get("og:description") or meta.get("description"),
    )
