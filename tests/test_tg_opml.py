"""OPML: /export then /import round-trips subscriptions; hostile files are refused politely."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from bot.config import Settings
from bot.errors import OPMLError
from bot.model import Subscription
from bot.service.opml import MAX_OPML_BYTES, export_opml, parse_opml
from tests.fakes import FakeTelegram
from tests.feedserver import FakeSite, Story
from tests.tg_app import USER, answer_to, ask, subscriber_bot
from tests.tg_harness import store_of

OTHER_USER = 2002


async def test_export_then_import_round_trips_subscriptions_between_chats(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    site = FakeSite(httpserver)
    for name in ("north", "south"):
        site.publish(name, Story(f"{name}-1", f"{name} story"))
    sources = [{"id": "north", "name": "North Daily", "url": site.feed_url("north")}]
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path, sources=sources) as app:
        await ask(tg, USER, "/subscribe north")
        await ask(tg, USER, f"/subscribe {site.feed_url('south')}")
        exported = await ask(tg, USER, "/export")
        assert exported.method == "sendDocument"
        [upload] = exported.uploads
        assert upload.filename == "newsbot-subscriptions.opml"
        assert b"North Daily" in upload.content

        imported = await answer_to(
            tg, OTHER_USER, lambda: tg.send_document(OTHER_USER, upload.content, upload.filename)
        )
        assert "Imported: <b>2</b> new" in imported.text
        mine = {s.feed_url for s in await store_of(app).list_subscriptions(USER)}
        theirs = {s.feed_url for s in await store_of(app).list_subscriptions(OTHER_USER)}
        assert theirs == mine
        assert len(theirs) == 2

        file_message = tg.send_document(OTHER_USER, upload.content, "again.txt")
        again = await answer_to(
            tg, OTHER_USER, lambda: tg.send_message(OTHER_USER, "/import", reply_to=file_message)
        )
        assert "Imported: <b>0</b> new" in again.text
        assert "Already followed: 2" in again.text


async def test_a_hostile_opml_file_is_refused_with_a_reason(tmp_path: Path) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>'
        b"<opml><body><outline xmlUrl='http://x/&lol;'/></body></opml>"
    )
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path):
        answer = await answer_to(tg, USER, lambda: tg.send_document(USER, bomb, "evil.opml"))
        assert "declares a DTD or entities" in answer.text


def test_parse_opml_takes_http_feeds_in_order_and_skips_the_rest() -> None:
    document = b"""<?xml version="1.0" encoding="utf-8"?>
    <opml version="2.0"><head><title>x</title></head><body>
      <outline text="Group"><outline text="A" xmlUrl="https://a.example/feed"/></outline>
      <outline text="B" title="Bee" xmlUrl="http://b.example/rss"/>
      <outline text="dup" xmlUrl="https://a.example/feed"/>
      <outline text="js" xmlUrl="javascript:alert(1)"/>
      <outline text="file" xmlUrl="file:///etc/passwd"/>
    </body></opml>"""
    feeds = parse_opml(document)
    assert [(f.url, f.title) for f in feeds] == [
        ("https://a.example/feed", "A"),
        ("http://b.example/rss", "Bee"),
    ]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"x" * (MAX_OPML_BYTES + 1), "larger than"),
        (b"<opml><body><outline", "not well-formed"),
        (b"<rss><channel/></rss>", "not OPML"),
        (b"<opml><body><outline text='none'/></body></opml>", r"no http\(s\) feeds"),
        ("<opml/>".encode("utf-16"), "must be UTF-8"),
        (b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><opml/>', "DTD"),
    ],
)
def test_parse_opml_refuses_bad_files_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(OPMLError, match=reason):
        parse_opml(data)


def test_export_is_valid_opml_that_parses_back() -> None:
    subscriptions = [
        Subscription(1, 1, "https://a.example/feed", "A & B <news>"),
        Subscription(1, 2, "https://c.example/rss", None),
    ]
    document = export_opml(subscriptions, Settings(), "mine")
    assert [(f.url, f.title) for f in parse_opml(document)] == [
        ("https://a.example/feed", "A & B <news>"),
        ("https://c.example/rss", "https://c.example/rss"),
    ]


async def test_an_import_stops_at_the_subscription_cap_and_reports_unusable_feeds(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    site = FakeSite(httpserver)
    for name in ("east", "west", "south"):
        site.publish(name, Story(f"{name}-1", f"{name} story"))
    httpserver.expect_request("/not-a-feed").respond_with_data(
        "<p>hi</p>", content_type="text/html"
    )
    urls = [httpserver.url_for("/not-a-feed"), site.feed_url("east"), site.feed_url("west")]
    outlines = "".join(
        f'<outline text="x" xmlUrl="{url}"/>' for url in [*urls, site.feed_url("south")]
    )
    document = f"<opml version='2.0'><body>{outlines}</body></opml>".encode()
    async with (
        FakeTelegram() as tg,
        subscriber_bot(tg, tmp_path, limits={"max_subscriptions_per_chat": 3}) as app,
    ):
        report = await answer_to(tg, USER, lambda: tg.send_document(USER, document, "feeds.opml"))
        assert "Imported: <b>2</b> new" in report.text
        assert "Skipped, over this chat's limit: 1" in report.text
        assert "Could not add 1:" in report.text
        assert "not-a-feed" in report.text
        followed = {s.feed_url for s in await store_of(app).list_subscriptions(USER)}
        assert followed == {site.feed_url("east"), site.feed_url("west")}


async def test_importing_a_site_whose_feed_the_chat_follows_counts_as_already_followed(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    site = FakeSite(httpserver)
    site.publish("east", Story("east-1", "east story"))
    httpserver.expect_request("/east-site").respond_with_data(
        '<html><head><link rel="alternate" type="application/rss+xml" '
        f'href="{site.feed_url("east")}"></head><body>East</body></html>',
        content_type="text/html",
    )
    document = (
        f"<opml version='2.0'><body><outline text='x' xmlUrl='{httpserver.url_for('/east-site')}'/>"
        "</body></opml>"
    ).encode()
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path) as app:
        await ask(tg, USER, f"/subscribe {site.feed_url('east')}")

        report = await answer_to(tg, USER, lambda: tg.send_document(USER, document, "site.opml"))

        assert "Imported: <b>0</b> new" in report.text
        assert "Already followed: 1" in report.text
        followed = [s.feed_url for s in await store_of(app).list_subscriptions(USER)]
        assert followed == [site.feed_url("east")]
