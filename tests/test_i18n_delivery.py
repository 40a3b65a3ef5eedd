"""Posts carry their reader's labels: a Ukrainian subscriber's post says "Джерело", a channel
route with `lang=` overrides the channel's own language, digests too; key points stay in the
article's language."""

from __future__ import annotations

from pathlib import Path

from pytest_httpserver import HTTPServer

from bot.i18n import translator
from bot.model import ChatSettings, RouteOptions
from bot.service.poll import ALERT_AFTER_FAILURES
from tests.feedserver import Story
from tests.test_delivery import CHANNEL, subscribe, world

UKRAINIAN, ENGLISH, GERMAN = 201, 202, 203


async def test_each_subscriber_and_route_gets_the_labels_of_its_language(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    async with world(tmp_path, httpserver) as w:
        w.site.publish("city", Story("old", "Old news"))
        url = w.site.feed_url("city")
        feed_id = await subscribe(w.store, UKRAINIAN, url)
        await subscribe(w.store, ENGLISH, url)
        await subscribe(w.store, GERMAN, url)
        await w.store.upsert_chat(UKRAINIAN, "private", language="uk")
        await w.store.upsert_chat(GERMAN, "private", language="de")
        # The channel itself is German, but its route asks for French labels.
        await w.store.upsert_chat(CHANNEL, "channel", language="de")
        await w.store.add_routes(CHANNEL, [feed_id], RouteOptions(language="fr"))
        assert (await w.store.list_routes(CHANNEL))[0].options.language == "fr"
        await w.poll(url)  # the back catalogue is recorded, not sent

        w.site.publish("city", Story("bridge", "Bridge reopens after repairs"))
        await w.poll(url)
        await w.deliverer.deliver_pending()
        [ukrainian] = w.tg.sent(UKRAINIAN)
        [english] = w.tg.sent(ENGLISH)
        [german] = w.tg.sent(GERMAN)
        [channel] = w.tg.sent(CHANNEL)
    assert "\nДжерело: " in ukrainian.text
    assert "\nSource: " in english.text
    assert "\nQuelle: " in german.text
    assert "\nSource\u00a0: " in channel.text
    # The headline and key points are the article's own (English) words in every chat.
    for post in (ukrainian, english, german, channel):
        assert post.text.startswith("<b>Bridge reopens after repairs</b>")
        assert "The council approved the new transport plan" in post.text


async def test_a_ukrainian_digest_is_labelled_in_ukrainian(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    async with world(tmp_path, httpserver) as w:
        w.site.publish("city", Story("old", "Old news"))
        url = w.site.feed_url("city")
        await subscribe(w.store, UKRAINIAN, url)
        await w.store.upsert_chat(UKRAINIAN, "private", language="uk")
        digest = ChatSettings(delivery_mode="digest", digest_time="08:00", timezone="UTC")
        await w.store.update_chat_settings(UKRAINIAN, digest)
        await w.poll(url)
        w.site.publish("city", Story("bridge", "Bridge reopens after repairs"))
        w.site.publish("city", Story("tram", "Tram line extended", topic="tram"))
        await w.poll(url)
        chat = await w.store.get_chat(UKRAINIAN)
        assert chat is not None
        assert await w.deliverer.send_digest(chat) == 1
        [sent] = w.tg.sent(UKRAINIAN)
    assert sent.text.count("Джерело: ") == 2
    assert "Source: " not in sent.text


async def test_an_operator_alert_is_composed_in_english_and_shown_in_the_operators_language(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    async with world(tmp_path, httpserver) as w:
        url, _ = await w.city_feed(701)
        w.site.broken.add("city")
        for _ in range(ALERT_AFTER_FAILURES):
            await w.poll(url)
        [alert] = w.alerts
    assert f"({url}) is failing after {ALERT_AFTER_FAILURES} failed polls: " in alert
    ukrainian = translator("uk").text(alert)
    assert ukrainian.startswith("Стрічка ")
    assert f"({url}) дає збої: невдалих опитувань поспіль — {ALERT_AFTER_FAILURES}." in ukrainian
    assert "server error 500" in ukrainian  # the error itself is quoted as it came
