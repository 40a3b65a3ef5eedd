"""Reading now over the real bot: a bare link gets a summary, /latest shows the newest posts."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pytest_httpserver import HTTPServer

from tests.fakes import FakeTelegram
from tests.fakes.openai_api import FakeOpenAI, json_reply
from tests.feedserver import Story
from tests.llm_fixtures import BRIDGE_TEXT, BRIDGE_TITLE, GOOD_ANSWER
from tests.tg_app import USER, answers, ask, city_news, subscriber_bot
from tests.tg_harness import eventually, store_of

GROUP = -100500


async def test_a_bare_link_in_a_private_chat_gets_a_summary(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    site, _ = city_news(httpserver, Story("tram", "New tram line opens downtown", topic="tram"))
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path):
        answer = await ask(tg, USER, f"Look at this {site.page_url('tram')} please")
        assert answer.ok
        assert answer.text.startswith("<b>New tram line opens downtown</b>")
        assert answer.text.count("• ") >= 2
        assert "City News" in answer.text
        assert answer.params["parse_mode"] == "HTML"
        again = await ask(tg, USER, f"/summarize {site.page_url('tram')}")
        assert again.text == answer.text


async def test_links_in_groups_are_not_summarised_unless_asked(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    site, _ = city_news(httpserver, Story("tram", "New tram line opens downtown", topic="tram"))
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path):
        tg.send_message(GROUP, f"see {site.page_url('tram')}", user_id=USER)
        await asyncio.sleep(0.5)
        assert answers(tg, GROUP) == []
        asked = await ask(tg, GROUP, f"/summarize {site.page_url('tram')}", user_id=USER)
        assert "New tram line" in asked.text


async def test_latest_fetches_a_source_now_and_respects_the_count(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    site, sources = city_news(
        httpserver, Story("a", "Alpha story"), Story("b", "Beta story"), Story("c", "Gamma story")
    )
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path, sources=sources) as app:
        answer = await ask(tg, USER, "/latest city 2")
        assert answer.text.startswith("<b>Gamma story</b>")
        assert "Beta story" in answer.text
        assert "Alpha story" not in answer.text

        await ask(tg, USER, "/subscribe city")
        store = store_of(app)

        async def stored() -> int:
            feed = await store.get_feed_by_url(site.feed_url("city"))
            return len(await store.latest_items([feed.id], 3)) if feed else 0

        await eventually(stored, lambda n: n == 3, timeout=15)  # the first poll's baseline
        everything = await ask(tg, USER, "/latest 3")
        assert everything.text.index("Gamma story") < everything.text.index("Alpha story")


async def test_latest_in_a_chat_following_nothing_shows_the_catalogues_newest(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """A newcomer's first /latest shows what the catalogue offers instead of a dead end."""
    _site, sources = city_news(httpserver, Story("a", "Alpha story"), Story("b", "Beta story"))
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path, sources=sources) as app:
        answer = await ask(tg, USER, "/latest 1")
        assert answer.text.startswith("<b>Beta story</b>")
        assert "Alpha story" not in answer.text
        assert await store_of(app).list_subscriptions(USER) == []


async def test_latest_with_no_subscriptions_and_no_catalogue_says_so(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path):
        answer = await ask(tg, USER, "/latest")
        assert "follows nothing yet" in answer.text


async def test_with_the_llm_backend_a_link_is_summarised_by_the_model(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    page = "".join(f"<p>{p}</p>" for p in BRIDGE_TEXT.split("\n\n"))
    httpserver.expect_request("/bridge").respond_with_data(
        f"<html><head><title>{BRIDGE_TITLE}</title></head><body><article>"
        f"<h1>{BRIDGE_TITLE}</h1>{page}</article></body></html>",
        content_type="text/html",
    )
    async with FakeOpenAI(default=json_reply(GOOD_ANSWER)) as llm, FakeTelegram() as tg:
        summarizer = {"backend": "llm", "llm": {"base_url": llm.base_url, "api_key_env": None}}
        async with subscriber_bot(tg, tmp_path, summarizer=summarizer):
            answer = await ask(tg, USER, httpserver.url_for("/bridge"))
        assert answer.text.startswith("<b>Riverton approves Mill River bridge</b>")
        assert "14.5 million dollars" in answer.text
        assert len(llm.requests) == 1
