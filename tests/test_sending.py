"""One sending policy: posts and broadcasts follow the same rules and the same retry limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.service import sending
from bot.service.broadcast import Broadcaster
from bot.service.pacing import Limits, Pacer
from tests.fakes.telegram_api import FakeTelegram
from tests.tg_harness import add_private_chats, messenger_for, sends_per_chat, sqlite_store

UNLIMITED = Limits(global_rate=None, per_chat_interval=0.0)


def test_a_transient_failure_backs_off_doubling_until_the_last_attempt() -> None:
    retries = sending.Retries(max_attempts=4)
    delays = [retries.delay(attempt, 30.0) for attempt in range(1, 5)]
    assert delays == [30.0, 60.0, 120.0, None]


@pytest.mark.parametrize(
    ("failures", "sent"),
    [(sending.RETRIES.max_attempts - 1, 1), (sending.RETRIES.max_attempts, 0)],
)
async def test_a_broadcast_target_gets_the_same_number_of_tries_as_a_post(
    failures: int, sent: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram down for `failures` answers: a broadcast tries RETRIES.max_attempts times."""
    monkeypatch.setattr(sending, "INLINE_RETRY_BASE", 0.01)
    async with FakeTelegram() as tg, sqlite_store(tmp_path) as store, messenger_for(tg) as m:
        await add_private_chats(store, [501])
        tg.fail(502, "Bad Gateway", method="sendMessage", times=failures)
        broadcaster = Broadcaster(store, m, Pacer(UNLIMITED))
        created = await broadcaster.create("hello", author_id=1)
        final = await broadcaster.run(created.id)
    assert (final.sent, final.failed) == (sent, 1 - sent)
    assert sends_per_chat(tg) == ({501: 1} if sent else {})
    assert len([c for c in tg.calls_for(501) if c.method == "sendMessage"]) == min(
        failures + 1, sending.RETRIES.max_attempts
    )
