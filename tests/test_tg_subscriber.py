"""A subscriber's first minutes with the real bot over HTTP: /start, /sources, buttons, /list."""

from __future__ import annotations

from pathlib import Path

from pytest_httpserver import HTTPServer

from tests.fakes import FakeTelegram
from tests.tg_app import USER, ask, rss, running_bot, services_in


def catalogue(httpserver: HTTPServer, count: int = 3) -> list[dict[str, object]]:
    for i in range(count):
        httpserver.expect_request(f"/feed{i}.xml").respond_with_data(
            rss(f"Feed {i}", []), content_type="application/rss+xml"
        )
    return [
        {"id": f"src{i}", "name": f"Source {i}", "url": httpserver.url_for(f"/feed{i}.xml")}
        for i in range(count)
    ]


async def test_new_user_starts_browses_sources_and_subscribes_with_a_button(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    async with (
        FakeTelegram() as tg,
        running_bot(tg, tmp_path, sources=catalogue(httpserver, 10)) as app,
    ):
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

        subscriptions = await services_in(app).store.list_subscriptions(USER)
        assert [s.source_id for s in subscriptions] == ["src2"]
        listing = await ask(tg, USER, "/list")
        assert "1. <b>Source 2</b>" in listing.text

        tg.press_button(tg.last_message(USER), "src:p:1")
        await tg.wait_for(lambda c: c.method == "editMessageText" and "page 2 of 2" in c.text)
