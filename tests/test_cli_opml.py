"""`newsbot import-opml` / `export-opml`: the /import service from the shell, real SQLite, real
HTTP on pytest-httpserver (URL safety and feed discovery included)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
import yaml
from pytest_httpserver import HTTPServer

from bot.cli import main
from bot.service.opml import parse_opml
from tests.tg_harness import sqlite_store

CHAT = 4711
FEED = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
    "<item><title>First story</title><guid>1</guid></item></channel></rss>"
)
SITE = (
    '<html><head><title>B site</title><link rel="alternate" type="application/rss+xml" '
    'href="/b.xml"></head><body>News</body></html>'
)


@pytest.fixture(autouse=True)
def no_outside_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSBOT_CONFIG", raising=False)
    monkeypatch.delenv("NEWSBOT_DATABASE_URL", raising=False)
    # pytest-httpserver's werkzeug logs every request at INFO; stderr is the command's here.
    monkeypatch.setattr(logging.getLogger("werkzeug"), "level", logging.WARNING)


def write_config(folder: Path, *, private_ok: bool = True, cap: int = 50) -> str:
    raw = {
        "database": {"url": f"sqlite+aiosqlite:///{folder / 'bot.db'}"},
        "fetch": {"allow_private_networks": private_ok, "retries": 0},
        "limits": {"max_subscriptions_per_chat": cap},
        "logging": {"level": "WARNING"},
    }
    path = folder / "newsbot.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return str(path)


def write_opml(folder: Path, urls: list[str]) -> str:
    outlines = "".join(
        f'<outline type="rss" text="f{n}" xmlUrl="{u}"/>' for n, u in enumerate(urls)
    )
    path = folder / "feeds.opml"
    path.write_text(f'<opml version="2.0"><body>{outlines}</body></opml>', encoding="utf-8")
    return str(path)


async def add_chat(folder: Path) -> None:
    async with sqlite_store(folder, "bot.db") as store:
        await store.upsert_chat(CHAT, "private", title="Ann")


async def followed(folder: Path) -> list[str]:
    async with sqlite_store(folder, "bot.db") as store:
        return [s.feed_url for s in await store.list_subscriptions(CHAT)]


@pytest.fixture
def site(httpserver: HTTPServer) -> dict[str, str]:
    """A feed, a site that links to its feed, and a URL that is gone."""
    for name in ("a", "b"):
        httpserver.expect_request(f"/{name}.xml").respond_with_data(
            FEED.format(title=f"Feed {name.upper()}"), content_type="application/rss+xml"
        )
    httpserver.expect_request("/site").respond_with_data(SITE, content_type="text/html")
    httpserver.expect_request("/gone.xml").respond_with_data("gone", status=404)
    return {
        name: httpserver.url_for(path)
        for name, path in (
            ("a", "/a.xml"),
            ("b", "/b.xml"),
            ("site", "/site"),
            ("gone", "/gone.xml"),
        )
    }


def test_import_subscribes_the_chat_with_plain_progress_and_discovers_site_feeds(
    site: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(add_chat(tmp_path))
    config = write_config(tmp_path)
    opml = write_opml(tmp_path, [site["a"], site["site"], site["gone"]])

    assert main(["import-opml", opml, "--chat", str(CHAT), "--config", config]) == 3

    out, err = capsys.readouterr()
    assert out == f"chat {CHAT}: 2 added, 0 already followed, 1 failed, 0 over the limit\n"
    lines = err.splitlines()
    assert lines[:3] == [
        f"importing feeds: 1/3 (33%) added: {site['a']}",
        f"importing feeds: 2/3 (67%) added: {site['site']}",
        f"importing feeds: 3/3 (100%) not added: {site['gone']}",
    ]
    assert lines[3].startswith("importing feeds: done, 3/3 (100%) in ")
    assert lines[4] == f"not added: {site['gone']}: HTTP 404"
    assert asyncio.run(followed(tmp_path)) == [site["a"], site["b"]]

    # Importing the same file again subscribes nothing twice: the feed and the site, whose
    # discovered feed the chat already follows, are both "already followed".
    assert main(["import-opml", opml, "--chat", str(CHAT), "--config", config]) == 3
    out, err = capsys.readouterr()
    assert out == f"chat {CHAT}: 0 added, 2 already followed, 1 failed, 0 over the limit\n"
    assert err.splitlines()[:3] == [
        f"importing feeds: 1/3 (33%) already: {site['a']}",
        f"importing feeds: 2/3 (67%) already: {site['site']}",
        f"importing feeds: 3/3 (100%) not added: {site['gone']}",
    ]
    assert sorted(asyncio.run(followed(tmp_path))) == sorted([site["a"], site["b"]])


def test_import_keeps_to_the_subscription_cap(
    site: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(add_chat(tmp_path))
    config = write_config(tmp_path, cap=1)
    opml = write_opml(tmp_path, [site["a"], site["b"]])

    assert main(["import-opml", opml, "--chat", str(CHAT), "--config", config]) == 0

    assert capsys.readouterr().out == (
        f"chat {CHAT}: 1 added, 0 already followed, 0 failed, 1 over the limit\n"
    )
    assert asyncio.run(followed(tmp_path)) == [site["a"]]


def test_import_applies_url_safety_to_every_feed(
    site: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the default config a loopback feed is refused, as Telegram's /import refuses it."""
    asyncio.run(add_chat(tmp_path))
    config = write_config(tmp_path, private_ok=False)
    opml = write_opml(tmp_path, [site["a"]])

    assert main(["import-opml", opml, "--chat", str(CHAT), "--config", config]) == 3

    out, err = capsys.readouterr()
    assert out == f"chat {CHAT}: 0 added, 0 already followed, 1 failed, 0 over the limit\n"
    assert f"not added: refused {site['a']}: localhost is a loopback name\n" in err
    assert asyncio.run(followed(tmp_path)) == []


def test_export_writes_the_chats_subscriptions_as_opml_that_imports_back(
    site: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(add_chat(tmp_path))
    config = write_config(tmp_path)
    opml = write_opml(tmp_path, [site["a"], site["site"]])
    assert main(["import-opml", opml, "--chat", str(CHAT), "--config", config]) == 0
    capsys.readouterr()

    assert main(["export-opml", "--chat", str(CHAT), "--config", config]) == 0

    out, err = capsys.readouterr()
    assert [f.url for f in parse_opml(out.encode())] == [site["a"], site["b"]]
    assert "<title>newsbot subscriptions of Ann</title>" in out
    assert err == f"chat {CHAT}: exported 2 feeds\n"
    target = tmp_path / "out.opml"
    assert (
        main(["export-opml", "--chat", str(CHAT), "--output", str(target), "--config", config]) == 0
    )
    assert [f.url for f in parse_opml(target.read_bytes())] == [site["a"], site["b"]]


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (
            ["import-opml", "{tmp}/missing.opml", "--chat", "4711"],
            "{tmp}/missing.opml: file not found",
        ),
        (
            ["import-opml", "{opml}", "--chat", "999"],
            "chat 999 is unknown to the bot: it must start the bot (or add it) first",
        ),
        (
            ["import-opml", "{tmp}/newsbot.yaml", "--chat", "4711"],
            "the file is not well-formed XML",
        ),
        (
            ["export-opml", "--chat", "999"],
            "chat 999 is unknown to the bot: it must start the bot (or add it) first",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_1(
    argv: list[str],
    error: str,
    site: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    asyncio.run(add_chat(tmp_path))
    config = write_config(tmp_path)
    opml = write_opml(tmp_path, [site["a"]])
    args = [a.format(tmp=tmp_path, opml=opml) for a in argv]

    assert main([*args, "--config", config]) == 1

    err = capsys.readouterr().err
    assert err.startswith(f"newsbot: error: {error.format(tmp=tmp_path)}")
    assert err.count("\n") == 1
    assert asyncio.run(followed(tmp_path)) == []
