"""A subscriber's first minutes with the real bot over HTTP: /start, /sources, buttons, /list."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pytest_httpserver import HTTPServer

from bot.tg.texts import split_lines
from tests.fakes import FakeTelegram
from tests.feedserver import FakeSite, Story
from tests.tg_app import USER, ask, subscriber_bot
from tests.tg_harness import store_of


def catalogue(site: FakeSite, count: int) -> list[dict[str, object]]:
    """`count` catalogue sources, each with one story."""
    for i in range(count):
        site.publish(f"feed{i}", Story(f"story-{i}", f"Story {i}"))
    return [
        {"id": f"src{i}", "name": f"Source {i}", "url": site.feed_url(f"feed{i}")}
        for i in range(count)
    ]


async def test_new_user_starts_browses_sources_and_subscribes_with_a_button(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    sources = catalogue(FakeSite(httpserver), 10)
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path, sources=sources) as app:
        welcome = await ask(tg, USER, "/start")
        assert "key points" in welcome.text
        buttons = welcome.params["reply_markup"]["inline_keyboard"]
        assert [b["text"] for b in buttons[0]] == ["➕ Source 0", "➕ Source 1"]

        page = await ask(tg, USER, "/sources")
        assert "page 1 of 2" in page.text
        assert "Source 7" in page.text
        assert "Source 8" not in page.text
        message = tg.last_message(USER)
        toggle = message["reply_markup"]["inline_keyboard"][2][0]
        assert toggle["text"] == "➕ Source 2"

        tg.press_button(message, toggle["callback_data"])
        [edit] = await tg.wait_for(lambda c: c.method == "editMessageText" and c.ok)
        assert "✅ <b>Source 2</b>" in edit.text
        [answer] = await tg.wait_for(lambda c: c.method == "answerCallbackQuery")
        assert answer.params["text"] == "Following Source 2"

        subscriptions = await store_of(app).list_subscriptions(USER)
        assert [s.source_id for s in subscriptions] == ["src2"]
        listing = await ask(tg, USER, "/list")
        assert "1. <b>Source 2</b>" in listing.text

        tg.press_button(tg.last_message(USER), "src:p:1")
        await tg.wait_for(lambda c: c.method == "editMessageText" and "page 2 of 2" in c.text)


async def test_the_same_button_pressed_again_unsubscribes(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    sources = catalogue(FakeSite(httpserver), 1)
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path, sources=sources) as app:
        await ask(tg, USER, "/start")
        welcome = tg.last_message(USER)
        tg.press_button(welcome, tg.button_data(welcome))
        await tg.wait_for(lambda c: c.method == "answerCallbackQuery")
        tg.press_button(welcome, tg.button_data(welcome))
        answers = await tg.wait_for(lambda c: c.method == "answerCallbackQuery", count=2)
        assert answers[1].params["text"] == "Stopped following Source 0"
        assert await store_of(app).list_subscriptions(USER) == []
        markup = tg.last_message(USER)["reply_markup"]["inline_keyboard"]
        assert markup[0][0]["text"] == "➕ Source 0"


async def test_a_long_list_is_split_into_messages_telegram_accepts(tmp_path: Path) -> None:
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path) as app:
        store = store_of(app)
        await store.upsert_chat(USER, "private")
        for i in range(50):
            feed = await store.get_or_create_feed(
                f"https://feeds.example/{'section/' * 8}{i}.xml", f"A rather long feed title {i}"
            )
            await store.subscribe(USER, feed.id)
        first = await ask(tg, USER, "/list")
        await asyncio.sleep(0.3)
        parts = [c for c in tg.calls_for(USER) if c.method == "sendMessage"]
        assert first.ok
        assert len(parts) >= 2
        assert all(c.ok for c in parts), [c.description for c in parts]
        listing = "\n".join(c.text for c in parts)
        assert "This chat follows 50" in listing
        assert "50. <b>A rather long feed title 49</b>" in listing


def test_split_lines_cuts_only_at_line_breaks_within_the_limit() -> None:
    lines = [f"<b>line {i}</b> " + "x" * 90 for i in range(100)]
    parts = split_lines("\n".join(lines), limit=1000)
    assert all(len(part) <= 1000 for part in parts)
    assert "\n".join(parts).split("\n") == lines


async def test_an_old_button_follows_its_source_after_the_catalogue_is_reordered(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """Buttons name the source, not its place in the list, so reordering cannot misfire."""
    sources = catalogue(FakeSite(httpserver), 2)
    async with FakeTelegram() as tg:
        async with subscriber_bot(tg, tmp_path, sources=sources):
            await ask(tg, USER, "/start")
            welcome = tg.last_message(USER)
        first_button = tg.button_data(welcome)  # "Source 0", first in the old catalogue
        async with subscriber_bot(tg, tmp_path, sources=sources[::-1]) as app:
            tg.press_button(welcome, first_button)
            [answer] = await tg.wait_for(lambda c: c.method == "answerCallbackQuery")
            assert answer.params["text"] == "Following Source 0"
            [followed] = await store_of(app).list_subscriptions(USER)
            assert followed.feed_url == sources[0]["url"]
