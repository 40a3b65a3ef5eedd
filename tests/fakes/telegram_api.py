"""A fake Telegram Bot API server on 127.0.0.1 that speaks the real JSON protocol over HTTP.

Point `base_url`/`base_file_url` of a real python-telegram-bot `Bot` at it. It serves
`POST /bot<token>/<method>` with form, JSON or multipart bodies and answers
`{"ok": true, "result": ...}` or the real error bodies (429 with `retry_after`, 403 blocked,
400 chat not found / can't parse entities / migrate_to_chat_id, 404 unknown method).

Tests inject updates (`send_message`, `press_button`, `send_document`, `chat_member_update`),
add failure rules (`block`, `fail`, `retry_after`, `migrate`, `unsupported`, `latency`) and
read every recorded call (`calls`, `sent`, `wait_for`). `limits=TelegramLimits()` makes the
server enforce Telegram's flood limits with 429s and counts violations in `limit_hits`.

Run it in the test's loop (`async with FakeTelegram() as tg`), in its own thread
(`with FakeTelegram().in_thread() as tg`), or in its own process for benchmarks
(`tests.fakes.telegram_process.running_in_process()`, counters via `stats()` / `GET /_fake/stats`).
State is guarded by one lock, so injecting from any thread is safe.

Layers: the packaged stand-in `bot.offline.botapi.LocalBotAPI` (HTTP on asyncio, the wire format,
chats, messages, updates, the methods a bot chats with) → `telegram_state` (rules, limits, files,
the call log) → `telegram_methods` (webhooks, files, stats) → `FakeTelegram` here.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Iterator

from bot.offline import tg_objects as tu
from tests.fakes.telegram_methods import STATS_PATH, BotAPI
from tests.fakes.telegram_protocol import (
    DEFAULT_TOKEN,
    JSON,
    Call,
    Rule,
    TelegramError,
    TelegramLimits,
    Upload,
)

__all__ = [
    "DEFAULT_TOKEN",
    "STATS_PATH",
    "Call",
    "FakeTelegram",
    "Rule",
    "TelegramError",
    "TelegramLimits",
    "Upload",
]


class FakeTelegram(BotAPI):
    """The server: lifecycle, injecting updates, reading the record; see the module docstring."""

    # ---------------------------------------------------------------- lifecycle

    async def stop(self) -> None:
        """Stop pushing to a webhook, then close the listener and every connection."""
        if self._pusher:
            self._pusher.cancel()
            # Let it close its client in this loop (an in-thread loop closes right after).
            await asyncio.wait([self._pusher])
        await super().stop()

    @contextlib.contextmanager
    def in_thread(self) -> Iterator[FakeTelegram]:
        """Run the server in its own thread and event loop for the duration of the block."""
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self.start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        thread = threading.Thread(target=run, name="fake-telegram", daemon=True)
        thread.start()
        ready.wait(10)
        try:
            yield self
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)

    def send_document(
        self,
        chat_id: int,
        content: bytes,
        file_name: str,
        *,
        user_id: int | None = None,
        caption: str | None = None,
        mime_type: str = "application/octet-stream",
    ) -> JSON:
        """A user sends a file; getFile and the download URL then serve `content`."""
        document = self._store_file(content, file_name, mime_type)
        extra: JSON = {"document": document}
        if caption is not None:
            extra["caption"] = caption
            if entities := tu.entities_for(caption):
                extra["caption_entities"] = entities
        return self.send_message(chat_id, None, user_id=user_id, extra=extra)

    # ---------------------------------------------------------------- reading the record

    def calls_to(self, method: str, chat_id: int | str | None = None) -> list[Call]:
        """Recorded calls of one method (optionally for one chat), oldest first."""
        with self._lock:
            calls = list(self.calls)
        return [
            c for c in calls if c.method == method and (chat_id is None or c.chat_id == chat_id)
        ]

    def calls_for(self, chat_id: int | str) -> list[Call]:
        """Every recorded call addressed to this chat, oldest first."""
        with self._lock:
            return [c for c in self.calls if c.chat_id == chat_id]

    def sent(self, chat_id: int | str | None = None) -> list[Call]:
        """Successful sendMessage calls, optionally for one chat."""
        return [c for c in self.calls_to("sendMessage", chat_id) if c.ok]

    async def wait_for(
        self,
        predicate: Callable[[Call], bool],
        *,
        count: int = 1,
        timeout: float = 10.0,
    ) -> list[Call]:
        """Wait until at least `count` recorded calls satisfy `predicate`; return them."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = [c for c in self.calls if predicate(c)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                methods = [(c.method, c.chat_id, c.status) for c in self.calls[-15:]]
                raise AssertionError(
                    f"waited {timeout}s for {count} matching call(s), saw {len(found)}; "
                    f"last calls: {methods}"
                )
            await asyncio.sleep(0.01)

    async def wait_sent(
        self, chat_id: int | str, *, count: int = 1, timeout: float = 10.0
    ) -> list[Call]:
        """Wait for `count` successful sendMessage calls to this chat."""
        return await self.wait_for(
            lambda c: c.method == "sendMessage" and c.ok and c.chat_id == chat_id,
            count=count,
            timeout=timeout,
        )
