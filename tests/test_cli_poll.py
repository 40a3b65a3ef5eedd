"""`newsbot poll --once`: real Poller, real SQLite, feeds on pytest-httpserver, fake Telegram."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from pytest_httpserver import HTTPServer

from bot.cli import main
from bot.model import FeedState, Summary
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegram
from tests.tg_harness import sends_per_chat, sqlite_store

CHAT = 7001
NEW_TITLES = ("Bridge reopens after repairs", "Library extends opening hours")


def rss(titles: tuple[str, ...]) -> str:
    items = "".join(
        f"<item><title>{t}</title><guid>id-{n}</guid>"
        f"<description>{t}. The council said the work was finished on time and on budget, "
        f"and residents welcomed the news on {t.split()[0].lower()}.</description></item>"
        for n, t in enumerate(titles)
    )
    channel = f"<channel><title>Town</title>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'


@pytest.fixture(autouse=True)
def no_outside_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSBOT_CONFIG", raising=False)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("NEWSBOT_DATABASE_URL", raising=False)
    # pytest-httpserver's werkzeug logs every request at INFO; stderr is the command's here.
    monkeypatch.setattr(logging.getLogger("werkzeug"), "level", logging.WARNING)


def write_config(tmp_path: Path, telegram_url: str | None = None) -> Path:
    raw: dict[str, object] = {
        "database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"},
        "fetch": {"allow_private_networks": True, "retries": 0},
        "logging": {"level": "WARNING"},
    }
    if telegram_url is not None:
        raw["telegram"] = {"base_url": telegram_url, "global_rate": 100, "per_chat_interval": 0}
    path = tmp_path / "newsbot.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


async def seed(tmp_path: Path, urls: list[str]) -> None:
    """A private chat following `urls`, each feed polled before (so new entries are news)."""
    earlier = datetime.now(UTC) - timedelta(hours=1)
    async with sqlite_store(tmp_path, "bot.db") as store:
        await store.upsert_chat(CHAT, "private")
        for url in urls:
            feed = await store.get_or_create_feed(url, title="Town")
            item = await store.add_item(feed.id, f"earlier:{url}", now=earlier)
            assert item is not None
            await store.set_item_summary(item.id, Summary("An earlier story", (), "Town"))
            await store.save_feed_state(feed.id, FeedState(next_poll_at=earlier))
            await store.subscribe(CHAT, feed.id)


async def pending(tmp_path: Path) -> int:
    async with sqlite_store(tmp_path, "bot.db") as store:
        return len(await store.pending_deliveries(CHAT))


@pytest.fixture
def feeds(httpserver: HTTPServer, tmp_path: Path) -> list[str]:
    """One good feed with two new entries and one that answers 500."""
    httpserver.expect_request("/town.xml").respond_with_data(
        rss(NEW_TITLES), content_type="application/rss+xml"
    )
    httpserver.expect_request("/broken.xml").respond_with_data("down", status=500)
    urls = [httpserver.url_for("/town.xml"), httpserver.url_for("/broken.xml")]
    asyncio.run(seed(tmp_path, urls))
    return urls


def test_poll_once_polls_every_due_feed_with_plain_progress_and_delivers_the_news(
    feeds: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with FakeTelegram().in_thread() as tg:
        config = write_config(tmp_path, tg.base_url)
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", DEFAULT_TOKEN)

        assert main(["poll", "--once", "--config", str(config)]) == 0

        out, err = capsys.readouterr()
        assert out == (
            "2 feeds polled, 2 new items, 1 failures; 2 posts sent, 0 failed, 0 to retry, "
            "0 skipped\n"
        )
        lines = err.splitlines()
        assert "\r" not in err
        # One plain line per feed (in whichever order they finish), then the final line.
        assert [line.split(" (")[0] for line in lines[:2]] == [
            "polling feeds: 1/2",
            "polling feeds: 2/2",
        ], err
        assert sorted(line.split("%) ", 1)[1] for line in lines[:2]) == [
            f"failed: {feeds[1]}",
            feeds[0],
        ]
        assert lines[2].startswith("polling feeds: done, 2/2 (100%) in ")
        assert len(lines) == 3, err
        texts = " ".join(call.text for call in tg.sent(CHAT))
        assert all(title in texts for title in NEW_TITLES)
        assert sends_per_chat(tg) == {CHAT: 2}
    assert asyncio.run(pending(tmp_path)) == 0


@pytest.mark.parametrize(
    ("flags", "token", "why"),
    [
        (["--no-deliver"], DEFAULT_TOKEN, "delivery skipped (--no-deliver)"),
        ([], None, "delivery skipped (no TELEGRAM_BOT_TOKEN): posts stay queued"),
    ],
)
def test_poll_once_without_delivery_leaves_the_new_posts_queued(
    flags: list[str],
    token: str | None,
    why: str,
    feeds: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if token:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    # The Telegram base URL points nowhere: nothing may try to reach it.
    config = write_config(tmp_path, "http://127.0.0.1:9/bot")

    assert main(["poll", "--once", *flags, "--config", str(config)]) == 0

    assert capsys.readouterr().out == f"2 feeds polled, 2 new items, 1 failures; {why}\n"
    assert asyncio.run(pending(tmp_path)) == 2


def test_a_second_poll_finds_nothing_due(
    feeds: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(write_config(tmp_path))
    assert main(["poll", "--once", "--no-deliver", "--config", config]) == 0
    capsys.readouterr()

    assert main(["poll", "--once", "--no-deliver", "--config", config]) == 0

    out, err = capsys.readouterr()
    assert (
        out
        == (
            "0 feeds polled, 0 new items, 0 failures; delivery skipped (--no-deliver)\n"
            "nothing was due: 2 followed feed(s), all polled recently; the next is due at "
        )
        + out.rsplit("the next is due at ", 1)[1]
    )
    assert out.endswith(" UTC\n")
    assert err.splitlines()[-1].startswith("polling feeds: done, 0 in ")


def test_on_a_terminal_poll_draws_a_bar(feeds: list[str], tmp_path: Path) -> None:
    """The real command in a child process whose stderr is a pseudo-terminal."""
    config = write_config(tmp_path)
    master, slave = os.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NEWSBOT_CONFIG", "TELEGRAM_BOT_TOKEN")}
    child = subprocess.run(
        [sys.executable, "-m", "bot", "poll", "--once", "--no-deliver", "--config", str(config)],
        stderr=slave,
        stdout=subprocess.PIPE,
        env=env,
        timeout=60,
        check=False,
    )
    os.close(slave)
    written = b""
    while chunk := _read_available(master):
        written += chunk
    os.close(master)
    screen = written.decode()
    assert child.returncode == 0, screen
    assert "\rpolling feeds [" in screen
    assert "##############################] 2/2 (100%)" in screen
    assert "polling feeds: done, 2/2 (100%)" in screen
    assert child.stdout.decode().startswith("2 feeds polled, 2 new items, 1 failures;")


def _read_available(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # EIO: the child closed the terminal and everything was read
        return b""


def test_a_missing_config_file_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.yaml"

    assert main(["poll", "--once", "--config", str(missing)]) == 1

    err = capsys.readouterr().err
    assert err == f"newsbot: error: {missing}: file not found\n"


def test_on_a_fresh_database_poll_says_nothing_is_followed_yet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(write_config(tmp_path))
    assert main(["poll", "--once", "--no-deliver", "--config", config]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "0 feeds polled, 0 new items, 0 failures; delivery skipped (--no-deliver)"
    assert out[1].startswith("nothing was due: no chat follows any feed yet (")
