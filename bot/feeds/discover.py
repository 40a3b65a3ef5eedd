"""Find a site's feeds: `<link rel="alternate">` in its HTML, else the usual paths."""

from __future__ import annotations

from urllib.parse import urljoin

import lxml.etree
import lxml.html

FEED_LINK_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
        "application/rdf+xml",
        "application/json",
    }
)
COMMON_PATHS = ("/feed", "/rss", "/feed.xml", "/rss.xml", "/atom.xml", "/index.xml", "/feed.json")


def feed_links(html: str, base_url: str) -> list[str]:
    """Absolute URLs of the feeds a page announces, in page order, without repeats."""
    try:
        root = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return []
    found: list[str] = []
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in FEED_LINK_TYPES and href:
            found.append(urljoin(base_url, href))
    return [url for url in dict.fromkeys(found) if url.startswith(("http://", "https://"))]


def common_feed_urls(base_url: str) -> list[str]:
    """The usual feed locations on the site of `base_url`, to probe when the page names none."""
    return [urljoin(base_url, path) for path in COMMON_PATHS]
