"""The operator's CLI without Telegram, on a fresh SQLite database: `subscribe` creates the chat,
then `subscriptions`, `export-opml`, `import-opml`, `poll` and `unsubscribe` work for it;
`channels sync` installs the config's routes without starting the bot."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_httpserver import HTTPServer

from bot.cli import main
from bot.service.opml import parse_opml
from tests.tg_harness import sqlite_store

CHAT = 4711
CHANNEL = -1001234
FEED = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
    "<item><title>First story</title><link>{link}</link><guid>1</guid></item></channel></rss>"
)


@pytest.fixture(autouse=True)
def no_outside_config(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NEWSBOT_CONFIG", "NEWSBOT_DATABASE_URL", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(logging.getLogger("werkzeug"), "level", logging.WARNING)


@pytest.fixture
def feeds(httpserver: HTTPServer) -> dict[str, str]:
    urls = {}
    for name in ("city", "extra"):
        link = httpserver.url_for(f"/{name}/story")
        httpserver.expect_request(f"/{name}.xml").respond_with_data(
            FEED.format(title=f"{name} feed", link=link), content_type="application/rss+xml"
        )
        urls[name] = httpserver.url_for(f"/{name}.xml")
    return urls


def write_config(folder: Path, feeds: dict[str, str], **extra: Any) -> str:
    raw = {
        "database": {"url": f"sqlite+aiosqlite:///{folder / 'bot.db'}"},
        "fetch": {"allow_private_networks": True, "retries": 0},
        "logging": {"level": "WARNING"},
        "sources": [{"id": "city", "name": "City News", "url": feeds["city"]}],
        **extra,
    }
    path = folder / "newsbot.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_subscribe_creates_the_chat_and_the_other_commands_then_work_for_it(
    feeds: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, feeds)
    chat = ["--chat", str(CHAT), "--config", config]

    code, out, err = run(capsys, "subscribe", *chat, "city")
    assert code == 0, err
    assert out.splitlines() == [
        f"chat {CHAT} created (private)",
        f"chat {CHAT} now follows City News ({feeds['city']})",
    ]
    code, out, _ = run(capsys, "subscribe", *chat, "city")
    assert out.splitlines() == [f"chat {CHAT} already follows City News ({feeds['city']})"]

    code, out, _ = run(capsys, "subscriptions", *chat)
    assert (code, out) == (0, f"1. City News — {feeds['city']}\n")

    opml = tmp_path / "more.opml"
    opml.write_text(
        f'<opml version="2.0"><body><outline type="rss" xmlUrl="{feeds["extra"]}"/></body></opml>'
    )
    code, _, err = run(capsys, "import-opml", str(opml), *chat)
    assert code == 0, err
    code, out, err = run(capsys, "export-opml", *chat)
    assert code == 0, err
    assert [f.url for f in parse_opml(out.encode())] == [feeds["city"], feeds["extra"]]

    code, out, _ = run(capsys, "poll", "--once", "--no-deliver", "--config", config)
    assert out.startswith("2 feeds polled, 0 new items, 0 failures;")

    code, out, _ = run(capsys, "unsubscribe", *chat, "city", "1")
    assert code == 0
    assert out.splitlines() == [
        f"chat {CHAT} no longer follows City News",
        f"chat {CHAT} no longer follows extra feed",
    ]
    code, out, _ = run(capsys, "subscriptions", *chat)
    assert out == f"chat {CHAT} (private) follows nothing yet\n"


def test_a_negative_id_makes_a_group_and_kind_can_be_given(
    feeds: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, feeds)
    _, out, _ = run(capsys, "subscribe", "--chat", "-1005", "--config", config, "city")
    assert out.startswith("chat -1005 created (group)")
    _, out, _ = run(capsys, "subscribe", "--chat", "-1002003004005", "--config", config, "city")
    assert out.startswith("chat -1002003004005 created (supergroup)")
    _, out, _ = run(
        capsys, "subscribe", "--chat", "-1009", "--kind", "channel", "--config", config, "city"
    )
    assert out.startswith("chat -1009 created (channel)")


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["subscribe", "--chat", "7", "nosuch"], "“nosuch” is not a source id or a link"),
        (["unsubscribe", "--chat", "7", "city"], "chat 7 is unknown to the bot"),
        (["subscriptions", "--chat", "7"], "chat 7 is unknown to the bot"),
        (["channels", "sync"], "the config has no channels: section"),
    ],
)
def test_errors_are_one_line(
    argv: list[str],
    error: str,
    feeds: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, *argv, "--config", write_config(tmp_path, feeds))
    assert code == 1
    assert err.startswith(f"newsbot: error: {error}")
    assert err.count("\n") == 1


def test_channels_sync_installs_routes_without_telegram_and_poll_then_follows_them(
    feeds: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    channels = [
        {"chat": CHANNEL, "sources": ["city"], "points": 3, "hashtags": True},
        {"chat": "@by_name", "sources": ["city"]},
    ]
    config = write_config(tmp_path, feeds, channels=channels)

    code, out, _ = run(capsys, "channels", "sync", "--config", config)
    assert code == 3
    assert out.splitlines() == [
        f"{CHANNEL}: 1 route(s) installed",
        "skipped @by_name: a @username needs TELEGRAM_BOT_TOKEN to look up; "
        "or write the channel's numeric id",
    ]

    async def routes() -> list[tuple[int, int, bool]]:
        async with sqlite_store(tmp_path, "bot.db") as store:
            return [
                (r.chat_id, r.options.points, r.options.hashtags) for r in await store.list_routes()
            ]

    assert asyncio.run(routes()) == [(CHANNEL, 3, True)]
    code, out, _ = run(capsys, "channels", "list", "--config", config)
    assert out == f"{CHANNEL} ← city\n"
    run(capsys, "channels", "sync", "--config", config)
    assert asyncio.run(routes()) == [(CHANNEL, 3, True)], "a second sync changes nothing"

    code, out, _ = run(capsys, "poll", "--once", "--no-deliver", "--config", config)
    assert out.startswith("1 feeds polled,")
