"""Operator commands end to end: the real Application long-polling the fake Bot API server."""

from __future__ import annotations

from pathlib import Path

from bot.errors import FetchTimeoutError
from bot.feeds import policy
from bot.service.deliver import utcnow
from tests.fakes.telegram_api import FakeTelegram
from tests.tg_harness import (
    ADMIN,
    bot_config,
    eventually,
    running_bot,
    sends_per_chat,
    store_of,
)

UNLIMITED = {"global_rate": 1000, "per_chat_interval": 0}
CHANNEL = -1001777


def bot_replies(tg: FakeTelegram, chat_id: int) -> list[str]:
    return [c.text for c in tg.sent(chat_id)]


async def test_a_non_admin_broadcast_is_refused_politely(tmp_path: Path) -> None:
    async with FakeTelegram() as tg, running_bot(bot_config(tg, tmp_path)) as app:
        for chat_id in (11, 12):
            await store_of(app).upsert_chat(chat_id, "private")
        tg.send_message(999, "/broadcast Buy my stuff")
        await tg.wait_sent(999)
        tg.send_message(999, "/stats")
        await tg.wait_sent(999, count=2)

        replies = bot_replies(tg, 999)
        assert all("only for the bot's operators" in text for text in replies)
        assert sends_per_chat(tg, "Buy my stuff") == {}
        assert await store_of(app).unfinished_broadcasts() == []


async def test_an_admin_broadcast_reaches_everyone_once_with_an_exact_report(
    tmp_path: Path,
) -> None:
    """1,000 chats, 5% blocked, some 429s: exact final report, blocked inactive, nobody twice."""
    chats = list(range(100_001, 101_001))
    blocked = set(chats[::20])
    async with FakeTelegram() as tg:
        raw = bot_config(tg, tmp_path, telegram=UNLIMITED)
        async with running_bot(raw) as app:
            store = store_of(app)
            for chat_id in chats:
                await store.upsert_chat(chat_id, "private")
            for chat_id in blocked:
                tg.block(chat_id)
            for chat_id in (chats[101], chats[502]):
                tg.retry_after(1, times=1, method="sendMessage", chat_id=chat_id)

            tg.send_message(ADMIN, "/broadcast <b>News</b> digest is back")
            calls = await tg.wait_for(
                lambda c: c.method == "sendMessage" and "Send it?" in c.text, timeout=10
            )
            confirm = calls[0].result
            buttons = [
                b["callback_data"]
                for row in confirm["reply_markup"]["inline_keyboard"]
                for b in row
            ]
            assert buttons[0].startswith("bc:p:")
            assert "1001 private chats" in confirm["reply_markup"]["inline_keyboard"][0][0]["text"]
            tg.press_button(confirm, buttons[0], user_id=ADMIN)

            finished = await tg.wait_for(
                lambda c: c.method == "editMessageText" and "Broadcast finished" in c.text,
                timeout=60,
            )
            assert len(finished) == 1
            final = finished[0].text
            assert "sent: 951" in final  # the 950 reachable chats and the admin's own chat
            assert "blocked: 50" in final
            assert "failed: 0" in final
            assert "remaining: 0" in final
            assert len([c for c in tg.calls_to("sendMessage") if c.status == 429]) == 2
            per_chat = sends_per_chat(tg, "digest is back")
            assert set(per_chat) - {ADMIN} == set(chats) - blocked
            assert max(per_chat.values()) <= 2  # the admin also saw the preview
            assert all(per_chat[c] == 1 for c in chats if c not in blocked)
            assert set(await store.active_chat_ids()) == ({ADMIN, *chats} - blocked)
            assert await store.unfinished_broadcasts() == []


async def test_broadcast_cancel_stops_a_running_broadcast(tmp_path: Path) -> None:
    async with FakeTelegram() as tg:
        raw = bot_config(tg, tmp_path, telegram={"global_rate": 20, "per_chat_interval": 0})
        async with running_bot(raw) as app:
            store = store_of(app)
            for chat_id in range(1, 301):
                await store.upsert_chat(chat_id, "private")
            tg.send_message(ADMIN, "/broadcast slow one")
            calls = await tg.wait_for(lambda c: "Send it?" in c.text and c.ok)
            tg.press_button(
                calls[0].result,
                calls[0].result["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
                user_id=ADMIN,
            )
            await tg.wait_for(lambda c: "slow one" in c.text and c.chat_id != ADMIN, count=10)
            tg.send_message(ADMIN, "/broadcast_cancel")
            await tg.wait_for(lambda c: "Cancelled broadcast #1" in c.text)
            await tg.wait_for(
                lambda c: c.method == "editMessageText" and "Broadcast cancelled" in c.text
            )
            sent = len(sends_per_chat(tg, "slow one"))
            assert 10 <= sent < 250


async def test_stats_and_health_answer_the_admin(tmp_path: Path) -> None:
    async with FakeTelegram() as tg, running_bot(bot_config(tg, tmp_path)) as app:
        store = store_of(app)
        feed = await store.get_or_create_feed("http://127.0.0.1:9/feed.xml", "Broken feed")
        state = policy.after_failure(feed.state, FetchTimeoutError("read timed out"), now=utcnow())
        await store.save_feed_state(feed.id, state)
        tg.send_message(ADMIN, "/stats")
        tg.send_message(ADMIN, "/health")
        await tg.wait_sent(ADMIN, count=2)
        texts = "\n".join(bot_replies(tg, ADMIN))
        assert "Stats" in texts
        assert "Feeds: 1 (1 failing)" in texts
        assert "Broken feed" in texts
        assert "read timed out" in texts
        assert "Sending budget here: waited" in texts
        assert "instance" not in texts.replace("Sending budget", "")  # one instance: no leader line


async def test_channel_add_checks_posting_rights_and_removal_deactivates(tmp_path: Path) -> None:
    raw_sources = [{"id": "city", "name": "City News", "url": "http://127.0.0.1:9/city.xml"}]
    async with (
        FakeTelegram() as tg,
        running_bot(bot_config(tg, tmp_path, sources=raw_sources)) as app,
    ):
        if True:
            store = store_of(app)
            tg.add_chat({"id": CHANNEL, "type": "channel", "title": "Daily", "username": "daily"})
            tg.set_member(CHANNEL, tg.bot_user["id"], "administrator", can_post_messages=False)
            tg.send_message(ADMIN, "/channel add @daily city")
            await tg.wait_sent(ADMIN)
            assert "right to post" in bot_replies(tg, ADMIN)[-1]
            assert await store.list_routes(CHANNEL) == []

            tg.set_member(CHANNEL, tg.bot_user["id"], "administrator", can_post_messages=True)
            tg.send_message(ADMIN, "/channel add @daily city points=2 hashtags")
            await tg.wait_sent(ADMIN, count=2)
            assert "now receives city" in bot_replies(tg, ADMIN)[-1]
            routes = await store.list_routes(CHANNEL)
            assert len(routes) == 1
            assert routes[0].options.points == 2
            assert routes[0].options.hashtags

            tg.send_message(ADMIN, "/channel list")
            await tg.wait_sent(ADMIN, count=3)
            assert "Daily ← city" in bot_replies(tg, ADMIN)[-1]

            tg.chat_member_update(CHANNEL, "administrator", "left")
            await eventually(lambda: store.list_routes(CHANNEL), lambda r: not r[0].active)
            chat = await store.get_chat(CHANNEL)
            assert chat is not None
            assert not chat.active


async def test_a_reply_broadcast_can_include_groups(tmp_path: Path) -> None:
    async with FakeTelegram() as tg, running_bot(bot_config(tg, tmp_path)) as app:
        store = store_of(app)
        await store.upsert_chat(21, "private")
        await store.upsert_chat(-100321, "supergroup")
        await store.upsert_chat(-322, "group")
        original = tg.send_message(ADMIN, "Maintenance tonight at 22:00")
        await tg.wait_sent(ADMIN)  # the bot's hint for plain text
        tg.send_message(ADMIN, "/broadcast", reply_to=original)
        calls = await tg.wait_for(lambda c: "Send it?" in c.text and c.ok)
        keyboard = calls[0].result["reply_markup"]["inline_keyboard"]
        labels = [row[0]["text"] for row in keyboard]
        assert labels == ["Send to 2 private chats", "Send to 4 chats incl. groups", "Cancel"]
        tg.press_button(calls[0].result, keyboard[1][0]["callback_data"], user_id=ADMIN)
        await tg.wait_for(lambda c: "Broadcast finished" in c.text, timeout=20)

        per_chat = sends_per_chat(tg, "Maintenance tonight")
        assert {21, -100321, -322} <= set(per_chat)
        assert all(per_chat[c] == 1 for c in (21, -100321, -322))


async def test_a_dropped_preview_sends_nothing_and_channel_remove_deletes_routes(
    tmp_path: Path,
) -> None:
    sources = [{"id": "city", "name": "City News", "url": "http://127.0.0.1:9/city.xml"}]
    async with FakeTelegram() as tg, running_bot(bot_config(tg, tmp_path, sources=sources)) as app:
        store = store_of(app)
        await store.upsert_chat(21, "private")
        tg.send_message(ADMIN, "/broadcast never mind")
        calls = await tg.wait_for(lambda c: "Send it?" in c.text and c.ok)
        keyboard = calls[0].result["reply_markup"]["inline_keyboard"]
        tg.press_button(calls[0].result, keyboard[-1][0]["callback_data"], user_id=ADMIN)
        await tg.wait_for(lambda c: "Broadcast dropped" in c.text)
        assert sends_per_chat(tg, "never mind").keys() == {ADMIN}  # only the preview

        tg.add_chat({"id": CHANNEL, "type": "channel", "title": "Daily", "username": "daily"})
        tg.set_member(CHANNEL, tg.bot_user["id"], "administrator", can_post_messages=True)
        tg.send_message(ADMIN, "/channel add @daily city")
        await tg.wait_for(lambda c: "now receives city" in c.text)
        tg.send_message(ADMIN, "/channel remove @daily")
        await tg.wait_for(lambda c: "Removed 1 route from" in c.text)
        assert await store.list_routes(CHANNEL) == []
        tg.send_message(ADMIN, "/channel frobnicate")
        await tg.wait_for(lambda c: "Usage: /channel add" in c.text)
