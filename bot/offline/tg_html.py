"""Telegram's HTML parse mode, checked the way the Bot API does it.

The fake server answers a malformed message with the same 400 the real API gives
("Bad Request: can't parse entities: ..."), so a rendering bug fails a test instead of
passing silently.
"""

from __future__ import annotations

import html
import re

# Tags the Bot API accepts in parse_mode=HTML.
ALLOWED_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
        "a", "code", "pre", "blockquote", "tg-emoji", "br",
    }
)  # fmt: skip
MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024

_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)"
    r"((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*(/?)>"
)


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; the message is the Bot API's description."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of every Telegram limit and offset."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def parse_html(text: str) -> str:
    """The plain text Telegram would show, or `EntityParseError` like the real API."""
    plain: list[str] = []
    stack: list[str] = []
    position = 0
    while position < len(text):
        bracket = text.find("<", position)
        if bracket < 0:
            plain.append(html.unescape(text[position:]))
            break
        plain.append(html.unescape(text[position:bracket]))
        match = _TAG.match(text, bracket)
        if match is None:
            raise EntityParseError(
                "Bad Request: can't parse entities: Unsupported start tag at byte offset "
                f"{_byte_offset(text, bracket)}"
            )
        closing, name, _attributes, _self_closing = match.groups()
        name = name.lower()
        if name not in ALLOWED_TAGS:
            raise EntityParseError(
                f'Bad Request: can\'t parse entities: Unsupported start tag "{name}" at byte '
                f"offset {_byte_offset(text, bracket)}"
            )
        if name == "br":
            plain.append("\n")
        elif closing:
            if not stack or stack[-1] != name:
                raise EntityParseError(
                    f'Bad Request: can\'t parse entities: Unexpected end tag "{name}" at byte '
                    f"offset {_byte_offset(text, bracket)}"
                )
            stack.pop()
        else:
            stack.append(name)
        position = match.end()
    if stack:
        raise EntityParseError(
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
            f'"{stack[-1]}"'
        )
    return "".join(plain)


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text a user would see for these sendMessage parameters."""
    if parse_mode is not None and parse_mode.upper() == "HTML":
        return parse_html(text)
    return text
