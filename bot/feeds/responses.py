"""What a fetch gives back, and the header rules that decide it: media types, Retry-After."""

from __future__ import annotations

import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Literal

import httpx

from bot.errors import ContentTypeError

Kind = Literal["feed", "page", "any"]

FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "application/x-rss+xml",
        "application/feed+json",
        "application/json",
    }
)
PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.1"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
MAX_RETRY_AFTER = 86400.0


@dataclass(frozen=True, slots=True)
class Fetched:
    """A successful (2xx) or not-modified (304) response with its decoded body."""

    url: str
    status: int
    headers: httpx.Headers
    body: bytes

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-cased ('' when the server sent none)."""
        value: str = self.headers.get("content-type", "")
        return value.split(";", 1)[0].strip().lower()


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return min(max(0.0, when - (time.time() if now is None else now)), MAX_RETRY_AFTER)


def check_content_type(url: str, content_type: str, kind: Kind) -> None:
    """Refuse a response whose media type is not what `kind` asks for (none: let it through)."""
    if not content_type or content_type == "application/octet-stream":
        return  # no claim: let the parser decide
    is_feed = content_type in FEED_TYPES or content_type.endswith(("+xml", "+json"))
    is_page = content_type in PAGE_TYPES
    if (
        (kind == "feed" and is_feed)
        or (kind == "page" and is_page)
        or ((is_feed or is_page) and (kind == "any"))
    ):
        return
    wanted = {"feed": "a feed", "page": "a web page", "any": "a feed or a web page"}[kind]
    raise ContentTypeError(f"{url}: expected {wanted}, got {content_type}")
