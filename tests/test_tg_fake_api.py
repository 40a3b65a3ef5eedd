"""The fake Bot API server answers a real python-telegram-bot `Bot` the way Telegram does."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import timedelta

import pytest
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
)

from bot.cli import PTB_TIMEDELTA
from bot.service.pacing import Limits, Pacer
from tests.fakes import FakeTelegram, TelegramLimits
from tests.fakes.telegram_process import RemoteFake, running_in_process

# PTB warns about its own RetryAfter.retry_after type change whenever it builds the exception.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def make_bot(tg: FakeTelegram) -> Bot:
    return Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url)


async def test_bot_sends_and_the_server_records_html_as_telegram_shows_it() -> None:
    async with FakeTelegram() as tg, make_bot(tg) as bot:
        me = await bot.get_me()
        message = await bot.send_message(42, "<b>Head</b> &amp; more", parse_mode="HTML")
        assert me.username == "newsbot_test_bot"
        assert message.text == "Head & more"
        assert message.chat.type == "private"
        [call] = tg.sent(42)
        assert call.params["text"] == "<b>Head</b> &amp; more"
        assert call.params["parse_mode"] == "HTML"


async def test_malformed_html_and_overlong_text_are_refused_like_telegram() -> None:
    async with FakeTelegram() as tg, make_bot(tg) as bot:
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(1, "<b>open", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)unsupported start tag"):
            await bot.send_message(1, "<div>x</div>", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)too long"):
            await bot.send_message(1, "x" * 4097)
        await bot.send_message(1, "😀" * 2048)  # 4096 UTF-16 units exactly


async def test_failure_rules_raise_the_matching_ptb_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PTB_TIMEDELTA, "true")  # as the bot's messenger runs PTB
    async with FakeTelegram() as tg, make_bot(tg) as bot:
        tg.block(7)
        tg.chat_not_found(8)
        tg.migrate(-9, -1009)
        tg.retry_after(3, times=1, chat_id=10)
        with pytest.raises(Forbidden, match=r"(?i)blocked"):
            await bot.send_message(7, "hi")
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(8, "hi")
        with pytest.raises(ChatMigrated) as migrated:
            await bot.send_message(-9, "hi")
        assert migrated.value.new_chat_id == -1009
        with pytest.raises(RetryAfter) as limited:
            await bot.send_message(10, "hi")
        assert limited.value.retry_after == timedelta(seconds=3)
        assert (await bot.send_message(10, "again")).text == "again"
        tg.unsupported.add("setMyCommands")
        with pytest.raises(InvalidToken):  # PTB maps 404 to InvalidToken
            await bot.set_my_commands([("start", "Start")])


async def test_get_updates_long_polls_and_honours_the_offset() -> None:
    async with FakeTelegram() as tg, make_bot(tg) as bot:
        started = time.monotonic()
        assert await bot.get_updates(timeout=0.3) == ()
        assert time.monotonic() - started >= 0.25
        waiting = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.sleep(0.05)
        tg.send_message(5, "/start")
        [update] = await asyncio.wait_for(waiting, 2)
        assert update.message.text == "/start"
        assert update.message.entities[0].type == "bot_command"
        assert len(await bot.get_updates()) == 1
        assert await bot.get_updates(offset=update.update_id + 1) == ()
        assert tg.pending_updates == 0


async def test_documents_round_trip_through_send_get_file_and_download() -> None:
    async with FakeTelegram() as tg, make_bot(tg) as bot:
        sent = await bot.send_document(3, b"<opml/>", filename="subs.opml", caption="yours")
        assert sent.document.file_name == "subs.opml"
        message = tg.send_document(3, b"hello file", "in.opml")
        file = await bot.get_file(message["document"]["file_id"])
        assert bytes(await file.download_as_bytearray()) == b"hello file"
        assert tg.calls_to("sendDocument")[0].uploads[0].content == b"<opml/>"


async def test_callback_queries_are_answered_once_and_messages_edited() -> None:
    async with FakeTelegram() as tg, make_bot(tg) as bot:
        sent = await bot.send_message(
            4, "pick", reply_markup={"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]}
        )
        query_id = tg.press_button(tg.last_message(4), "a")
        assert await bot.answer_callback_query(query_id)
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await bot.answer_callback_query(query_id)
        await bot.edit_message_text("picked", chat_id=4, message_id=sent.message_id)
        with pytest.raises(BadRequest, match=r"(?i)not modified"):
            await bot.edit_message_text("picked", chat_id=4, message_id=sent.message_id)
        assert tg.last_message(4)["text"] == "picked"


async def test_group_members_and_chat_info() -> None:
    async with FakeTelegram() as tg, make_bot(tg) as bot:
        tg.add_chat({"id": -100123, "type": "supergroup", "title": "News"})
        tg.set_member(-100123, 77, "administrator")
        assert (await bot.get_chat_member(-100123, 77)).status == "administrator"
        assert (await bot.get_chat_member(-100123, 78)).status == "member"
        assert (await bot.get_chat(-100123)).title == "News"


async def test_limits_mode_answers_429_when_sending_faster_than_telegram_allows() -> None:
    now = [100.0]
    limits = TelegramLimits(per_second=30, burst=5)
    async with FakeTelegram(limits=limits, clock=lambda: now[0]) as tg, make_bot(tg) as bot:
        # Overall: a burst of 6 at one instant passes (5 early), the 7th waits.
        for chat_id in range(1000, 1006):
            await bot.send_message(chat_id, "x")
        with pytest.raises(RetryAfter):
            await bot.send_message(1006, "x")
        # Sustained 30 a second passes; 31 a second is refused within a second.
        now[0] += 1.0
        for _ in range(30):
            now[0] += 1 / 30
            await bot.send_message(2000 + int(now[0] * 1000), "x")
        hits_before = tg.limit_hits
        accepted = 0
        while tg.limit_hits == hits_before and accepted < 36:
            now[0] += 1 / 36
            with contextlib.suppress(RetryAfter):
                await bot.send_message(3000 + accepted, "x")
                accepted += 1
        assert tg.limit_hits == hits_before + 1
        assert accepted < 36  # refused within a second at 36 a second
        # Per chat: one a second, a quarter of a second early at most.
        now[0] += 10.0
        await bot.send_message(7, "first")
        now[0] += 0.8
        await bot.send_message(7, "0.8 s later: within the tolerance")
        now[0] += 0.5
        with pytest.raises(RetryAfter):
            await bot.send_message(7, "two a second is too many")
        # Groups: 20 a minute.
        for _ in range(20):
            now[0] += 1.0
            await bot.send_message(-100200, "to a group")
        now[0] += 1.0
        with pytest.raises(RetryAfter):
            await bot.send_message(-100200, "the 21st within a minute")


def test_server_runs_in_its_own_thread_for_benchmarks() -> None:
    async def main(tg: FakeTelegram) -> int:
        async with make_bot(tg) as bot:
            await asyncio.gather(*(bot.send_message(i, "x") for i in range(1, 201)))
        return len(tg.sent())

    with FakeTelegram().in_thread() as tg:
        assert asyncio.run(main(tg)) == 200


async def test_a_sender_paced_at_29_per_second_never_trips_the_limits() -> None:
    """The limits mode is no stricter than Telegram: the bot's own pacer passes it cleanly."""
    pacer = Pacer(Limits(global_rate=29.0))
    async with FakeTelegram(limits=TelegramLimits()) as tg, make_bot(tg) as bot:

        async def send(chat_id: int) -> None:
            await pacer.acquire(chat_id)
            await bot.send_message(chat_id, "x")

        await asyncio.gather(*(send(chat_id) for chat_id in range(1, 88)))
    times = [c.at for c in tg.sent()]
    refused = [round(c.at - times[0], 3) for c in tg.calls_to("sendMessage") if not c.ok]
    assert tg.limit_hits == 0, f"429s at {refused} s after the first send"
    densest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert densest >= 20, "the sender never came near the limit, so this proved nothing"


def test_in_its_own_process_the_server_reports_counters_over_http() -> None:
    async def main(remote: RemoteFake) -> None:
        async with Bot(remote.token, base_url=remote.base_url) as bot:
            await asyncio.gather(*(bot.send_message(i % 25 + 1, "same") for i in range(50)))
            with pytest.raises(EndPointNotFound):  # an unknown method answers 404
                await bot.do_api_request("noSuchMethod")

    with running_in_process() as remote:
        asyncio.run(main(remote))
        stats = remote.stats()
    assert stats["sent"] == 50
    assert stats["chats"] == 25
    assert stats["repeats"] == 25
    assert stats["calls"]["sendMessage"] == {"200": 50}
    assert stats["calls"]["noSuchMethod"] == {"404": 1}
    assert stats["limit_hits"] == 0
