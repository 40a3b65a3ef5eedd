"""/settings by arguments and by buttons, and /stop forgetting the chat, over the real bot."""

from __future__ import annotations

from pathlib import Path

from pytest_httpserver import HTTPServer

from bot.model import ChatSettings
from tests.fakes import FakeTelegram
from tests.tg_app import USER, ask, city_news, subscriber_bot
from tests.tg_harness import store_of


async def test_settings_change_by_arguments_and_buttons(tmp_path: Path) -> None:
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path) as app:
        shown = await ask(tg, USER, "/settings")
        assert "Key points per post: <b>4</b>" in shown.text
        digest = await ask(tg, USER, "/settings digest 7:30")
        assert "a daily digest at 07:30 (UTC)" in digest.text
        zone = await ask(tg, USER, "/settings tz Europe/Berlin")
        assert "07:30 (Europe/Berlin)" in zone.text

        tg.press_button(tg.last_message(USER), "set:points:3")
        await tg.wait_for(lambda c: c.method == "editMessageText" and "<b>3</b>" in c.text)
        tg.press_button(tg.last_message(USER), "set:mode:instant")
        await tg.wait_for(lambda c: c.method == "editMessageText" and "as soon as" in c.text)
        chat = await store_of(app).get_chat(USER)
        assert chat is not None
        assert chat.settings == ChatSettings(
            points=3, delivery_mode="instant", digest_time="07:30", timezone="Europe/Berlin"
        )


async def test_stop_unsubscribes_everything_and_forgets_the_chat(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    _site, sources = city_news(httpserver)
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path, sources=sources) as app:
        await ask(tg, USER, "/subscribe city")
        await ask(tg, USER, "/settings points 2")
        bye = await ask(tg, USER, "/stop")
        assert "unsubscribed this chat from everything" in bye.text
        assert await store_of(app).list_subscriptions(USER) == []
        assert await store_of(app).get_chat(USER) is None


async def test_private_addresses_are_refused_for_user_urls_but_catalogue_sources_work(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    site, sources = city_news(httpserver)
    async with (
        FakeTelegram() as tg,
        subscriber_bot(
            tg, tmp_path, sources=sources, fetch={"allow_private_networks": False, "retries": 0}
        ),
    ):
        before = len(httpserver.log)
        refused = await ask(tg, USER, f"/subscribe {site.feed_url('city')}x")
        assert "only public http(s) sites are allowed" in refused.text
        summary = await ask(tg, USER, f"/summarize {site.page_url('park')}")
        assert "only public http(s) sites are allowed" in summary.text
        assert len(httpserver.log) == before
        assert "Following <b>City News</b>" in (await ask(tg, USER, "/subscribe city")).text
