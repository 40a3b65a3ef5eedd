"""Hostile or odd input in Telegram gets a friendly answer, never an unhandled error: forged
button data, bad time zones, over-long replies, channel buttons pressed by viewers, and
/import failures explained like /subscribe explains them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from bot.model import FeedState
from bot.tg.commands import source_token
from bot.tg.texts import STALE_BUTTON
from tests.fakes import FakeTelegram
from tests.tg_app import USER, answer_to, ask, city_news, subscriber_bot
from tests.tg_harness import ADMIN, store_of

CHANNEL = -1009990001
VIEWER = 7070


def alerts(tg: FakeTelegram) -> list[str]:
    return [str(c.params.get("text")) for c in tg.calls_to("answerCallbackQuery")]


@pytest.mark.parametrize(
    ("data", "user"),
    [
        ("set:", USER),
        ("set:points", USER),
        ("src:p:abc", USER),
        ("src:t", USER),
        ("src:", USER),
        ("src:zz:1:2", USER),
        ("bc:x", ADMIN),
        ("bc:", ADMIN),
    ],
)
async def test_forged_button_data_gets_a_short_alert(
    tmp_path: Path, httpserver: HTTPServer, data: str, user: int
) -> None:
    _, sources = city_news(httpserver)
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path, sources=sources):
        shown = await ask(tg, user, "/settings")
        tg.press_button(shown.result, data, user_id=user)
        await tg.wait_for(lambda c: c.method == "answerCallbackQuery")
    assert alerts(tg) == [STALE_BUTTON]


@pytest.mark.parametrize("zone", ["Europe", "x" * 10_000, "Europe/", "../etc"])
async def test_a_bad_time_zone_is_refused_politely(tmp_path: Path, zone: str) -> None:
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path):
        answer = await ask(tg, USER, f"/settings tz {zone}")
    assert answer.ok
    assert "is not a time zone name such as Europe/Berlin" in answer.text
    assert len(answer.text) < 200


async def test_health_with_long_titles_and_errors_is_split_into_messages_telegram_takes(
    tmp_path: Path,
) -> None:
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path) as app:
        store = store_of(app)
        for number in range(20):
            feed = await store.get_or_create_feed(
                f"https://feeds.example/{number}", title="T" * 3000
            )
            await store.save_feed_state(
                feed.id, FeedState(consecutive_failures=5, last_error="E" * 5000)
            )
        await answer_to(tg, ADMIN, lambda: tg.send_message(ADMIN, "/health"))
        await tg.wait_for(lambda c: c.chat_id == ADMIN and c.method == "sendMessage", count=2)
        replies = [c for c in tg.calls_for(ADMIN) if c.method == "sendMessage"]
    assert all(c.ok for c in replies), [c.error for c in replies]
    assert "Health" in replies[0].text


async def test_subscribing_to_a_feed_with_a_huge_title_answers(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    items = "<item><title>One</title><link>https://e.org/1</link></item>"
    feed = f'<rss version="2.0"><channel><title>{"Long " * 2000}</title>{items}</channel></rss>'
    httpserver.expect_request("/huge.xml").respond_with_data(feed, content_type="text/xml")
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path):
        answer = await ask(tg, USER, f"/subscribe {httpserver.url_for('/huge.xml')}")
    assert answer.ok, answer.error
    assert "Following" in answer.text


async def test_a_channel_viewer_cannot_toggle_its_sources(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    _, sources = city_news(httpserver)
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path, sources=sources) as app:
        tg.add_chat({"id": CHANNEL, "type": "channel", "title": "News", "username": "newsch"})
        tg.set_member(CHANNEL, VIEWER, "member")
        post = {
            "message_id": 1,
            "date": 0,
            "chat": tg.chat(CHANNEL),
            "sender_chat": tg.chat(CHANNEL),
            "text": "Sources",
        }
        tg.press_button(post, f"src:s:{source_token('city')}", user_id=VIEWER)
        await tg.wait_for(lambda c: c.method == "answerCallbackQuery")
        followed = await store_of(app).list_subscriptions(CHANNEL)
    assert followed == []
    assert "admins" in alerts(tg)[0]


async def test_import_explains_failures_like_subscribe_without_resolver_details(
    tmp_path: Path,
) -> None:
    urls = ["http://intranet.invalid/feed.xml", "http://127.0.0.1:9/feed.xml"]
    outlines = "".join(f'<outline text="x" xmlUrl="{url}"/>' for url in urls)
    document = f"<opml version='2.0'><body>{outlines}</body></opml>".encode()
    fetch = {"allow_private_networks": False, "retries": 0}
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path, fetch=fetch):
        report = await answer_to(tg, USER, lambda: tg.send_document(USER, document, "f.opml"))
        refused = await ask(tg, USER, f"/subscribe {urls[1]}")
    assert "Could not add 2:" in report.text
    assert "cannot resolve" not in report.text
    assert "loopback" not in report.text
    assert refused.text.removeprefix("⚠️ ") in report.text
