"""A broadcast Telegram would refuse is refused before anything is sent; a broadcast whose every
send failed exits non-zero and says why."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from bot.text.telegram_html import html_problem
from tests.fakes.telegram_api import FakeTelegram
from tests.test_cli_broadcast import CHATS, environment, seed, write_config

__all__ = ["environment"]  # the autouse fixture, imported for pytest


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<b>unclosed", "<b> is never closed"),
        ("<b><i>x</b></i>", "</b> does not close the open tag (expected </i>)"),
        ("Tom & Jerry", "a literal & must be written &amp;"),
        ("1 < 2", "a literal < must be written &lt;"),
        ("<div>x</div>", "<div> is not a tag Telegram supports"),
        ("&nbsp;", "&nbsp; is not an entity Telegram knows (use &lt; &gt; &amp; &quot;)"),
        ("x" * 4097, "the text is 4097 characters long; Telegram takes at most 4096"),
    ],
)
def test_html_telegram_refuses_is_named(text: str, problem: str) -> None:
    assert html_problem(text) == problem


@pytest.mark.parametrize(
    "text",
    [
        '<b>Bold</b> &amp; <a href="https://e.org/?a=1&amp;b=2">link</a> a > b',
        '<pre><code class="language-python">x &lt; 1</code></pre> &#128512;',
        '<blockquote expandable>q</blockquote> <span class="tg-spoiler">s</span>',
        "&lt;" * 4096,
    ],
)
def test_html_telegram_accepts_passes(text: str) -> None:
    assert html_problem(text) is None


def test_broken_html_is_refused_before_anything_is_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(seed(tmp_path))
    with FakeTelegram().in_thread() as tg:
        config = write_config(tg, tmp_path)
        code = main(["broadcast", "<b>unclosed", "--yes", "--config", str(config)])
        sends = tg.calls_to("sendMessage")
    assert code == 1
    assert sends == []
    assert capsys.readouterr().err == (
        "newsbot: error: the message is not valid Telegram HTML: <b> is never closed\n"
    )


def test_a_broadcast_whose_every_send_failed_exits_non_zero_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(seed(tmp_path))
    with FakeTelegram().in_thread() as tg:
        tg.fail(400, "Bad Request: message is too long", method="sendMessage")
        config = write_config(tg, tmp_path)
        code = main(["broadcast", "Hello", "--yes", "--config", str(config)])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == f"broadcast #1 done: 0 sent, 0 blocked, {len(CHATS)} failed, 0 remaining\n"
    assert err.splitlines()[-1] == (
        "newsbot: error: broadcast #1: every send failed; the last: Message is too long"
    )
