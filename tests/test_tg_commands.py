"""Every command answers bad input with a short, friendly reply, over the real bot and HTTP."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pytest_httpserver import HTTPServer

from tests.fakes import FakeTelegram
from tests.feedserver import FakeSite, Story
from tests.tg_app import USER, answers, ask, city_news, subscriber_bot


async def test_each_command_with_bad_arguments_gets_a_helpful_reply(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    _site, sources = city_news(httpserver, Story("bridge", "Bridge reopens"))
    httpserver.expect_request("/plain.html").respond_with_data(
        "<html><head><title>No feeds</title></head><body><p>Hi</p></body></html>",
        content_type="text/html",
    )
    httpserver.expect_request("/image.png").respond_with_data(b"\x89PNG", content_type="image/png")
    httpserver.expect_request("/gone.html").respond_with_data("gone", status=404)
    missing = httpserver.url_for("/gone.html")
    table = [
        ("/subscribe", "Usage: /subscribe"),
        ("/subscribe a b", "Usage: /subscribe"),
        ("/subscribe nosuchsource", "is not a source id or a link"),
        ("/subscribe ftp://example.org/feed", "only public http(s) sites"),
        (f"/subscribe {httpserver.url_for('/plain.html')}", "No feed found"),
        ("/unsubscribe", "Usage: /unsubscribe"),
        ("/unsubscribe city", "does not follow “city”"),
        ("/filter", "Usage: /filter"),
        ("/filter city +tram", "does not follow “city”"),
        ("/latest a b c", "Usage: /latest"),
        ("/latest 99", "between 1 and 10"),
        ("/summarize", "Usage: /summarize"),
        ("/summarize notalink", "is not a link"),
        (f"/summarize {missing}", "answered with an error (404)"),
        (f"/summarize {httpserver.url_for('/image.png')}", "not a web page or a feed"),
        ("/settings points", "Usage: /settings"),
        ("/settings points 99", "Points must be a number from 1 to 8"),
        ("/settings tz Mars/Olympus", "is not a time zone name"),
        ("/settings digest 25:00", "HH:MM"),
        ("/settings colour red", "Unknown setting “colour”"),
        ("/list extra", "takes no arguments"),
        ("/export", "follows nothing yet"),
        ("/import", "Send me an .opml file"),
        ("/frobnicate", "I don't know /frobnicate"),
        ("/stop now", "takes no arguments"),
    ]
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path, sources=sources):
        for command, expected in table:
            answer = await ask(tg, USER, command)
            assert answer.ok, (command, answer.description)
            assert expected in answer.text, (command, answer.text)
            assert len(answer.text) < 300, (command, answer.text)
            # Usage lines are HTML the user sees rendered, never as escaped tags.
            assert "&lt;" not in answer.text, (command, answer.text)
        # What the user typed is quoted escaped, so it cannot inject markup.
        quoted = await ask(tg, USER, "/subscribe <i>x</i>")
        assert "“&lt;i&gt;x&lt;/i&gt;” is not a source id or a link" in quoted.text
        usage = await ask(tg, USER, "/subscribe")
        assert "Usage: /subscribe <i>source id | feed URL | site URL</i>" in usage.text


async def test_too_many_subscriptions_are_refused_with_the_cap(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    site = FakeSite(httpserver)
    sources = []
    for name in ("one", "two", "three"):
        site.publish(name, Story(f"{name}-story", f"Story {name}"))
        sources.append({"id": name, "name": name.title(), "url": site.feed_url(name)})
    async with (
        FakeTelegram() as tg,
        subscriber_bot(tg, tmp_path, sources=sources, limits={"max_subscriptions_per_chat": 2}),
    ):
        assert "Following <b>One</b>" in (await ask(tg, USER, "/subscribe one")).text
        assert "Following <b>Two</b>" in (await ask(tg, USER, "/subscribe two")).text
        refused = await ask(tg, USER, "/subscribe three")
        assert "already follows 2 feeds" in refused.text
        again = await ask(tg, USER, "/subscribe one")
        assert "You already follow <b>One</b>" in again.text


async def test_commands_addressed_to_this_bot_work_and_to_other_bots_are_ignored(
    tmp_path: Path,
) -> None:
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path):
        answer = await ask(tg, USER, "/help@newsbot_test_bot")
        assert "/subscribe" in answer.text
        tg.send_message(USER, "/help@some_other_bot")
        tg.send_message(USER, "/frobnicate@some_other_bot")
        await asyncio.sleep(0.5)
        assert len(answers(tg, USER)) == 1
        assert "I don't know" in (await ask(tg, USER, "/nope@newsbot_test_bot")).text


async def test_subscribe_by_site_url_discovers_the_feed_and_filter_and_unsubscribe_work(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    site = FakeSite(httpserver)
    site.publish("harbour", Story("pier", "Pier repaired"))
    httpserver.expect_request("/home").respond_with_data(
        "<html><head><title>Harbour</title>"
        f'<link rel="alternate" type="application/rss+xml" href="{site.feed_url("harbour")}">'
        "</head><body>Welcome</body></html>",
        content_type="text/html",
    )
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path):
        added = await ask(tg, USER, f"/subscribe {httpserver.url_for('/home')}")
        assert "Following <b>Harbour News</b>" in added.text
        listing = await ask(tg, USER, "/list")
        assert site.feed_url("harbour") in listing.text
        changed = await ask(tg, USER, "/filter 1 +pier -storm")
        assert "+pier -storm" in changed.text
        assert "filter: +pier -storm" in (await ask(tg, USER, "/list")).text
        assert "none" in (await ask(tg, USER, "/filter 1 off")).text
        gone = await ask(tg, USER, f"/unsubscribe {site.feed_url('harbour')}")
        assert "Stopped following <b>Harbour News</b>" in gone.text
        assert "follows nothing yet" in (await ask(tg, USER, "/list")).text
