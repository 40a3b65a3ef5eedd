"""`newsbot try` shows Telegram HTML the way a terminal can: styles, links, quotes, buttons."""

from __future__ import annotations

import pytest

from bot.offline.terminal import QUOTE_BAR, keyboard_lines, to_terminal

POST = (
    "<b>Bridge &amp; tide</b>\n\n• One <i>point</i>\n• Two\n\n"
    '<a href="https://example.org/a?b=1&amp;c=2">Coastal Herald</a> · '
    '<a href="https://example.org/">https://example.org/</a>'
)


def test_piped_output_is_plain_text_with_links_spelled_out() -> None:
    assert to_terminal(POST, styled=False) == (
        "Bridge & tide\n\n• One point\n• Two\n\n"
        "Coastal Herald <https://example.org/a?b=1&c=2> · https://example.org/"
    )


def test_a_terminal_gets_ansi_bold_and_italic_and_dimmed_addresses() -> None:
    shown = to_terminal(POST, styled=True)
    assert shown.startswith("\x1b[1mBridge & tide\x1b[22m")
    assert "\x1b[3mpoint\x1b[23m" in shown
    assert "Coastal Herald \x1b[2m<https://example.org/a?b=1&c=2>\x1b[22m" in shown


@pytest.mark.parametrize(
    ("html", "shown"),
    [
        ("<blockquote>first\nsecond</blockquote>", f"{QUOTE_BAR}first\n{QUOTE_BAR}second"),
        ("a<br>b", "a\nb"),
        ("<code>x &lt; y</code>", "x < y"),
        ('<a href="https://e.org"><b>Bold link</b></a>', "Bold link <https://e.org>"),
        ("<tg-spoiler>secret</tg-spoiler>", "secret"),
        ("no markup, 5 &gt; 3", "no markup, 5 > 3"),
    ],
)
def test_other_markup(html: str, shown: str) -> None:
    assert to_terminal(html, styled=False) == shown


def test_buttons_are_numbered_across_rows_and_url_buttons_are_shown_unnumbered() -> None:
    markup = {
        "inline_keyboard": [
            [{"text": "➕ A", "callback_data": "a"}, {"text": "➕ B", "callback_data": "b"}],
            [{"text": "Site", "url": "https://e.org"}, {"text": "Next", "callback_data": "n"}],
        ]
    }
    lines, data = keyboard_lines(markup)
    assert lines == ["[1] ➕ A   [2] ➕ B", "Site <https://e.org>   [3] Next"]
    assert data == ["a", "b", "n"]
    assert keyboard_lines(None) == ([], [])
