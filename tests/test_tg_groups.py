"""In groups only the group's admins change what the group follows (checked with getChatMember)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pytest_httpserver import HTTPServer

from tests.fakes import FakeTelegram
from tests.tg_app import answer_to, ask, city_news, subscriber_bot
from tests.tg_harness import eventually, store_of

GROUP = -100777
ADMIN_USER = 31
MEMBER = 32


async def test_group_non_admin_is_refused_and_admin_may_subscribe(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    _site, sources = city_news(httpserver)
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path, sources=sources) as app:
        tg.add_chat({"id": GROUP, "type": "supergroup", "title": "Neighbours"})
        tg.set_member(GROUP, ADMIN_USER, "administrator")
        tg.set_member(GROUP, MEMBER, "member")

        refused = await ask(tg, GROUP, "/subscribe city", user_id=MEMBER)
        assert "Only this group's admins" in refused.text
        assert await store_of(app).list_subscriptions(GROUP) == []

        accepted = await ask(tg, GROUP, "/subscribe city", user_id=ADMIN_USER)
        assert "Following <b>City News</b>" in accepted.text
        listing = await ask(tg, GROUP, "/list", user_id=MEMBER)
        assert "City News" in listing.text

        await ask(tg, GROUP, "/sources", user_id=MEMBER)
        catalogue = tg.last_message(GROUP)
        tg.press_button(catalogue, tg.button_data(catalogue), user_id=MEMBER)
        [alert] = await tg.wait_for(lambda c: c.method == "answerCallbackQuery")
        assert alert.params["show_alert"] is True
        assert "Only this group's admins" in alert.params["text"]
        assert len(await store_of(app).list_subscriptions(GROUP)) == 1

        stop = await ask(tg, GROUP, "/stop", user_id=MEMBER)
        assert "Only this group's admins" in stop.text
        checks = tg.calls_to("getChatMember", GROUP)
        assert {c.params["user_id"] for c in checks} == {ADMIN_USER, MEMBER}
        chat = await store_of(app).get_chat(GROUP)
        assert chat is not None
        assert chat.kind == "supergroup"


async def test_a_group_upgraded_to_a_supergroup_keeps_its_subscriptions(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    _site, sources = city_news(httpserver)
    old_group, new_group = -4321, -1004321
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path, sources=sources) as app:
        tg.set_member(old_group, ADMIN_USER, "creator")
        await ask(tg, old_group, "/subscribe city", user_id=ADMIN_USER)
        tg.send_message(
            old_group, None, user_id=ADMIN_USER, extra={"migrate_to_chat_id": new_group}
        )
        store = store_of(app)
        moved = await eventually(
            lambda: store.list_subscriptions(new_group), lambda found: len(found) == 1
        )
        assert moved[0].source_id == "city"
        assert await store.get_chat(old_group) is None


async def test_unknown_commands_in_groups_are_answered_only_when_addressed_to_the_bot(
    tmp_path: Path,
) -> None:
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path):
        tg.send_message(GROUP, "/otherbots_command", user_id=MEMBER)
        answer = await ask(tg, GROUP, "/nope@newsbot_test_bot", user_id=MEMBER)
        assert "I don't know /nope" in answer.text
        await asyncio.sleep(0.3)  # updates run concurrently: give a wrong answer time to show
        assert len([c for c in tg.calls_for(GROUP) if c.method == "sendMessage"]) == 1


async def test_subscribing_inside_a_forum_topic_keeps_the_topic(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    _site, sources = city_news(httpserver)
    forum = -100888
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path, sources=sources) as app:
        tg.add_chat({"id": forum, "type": "supergroup", "title": "Forum", "is_forum": True})
        tg.set_member(forum, ADMIN_USER, "administrator")
        topic = {"message_thread_id": 77, "is_topic_message": True}
        answer = await answer_to(
            tg,
            forum,
            lambda: tg.send_message(forum, "/subscribe city", user_id=ADMIN_USER, extra=topic),
        )
        assert "Following <b>City News</b>" in answer.text
        assert answer.params["message_thread_id"] == 77
        [subscription] = await store_of(app).list_subscriptions(forum)
        assert subscription.thread_id == 77


async def test_the_running_bot_installs_the_configs_channel_routes_by_username(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """The same routes `newsbot channels sync` installs; here the @username is looked up."""
    _site, sources = city_news(httpserver)
    channel = {
        "id": -1009876543210,
        "type": "channel",
        "title": "Town Wire",
        "username": "townwire",
    }
    channels = [{"chat": "@townwire", "sources": ["city"], "points": 2}]
    async with FakeTelegram() as tg:
        tg.add_chat(channel)
        async with subscriber_bot(tg, tmp_path, sources=sources, channels=channels) as app:
            store = store_of(app)
            routes = await eventually(store.list_routes, lambda found: len(found) == 1)
            assert routes[0].chat_id == channel["id"]
            assert routes[0].options.points == 2
            found = await store.get_chat(channel["id"])
            assert found is not None
            assert (found.kind, found.title) == ("channel", "Town Wire")
