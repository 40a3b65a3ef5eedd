"""Replies to commands share the sending budget with posts and broadcasts (`bot.tg.send_gate`).

The real Application long-polls the fake Bot API server; what counts is what the server saw.
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from bot.tg.send_gate import REPLY_ATTEMPTS, chat_of
from bot.tg.workers import workers_of
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_protocol import Call
from tests.test_pacing import max_in_window
from tests.tg_harness import ADMIN, bot_config, running_bot, store_of

RATE = 10
USERS = list(range(7001, 7026))


def message_times(calls: list[Call]) -> list[float]:
    """When the server received each message-making call (sends and edits)."""
    return [c.at for c in calls if c.method.startswith(("send", "edit"))]


async def test_a_burst_of_commands_is_answered_within_the_overall_rate(tmp_path: Path) -> None:
    """25 users ask at once with global_rate 10: every one is answered, never 12 in a second."""
    async with FakeTelegram() as tg:
        raw = bot_config(tg, tmp_path, telegram={"global_rate": RATE, "per_chat_interval": 0})
        async with running_bot(raw):
            for user in USERS:
                tg.send_message(user, "/help", user_id=user)
            for user in USERS:
                await tg.wait_sent(user, timeout=20)
    busiest = max_in_window(message_times(tg.calls), 1.0)
    assert busiest <= RATE + 1, f"{busiest} messages in one second"


async def test_replies_to_one_chat_keep_the_per_chat_interval(tmp_path: Path) -> None:
    async with FakeTelegram() as tg:
        raw = bot_config(tg, tmp_path, telegram={"global_rate": 1000, "per_chat_interval": 0.5})
        async with running_bot(raw):
            for _ in range(3):
                tg.send_message(7001, "/help", user_id=7001)
            sent = await tg.wait_sent(7001, count=3)
    gaps = [b.at - a.at for a, b in itertools.pairwise(sent)]
    assert min(gaps) >= 0.45, gaps


async def test_a_429_answering_a_command_pauses_every_sender_then_the_answer_goes(
    tmp_path: Path,
) -> None:
    async with FakeTelegram() as tg, running_bot(bot_config(tg, tmp_path)) as app:
        tg.retry_after(2, times=1, method="sendMessage", chat_id=7001)
        tg.send_message(7001, "/help", user_id=7001)
        (refused,) = await tg.wait_for(lambda c: c.method == "sendMessage" and c.status == 429)
        await asyncio.sleep(0.1)
        assert workers_of(app).pacer.paused_for > 1.5
        (answer,) = await tg.wait_sent(7001)
    assert "/subscribe" in answer.text
    assert answer.at - refused.at >= 1.9


async def test_a_reply_refused_with_429_again_and_again_is_given_up(tmp_path: Path) -> None:
    async with FakeTelegram() as tg, running_bot(bot_config(tg, tmp_path)):
        tg.retry_after(1, times=REPLY_ATTEMPTS, method="sendMessage", chat_id=7001)
        tg.send_message(7001, "/help", user_id=7001)
        await tg.wait_for(lambda c: c.status == 429, count=REPLY_ATTEMPTS, timeout=20)
        await asyncio.sleep(1.5)
        # Given up after its last try; the error handler's apology then gets through.
        assert len(tg.calls_to("sendMessage", 7001)) == REPLY_ATTEMPTS + 1


async def test_a_post_paced_by_the_service_takes_one_slot_not_two(tmp_path: Path) -> None:
    """A broadcast to 10 chats at 10 a second takes about 1 s, not 2 s (one slot a message)."""
    chats = list(range(8001, 8011))
    async with FakeTelegram() as tg:
        raw = bot_config(tg, tmp_path, telegram={"global_rate": RATE, "per_chat_interval": 0})
        async with running_bot(raw) as app:
            for chat_id in chats:
                await store_of(app).upsert_chat(chat_id, "private")
            tg.send_message(ADMIN, "/broadcast one slot each")
            preview = await tg.wait_for(lambda c: "Send it?" in c.text and c.ok)
            message = preview[0].result
            tg.press_button(message, tg.button_data(message), user_id=ADMIN)
            for chat_id in chats:
                await tg.wait_sent(chat_id, timeout=20)
    times = sorted(c.at for c in tg.sent() if "one slot each" in c.text)
    assert times[-1] - times[0] < 1.5, times


def test_the_chat_of_a_request_is_its_numeric_id_only() -> None:
    assert chat_of({"chat_id": -100123}) == -100123
    assert chat_of({"chat_id": "-100123"}) == -100123
    assert chat_of({"chat_id": "@channel"}) is None
    assert chat_of({"inline_message_id": "abc"}) is None


async def test_the_parts_after_a_retried_reply_keep_the_per_chat_interval(tmp_path: Path) -> None:
    """A reply sent again after a 429 leaves no slot behind for the next part to skip its own."""
    async with FakeTelegram() as tg:
        raw = bot_config(tg, tmp_path, telegram={"global_rate": 1000, "per_chat_interval": 0.5})
        async with running_bot(raw) as app:
            store = store_of(app)
            await store.upsert_chat(7001, "private")
            for i in range(50):
                feed = await store.get_or_create_feed(
                    f"https://feeds.example/{'section/' * 8}{i}.xml", f"A long feed title {i}"
                )
                await store.subscribe(7001, feed.id)
            tg.retry_after(1, times=1, method="sendMessage", chat_id=7001)
            tg.send_message(7001, "/list", user_id=7001)
            parts = await tg.wait_sent(7001, count=2, timeout=20)
    gaps = [b.at - a.at for a, b in itertools.pairwise(parts)]
    assert min(gaps) >= 0.45, gaps
