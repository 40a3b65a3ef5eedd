"""Telegram HTML and inline keyboards as a terminal shows them, for `newsbot try`.

Bold, italic, underline and strike become ANSI styles on a terminal (plain text when piped);
a link shows its text and then its address, unless the text already is the address; quotes get
a bar in the margin. Buttons are numbered, so pressing one is typing its number.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^>]*)?)/?>")
_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_STYLES = {
    "b": ("\x1b[1m", "\x1b[22m"),
    "strong": ("\x1b[1m", "\x1b[22m"),
    "i": ("\x1b[3m", "\x1b[23m"),
    "em": ("\x1b[3m", "\x1b[23m"),
    "u": ("\x1b[4m", "\x1b[24m"),
    "ins": ("\x1b[4m", "\x1b[24m"),
    "s": ("\x1b[9m", "\x1b[29m"),
    "strike": ("\x1b[9m", "\x1b[29m"),
    "del": ("\x1b[9m", "\x1b[29m"),
}
_DIM = ("\x1b[2m", "\x1b[22m")
QUOTE_BAR = "│ "


def to_terminal(text: str, *, styled: bool) -> str:
    """Telegram HTML as terminal text: ANSI styles when `styled`, else plain."""
    out: list[str] = []
    links: list[tuple[str, int]] = []
    quote_start: list[int] = []
    position = 0
    for match in _TAG.finditer(text):
        out.append(html.unescape(text[position : match.start()]))
        position = match.end()
        closing, name = match.group(1) == "/", match.group(2).lower()
        if name == "br":
            out.append("\n")
        elif name == "a":
            _link(out, links, match.group(3), closing=closing, styled=styled)
        elif name == "blockquote":
            _quote(out, quote_start, closing=closing)
        elif styled and name in _STYLES:
            out.append(_STYLES[name][closing])
    out.append(html.unescape(text[position:]))
    return "".join(out)


def _link(
    out: list[str], links: list[tuple[str, int]], attributes: str, *, closing: bool, styled: bool
) -> None:
    """Open: remember the address and where the text starts; close: add the address after it."""
    if not closing:
        found = _HREF.search(attributes)
        href = html.unescape(next(g for g in found.groups() if g is not None)) if found else ""
        links.append((href, len(out)))
        return
    href, start = links.pop() if links else ("", len(out))
    shown = "".join(out[start:])
    del out[start:]
    if not href or shown.strip() == href:
        out.append(shown)
        return
    dim_on, dim_off = _DIM if styled else ("", "")
    out.append(f"{shown} {dim_on}<{href}>{dim_off}")


def _quote(out: list[str], starts: list[int], *, closing: bool) -> None:
    """Put a bar before each line of a quote."""
    if not closing:
        starts.append(len(out))
        return
    start = starts.pop() if starts else 0
    quoted = "".join(out[start:])
    del out[start:]
    out.append("\n".join(QUOTE_BAR + line for line in quoted.split("\n")))


def keyboard_lines(markup: Any, first: int = 1) -> tuple[list[str], list[str]]:
    """Lines showing an inline keyboard's buttons numbered from `first`, and each one's data.

    URL buttons are shown with their address and get no number (a terminal cannot open them).
    """
    rows: Sequence[Sequence[dict[str, Any]]] = (
        markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    )
    lines: list[str] = []
    data: list[str] = []
    for row in rows:
        cells = []
        for button in row:
            if "callback_data" in button:
                data.append(str(button["callback_data"]))
                cells.append(f"[{first + len(data) - 1}] {button.get('text', '')}")
            elif "url" in button:
                cells.append(f"{button.get('text', '')} <{button['url']}>")
        if cells:
            lines.append("   ".join(cells))
    return lines, data
