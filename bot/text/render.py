"""Summary → a Telegram HTML post (escaped, within Telegram's length limit) or plain text.

Telegram counts a message's length in UTF-16 code units after entity parsing, but we measure the
raw HTML, which is always longer, so a post that fits here fits there. Only tags Telegram accepts
are emitted (`b`, `i`, `a`). Text is escaped before it is measured, so trimming never splits a
tag or an entity: we shorten the raw text and escape again.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.model import Summary
from bot.text.attribution import Attribution, describe, host_of
from bot.text.outlets import same_outlet

MAX_MESSAGE_UTF16 = 4096
BULLET = "•"
ELLIPSIS = "…"
_HASHTAG_UNSAFE = re.compile(r"[^\w]+")


@dataclass(frozen=True, slots=True)
class Labels:
    """Every word a post adds around the article's own text, in one place to translate."""

    source: str = "Source"
    via: str = "via"
    also: str = "Also"
    read_article: str = "read the article"
    untitled: str = "Untitled"
    from_excerpt: str = "Summarised from the feed excerpt; the full article was unavailable."


ENGLISH = Labels()


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def escape_html(text: str) -> str:
    """Text safe inside Telegram HTML (attributes are escaped separately, with quotes)."""
    return html.escape(text, quote=False)


def _safe_href(url: str | None) -> str | None:
    """The URL if it is a plain http(s) link we may put in an href, else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # e.g. an unclosed IPv6 bracket: not a link we can offer
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return html.escape(url.strip(), quote=True)


def _shorten(text: str, max_utf16: int) -> str:
    """Cut raw text on a word boundary so that its escaped form fits `max_utf16` units."""
    if utf16_len(escape_html(text)) <= max_utf16:
        return text
    budget = max(max_utf16 - utf16_len(ELLIPSIS), 0)
    cut = text
    while cut and (size := utf16_len(escape_html(cut))) > budget:
        # Shrink in proportion to the overshoot: a few rounds, not one per character.
        cut = cut[: min(len(cut) - 1, len(cut) * budget // size)]
    space = cut.rfind(" ")
    if space > len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + ELLIPSIS


def hashtag(label: str) -> str | None:
    """A hashtag for a label ("Middle East" → "#MiddleEast"), or None if nothing is left."""
    words = [w for w in _HASHTAG_UNSAFE.split(label) if w]
    if not words:
        return None
    return "#" + "".join(w[:1].upper() + w[1:] for w in words)


def source_line_html(summary: Summary, labels: Labels = ENGLISH) -> str:
    """Attribution: links the article, names publisher and original source when they differ."""
    href = _safe_href(summary.url)
    publisher = summary.publisher or host_of(summary.url)
    original = summary.original_source
    label = escape_html(labels.source)
    if original and publisher and not same_outlet(original, publisher):
        shown = escape_html(publisher)
        linked = f'<a href="{href}">{shown}</a>' if href else shown
        return f"{label}: {escape_html(original)} ({escape_html(labels.via)} {linked})"
    name = original or publisher or summary.source
    if href:
        shown = escape_html(name or labels.read_article)
        return f'{label}: <a href="{href}">{shown}</a>'
    return f"{label}: {escape_html(name)}" if name else ""


def _footer_lines(
    summary: Summary, also: Iterable[str], tags: Iterable[str], labels: Labels
) -> list[str]:
    lines = [source_line_html(summary, labels)]
    also_names = [a for a in also if a]
    if also_names:
        lines.append(f"{escape_html(labels.also)}: {escape_html(', '.join(also_names))}")
    if summary.from_feed_excerpt:
        lines.append(f"<i>{escape_html(labels.from_excerpt)}</i>")
    rendered_tags = [t for t in (hashtag(tag) for tag in tags) if t]
    if rendered_tags:
        lines.append(" ".join(rendered_tags))
    return [line for line in lines if line]


def render_html(
    summary: Summary,
    *,
    hashtags: Sequence[str] = (),
    also: Sequence[str] = (),
    max_points: int | None = None,
    limit: int = MAX_MESSAGE_UTF16,
    labels: Labels = ENGLISH,
) -> str:
    """A Telegram HTML post: bold headline, bullet points, source line, optional extras.

    Guaranteed to fit `limit` UTF-16 units: trailing points are dropped first, then the
    remaining text is shortened on a word boundary.
    """
    points = list(summary.key_points[:max_points] if max_points else summary.key_points)
    footer = "\n".join(_footer_lines(summary, also, hashtags, labels))
    footer_len = utf16_len(footer) + 2 if footer else 0
    headline = _shorten(summary.headline or labels.untitled, max(limit // 4, 64))
    head = f"<b>{escape_html(headline)}</b>"
    if footer_len + utf16_len(head) > limit:
        # Pathological attribution: keep only the headline, shortened to the limit.
        return f"<b>{escape_html(_shorten(headline, limit - 7))}</b>"
    budget = limit - footer_len - utf16_len(head)
    bullets: list[str] = []
    for point in points:
        line = f"{BULLET} {escape_html(point)}"
        cost = utf16_len(line) + (2 if not bullets else 1)
        if cost <= budget:
            bullets.append(line)
            budget -= cost
        elif not bullets and budget > 40:
            bullets.append(f"{BULLET} {escape_html(_shorten(point, budget - 4))}")
            break
        else:
            break
    parts = [head]
    if bullets:
        parts.append("\n".join(bullets))
    if footer:
        parts.append(footer)
    return "\n\n".join(parts)


def render_text(summary: Summary, labels: Labels = ENGLISH) -> str:
    """Plain text for the terminal: no markup, the URL spelled out."""
    lines = [summary.headline or labels.untitled, ""]
    lines.extend(f"{BULLET} {point}" for point in summary.key_points)
    lines.append("")
    publisher = summary.publisher or host_of(summary.url)
    attribution = describe(Attribution(summary.original_source, publisher), via=labels.via)
    attribution = attribution or summary.source
    if attribution:
        lines.append(f"{labels.source}: {attribution}")
    if summary.url:
        lines.append(summary.url)
    if summary.from_feed_excerpt:
        lines.append(f"({labels.from_excerpt})")
    return "\n".join(lines).rstrip() + "\n"


def render_digest(
    summaries: Sequence[Summary],
    *,
    max_points: int | None = None,
    limit: int = MAX_MESSAGE_UTF16,
    labels: Labels = ENGLISH,
) -> list[str]:
    """Pack several posts into as few messages as the length limit allows, in order."""
    messages: list[str] = []
    current = ""
    for summary in summaries:
        post = render_html(summary, max_points=max_points, limit=limit, labels=labels)
        candidate = f"{current}\n\n{BULLET * 3}\n\n{post}" if current else post
        if utf16_len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = post
    if current:
        messages.append(current)
    return messages
