"""Soak: `newsbot run` for ten minutes with 5% injected failures on every side.

Feeds answer 500, malformed XML or too slowly 5% of the time, article pages fail 5% of the
time, and the fake Bot API answers 429, 500 or too slowly (a client timeout) to 5% of sends.
New stories keep arriving. At the end the bot process is still alive, its resident memory grew
less than 20 MB after warm-up, and every story reached every subscriber (sent in the ledger and
seen by Telegram). Run with `pytest -m soak` (NEWSBOT_SOAK_SECONDS shortens it while iterating).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import sqlite3
import subprocess
import sys
import time
from html import escape
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegram, TelegramError
from tests.feedserver import BODY
from tests.tg_harness import ADMIN, add_private_chats, sqlite_store

FEEDS = 10
CHATS = list(range(7001, 7031))
FAILURE_RATE = 0.05
WARM_UP = 90.0
RSS_GROWTH_LIMIT_MB = 20.0
STORY_EVERY = 15.0
SLOW_SECONDS = 3.0


class FlakyNews:
    """Feeds and pages on pytest-httpserver; 5% of answers fail in one of several ways."""

    def __init__(self, server: HTTPServer, rng: random.Random) -> None:
        self.server = server
        self.rng = rng
        self.stories: dict[int, list[int]] = {f: [0] for f in range(FEEDS)}
        server.expect_request(re.compile(r"^/feeds/\d+\.xml$")).respond_with_handler(self._feed)
        server.expect_request(re.compile(r"^/news/\d+-\d+\.html$")).respond_with_handler(self._page)

    def url(self, feed: int) -> str:
        return self.server.url_for(f"/feeds/{feed}.xml")

    @staticmethod
    def title(feed: int, n: int) -> str:
        return f"Feed {feed} story {n}: the council's plan number {feed * 1000 + n}"

    def _trouble(self) -> Response | None:
        if self.rng.random() >= FAILURE_RATE:
            return None
        kind = self.rng.choice(["500", "malformed", "slow"])
        if kind == "500":
            return Response("trouble", status=500)
        if kind == "malformed":
            return Response("<rss><channel><item><title>broken", content_type="application/rss+xml")
        time.sleep(SLOW_SECONDS)
        return Response("late", status=503)

    def _feed(self, request: Request) -> Response:
        if (trouble := self._trouble()) is not None:
            return trouble
        feed = int(request.path.rsplit("/", 1)[1].split(".")[0])
        items = "".join(
            f"<item><title>{escape(self.title(feed, n))}</title>"
            f"<link>{self.server.url_for(f'/news/{feed}-{n}.html')}</link>"
            f"<guid>f{feed}-s{n}</guid><description>{escape(BODY.format(topic='soak'))}"
            "</description></item>"
            for n in reversed(self.stories[feed])
        )
        xml = (
            "<?xml version='1.0'?><rss version='2.0'><channel>"
            f"<title>Feed {feed}</title>{items}</channel></rss>"
        )
        return Response(xml, content_type="application/rss+xml")

    def _page(self, request: Request) -> Response:
        if (trouble := self._trouble()) is not None:
            return trouble
        feed, n = (int(x) for x in request.path.rsplit("/", 1)[1].split(".")[0].split("-"))
        title = escape(self.title(feed, n))
        body = BODY.format(topic=f"soak {n}")
        return Response(
            f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"<p>{body}</p></article></body></html>",
            content_type="text/html",
        )


class FlakyTelegram(FakeTelegram):
    """5% of sends answered 429, 500 or too late for the client's read timeout."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self.rng = rng

    async def _call(self, method: str, params: Any, uploads: Any) -> Any:
        if method == "sendMessage" and self.rng.random() < FAILURE_RATE:
            kind = self.rng.choice(["429", "500", "timeout"])
            if kind == "429":
                raise TelegramError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
            if kind == "500":
                raise TelegramError(500, "Internal Server Error")
            await asyncio.sleep(8)
        return await super()._call(method, params, uploads)


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def ledger(database: Path) -> dict[tuple[int, str], tuple[str, int | None]]:
    """(chat, story title) → (delivery state, Telegram message id)."""
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT d.chat_id, i.title, d.state, d.message_id FROM deliveries d "
            "JOIN items i ON i.id = d.item_id"
        ).fetchall()
    return {(chat, title): (state, message) for chat, title, state, message in rows}


def pending(database: Path) -> int:
    with sqlite3.connect(database) as db:
        (count,) = db.execute("SELECT count(*) FROM deliveries WHERE state = 'pending'").fetchone()
    return int(count)


def polled_feeds(database: Path) -> int:
    with sqlite3.connect(database) as db:
        (count,) = db.execute(
            "SELECT count(*) FROM feeds WHERE next_poll_at IS NOT NULL"
        ).fetchone()
    return int(count)


@pytest.mark.soak
async def test_ten_minutes_of_injected_failures_lose_nothing_and_leak_nothing(
    tmp_path: Path,
) -> None:
    duration = float(os.environ.get("NEWSBOT_SOAK_SECONDS", "600"))
    rng = random.Random(7)
    httpserver = HTTPServer(threaded=True)
    httpserver.start()
    news = FlakyNews(httpserver, rng)
    database = tmp_path / "bot.db"
    subscriptions: dict[int, list[int]] = {c: rng.sample(range(FEEDS), 3) for c in CHATS}
    async with sqlite_store(tmp_path, "bot.db") as store:
        await add_private_chats(store, CHATS)
        feed_ids = [
            (await store.get_or_create_feed(news.url(f), f"Feed {f}", f"f{f}")).id
            for f in range(FEEDS)
        ]
        for chat, feeds in subscriptions.items():
            for f in feeds:
                await store.subscribe(chat, feed_ids[f])
    tg = FlakyTelegram(rng)
    async with tg:
        config_path = tmp_path / "newsbot.yaml"
        config_path.write_text(
            yaml.safe_dump(
                {
                    "telegram": {"base_url": tg.base_url, "base_file_url": tg.base_file_url},
                    "admins": [ADMIN],
                    "sources": [
                        {"id": f"f{f}", "name": f"Feed {f}", "url": news.url(f), "poll_interval": 5}
                        for f in range(FEEDS)
                    ],
                    "database": {"url": f"sqlite+aiosqlite:///{database}"},
                    "fetch": {
                        "allow_private_networks": True,
                        "read_timeout": 1.0,
                        "total_timeout": 2.0,
                        "retries": 0,
                    },
                    "data_dir": str(tmp_path),
                }
            )
        )
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN}
        log = (tmp_path / "bot.log").open("wb")
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config_path)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while polled_feeds(database) < FEEDS and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
            started = time.monotonic()
            baseline_rss: float | None = None
            peak_rss = 0.0
            published: list[tuple[int, int]] = []
            next_story = started
            while (now := time.monotonic()) < started + duration:
                assert bot.poll() is None, "the bot process died"
                if now >= next_story:
                    for f in range(FEEDS):
                        n = len(news.stories[f])
                        news.stories[f].append(n)
                        published.append((f, n))
                    next_story = now + STORY_EVERY
                if baseline_rss is None and now - started >= min(WARM_UP, duration / 3):
                    baseline_rss = rss_mb(bot.pid)
                peak_rss = max(peak_rss, rss_mb(bot.pid))
                await asyncio.sleep(1)
            final_rss = rss_mb(bot.pid)
            deadline = time.monotonic() + 300
            expected = {
                (chat, news.title(f, n))
                for f, n in published
                for chat, feeds in subscriptions.items()
                if f in feeds
            }
            while time.monotonic() < deadline:
                rows = ledger(database)
                if expected <= rows.keys() and pending(database) == 0:
                    break
                await asyncio.sleep(2)
            assert bot.poll() is None, "the bot process died"
        finally:
            bot.terminate()
            bot.wait(30)
            log.close()
            httpserver.stop()

    rows = ledger(database)
    missing = expected - rows.keys()
    assert not missing, f"{len(missing)} deliveries never queued, e.g. {sorted(missing)[:3]}"
    not_sent = {k: rows[k] for k in expected if rows[k][0] != "sent"}
    assert not not_sent, f"{len(not_sent)} deliveries not sent, e.g. {list(not_sent.items())[:3]}"
    accepted = {(c.chat_id, c.result["message_id"]) for c in tg.sent()}
    unseen = [k for k in expected if (k[0], rows[k][1]) not in accepted]
    assert not unseen, f"{len(unseen)} posts Telegram never accepted, e.g. {unseen[:3]}"
    assert baseline_rss is not None
    assert final_rss - baseline_rss < RSS_GROWTH_LIMIT_MB, (baseline_rss, final_rss, peak_rss)
    print(
        f"soak: {len(expected)} deliveries, RSS {baseline_rss:.0f} → {final_rss:.0f} MB "
        f"(peak {peak_rss:.0f}), bot exit {bot.returncode}"
    )
    assert bot.returncode == 0
