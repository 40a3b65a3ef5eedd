"""Acceptance (issue 11): a 30 KB run of dots in a followed feed's entry stalls nobody.

The real Application long-polls the fake Bot API while the poll job summarises the entry; another
user's /help must still be answered within 3 s, and the feed keeps delivering later entries.
"""

from __future__ import annotations

import time
from pathlib import Path

from pytest_httpserver import HTTPServer

from tests.fakes.telegram_api import FakeTelegram
from tests.feedserver import FakeSite, Story
from tests.tg_app import ask
from tests.tg_harness import bot_config, eventually, running_bot, store_of

READER = 5101
OTHER = 5102
# The acceptance bound for another chat's answer while the hostile entry is processed.
ANSWER_WITHIN = 3.0


async def test_a_run_of_dots_in_a_feed_entry_stalls_no_chat_and_the_feed_goes_on(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    site = FakeSite(httpserver)
    site.publish("dots", Story("old", "Old news nobody needs again"))
    url = site.feed_url("dots")
    sources = [{"id": "dots", "name": "Dots News", "url": url, "poll_interval": 5}]
    async with (
        FakeTelegram() as tg,
        running_bot(bot_config(tg, tmp_path, sources=sources)) as app,
    ):
        store = store_of(app)
        await ask(tg, READER, "/subscribe dots")
        feed = await eventually(lambda: store.get_feed_by_url(url), bool, timeout=20)
        assert feed is not None
        await eventually(lambda: store.latest_items([feed.id], 5), bool, timeout=20)

        dots = "Wait" + "." * 30_000 + "what"
        site.publish("dots", Story("dots", "A story with a very long pause", topic=dots))

        async def dots_page_fetched() -> bool:
            return any(request.path == "/news/dots.html" for request, _ in httpserver.log)

        await eventually(dots_page_fetched, bool, timeout=30)
        started = time.monotonic()
        answer = await ask(tg, OTHER, "/help")
        elapsed = time.monotonic() - started

        site.publish("dots", Story("later", "Council opens the harbour bridge", "bridge"))
        later = await tg.wait_for(
            lambda c: (
                c.method == "sendMessage"
                and c.ok
                and c.chat_id == READER
                and "harbour bridge" in c.text
            ),
            timeout=30,
        )
    assert "/subscribe" in answer.text
    assert elapsed < ANSWER_WITHIN, f"/help took {elapsed:.1f} s"
    assert later
