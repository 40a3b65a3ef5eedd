"""Check text against Telegram's HTML rules before anything is sent.

Telegram refuses a whole message whose markup it cannot parse ("can't parse entities"), so a
broadcast with `<b>unclosed` would fail for every recipient. `html_problem` applies the Bot
API's rules (https://core.telegram.org/bots/api#html-style): only the supported tags, properly
nested and closed; `<` and `&` outside tags and entities must be escaped; named entities are
`&lt; &gt; &amp; &quot;` only; at most 4096 characters once parsed.
"""

from __future__ import annotations

import html
import re

ALLOWED_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
        "a", "tg-emoji", "code", "pre", "blockquote",
    }
)  # fmt: skip
NAMED_ENTITIES = frozenset({"lt", "gt", "amp", "quot"})
# Telegram's limit on a message's text once the markup is parsed, in UTF-16 code units.
MAX_MESSAGE_UNITS = 4096
_ESCAPES = {"<": "&lt;", "&": "&amp;"}
_ATTRIBUTE = r"""\s+[a-zA-Z-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>"']+))?"""
_TOKEN = re.compile(
    rf"<(?P<close>/?)(?P<tag>[a-zA-Z][a-zA-Z0-9-]*)(?P<attrs>(?:{_ATTRIBUTE})*)\s*>"
    r"|&(?P<entity>#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);"
    r"|(?P<bare>[<&])"
)


def html_problem(text: str) -> str | None:
    """Why Telegram would refuse `text` as HTML, or None when it is well-formed."""
    if problem := _markup_problem(text):
        return problem
    visible = html.unescape(_TOKEN.sub(lambda m: m.group(0) if m.group("entity") else "", text))
    units = len(visible.encode("utf-16-le")) // 2
    if units > MAX_MESSAGE_UNITS:
        return f"the text is {units} characters long; Telegram takes at most {MAX_MESSAGE_UNITS}"
    return None


def _markup_problem(text: str) -> str | None:
    open_tags: list[str] = []
    for match in _TOKEN.finditer(text):
        if bare := match.group("bare"):
            return f"a literal {bare} must be written {_ESCAPES[bare]}"
        if entity := match.group("entity"):
            if not entity.startswith("#") and entity not in NAMED_ENTITIES:
                return f"&{entity}; is not an entity Telegram knows (use &lt; &gt; &amp; &quot;)"
            continue
        tag = match.group("tag").lower()
        if tag not in ALLOWED_TAGS:
            return f"<{tag}> is not a tag Telegram supports"
        if not match.group("close"):
            open_tags.append(tag)
        elif not open_tags or open_tags[-1] != tag:
            expected = f"</{open_tags[-1]}>" if open_tags else "no closing tag"
            return f"</{tag}> does not close the open tag (expected {expected})"
        else:
            open_tags.pop()
    return f"<{open_tags[-1]}> is never closed" if open_tags else None
