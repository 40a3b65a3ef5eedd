"""`newsbot try`: the real bot in a terminal, scripted through standard input, no Telegram."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def try_bot(script: str, *options: str) -> subprocess.CompletedProcess[str]:
    """Run `newsbot try` in a fresh process with `script` piped to it."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "try", *options],
        input=script,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )


def test_a_scripted_chat_shows_help_catalogue_and_summarised_posts() -> None:
    done = try_bot("/start\n/help\n/sources\n/latest 2\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "you: /help" in out
    assert "/subscribe" in out.split("you: /help", 1)[1]
    catalogue = out.split("you: /sources", 1)[1].split("you: /latest", 1)[0]
    for name in ("Valley Courier", "Science Notes", "Open Source Weekly"):
        assert name in catalogue
    assert "<b>" not in out, "HTML is rendered, not shown"
    assert "&amp;" not in out
    posts = out.split("you: /latest 2", 1)[1].split("•••")
    assert len(posts) == 2
    for post in posts:
        assert len(re.findall(r"^\s+• ", post, re.MULTILINE)) >= 2
        assert "Source: " in post


def test_a_number_presses_the_button_and_the_chat_follows_the_source() -> None:
    done = try_bot("/start\n1\n/list\n")
    assert done.returncode == 0, done.stderr
    listing = done.stdout.split("you: /list", 1)[1]
    assert "1. Valley Courier" in listing
    assert "[1] ✅ Valley Courier" in done.stdout


def test_in_a_group_the_owner_subscribes_the_group() -> None:
    done = try_bot("/subscribe science-notes\n/list\n", "--chat-type", "group")
    assert done.returncode == 0, done.stderr
    assert "(group mode" in done.stdout
    assert "1. Science Notes" in done.stdout.split("you: /list", 1)[1]


def test_with_a_channel_the_owner_routes_a_source_to_it() -> None:
    done = try_bot(
        "/channel add @newsbot_try_channel valley-courier\n/channel list\n",
        "--chat-type",
        "channel",
    )
    assert done.returncode == 0, done.stderr
    assert "newsbot try channel now receives valley-courier" in done.stdout
    assert "newsbot try channel ← valley-courier" in done.stdout.split("you: /channel list", 1)[1]
