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

Layers: `http_server` (HTTP/1.1 on asyncio) → `telegram_protocol` (wire format, errors, rules,
limits) → `telegram_state` → `telegram_methods` (the Bot API methods) → `FakeTelegram` here.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Iterator

from tests.fakes import telegram_updates as tu
from tests.fakes.http_server import LoopbackHTTPServer
from tests.fakes.telegram_methods import STATS_PATH, BotAPI
from tests.fakes.telegram_protocol import (
    DEFAULT_TOKEN,
    JSON,
    BotAPIAddress,
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


class FakeTelegram(BotAPI, BotAPIAddress):
    """The server: lifecycle, injecting updates, reading the record; see the module docstring."""

    _http: LoopbackHTTPServer | None = None

    # ---------------------------------------------------------------- lifecycle

    async def start(self, port: int = 0) -> None:
        """Listen on a loopback port (ephemeral by default) in the running loop."""
        self._loop = asyncio.get_running_loop()
        self._new_update = asyncio.Event()
        self._http = LoopbackHTTPServer(self._route)
        await self._http.start(port)
        self.port = self._http.port

    async def stop(self) -> None:
        """Close the listener and every open connection (hanging long polls included)."""
        if self._pusher:
            self._pusher.cancel()
        if self._http is not None:
            await self._http.stop()

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

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

    def send_message(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        user_id: int | None = None,
        reply_to: JSON | None = None,
        extra: JSON | None = None,
    ) -> JSON:
        """A user writes in a chat (private when `user_id` is omitted); returns the message."""
        sender = tu.user(user_id if user_id is not None else chat_id)
        message: JSON = {
            "message_id": self._next_message_id(chat_id),
            "date": tu.now(),
            "chat": self.chat(chat_id),
            "from": sender,
        }
        if text is not None:
            message["text"] = text
            if entities := tu.entities_for(text):
                message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(extra or {})
        self.push_update({"message": message})
        return message

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

    @staticmethod
    def button_data(message: JSON, row: int = 0, column: int = 0) -> str:
        """The callback data of the inline button shown at (row, column) under a bot message."""
        return str(message["reply_markup"]["inline_keyboard"][row][column]["callback_data"])

    def press_button(self, message: JSON, data: str, *, user_id: int | None = None) -> str:
        """A user presses an inline button under a bot message; returns the query id."""
        query_id = str(next(self._callback_ids))
        chat_id = message["chat"]["id"]
        with self._lock:
            self._open_callbacks.add(query_id)
        self.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": tu.user(user_id if user_id is not None else chat_id),
                    "chat_instance": str(chat_id),
                    "message": message,
                    "data": data,
                }
            }
        )
        return query_id

    def chat_member_update(
        self, chat_id: int | str, old_status: str, new_status: str, *, by_user: int = 1
    ) -> JSON:
        """The bot's own membership changed (a `my_chat_member` update)."""
        chat = self.chat(chat_id)
        return self.push_update(
            {
                "my_chat_member": {
                    "chat": chat,
                    "from": tu.user(by_user),
                    "date": tu.now(),
                    "old_chat_member": tu.member(self.bot_user, old_status),
                    "new_chat_member": tu.member(self.bot_user, new_status),
                }
            }
        )

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by a getUpdates offset."""
        with self._lock:
            return len(self._updates)

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

    def last_message(self, chat_id: int | str) -> JSON:
        """The newest message the bot sent or edited in this chat, as Telegram stores it."""
        with self._lock:
            mine = [m for (c, _), m in self._messages.items() if c == chat_id]
        if not mine:
            raise AssertionError(f"the bot sent nothing to chat {chat_id}")
        return max(mine, key=lambda m: m["message_id"])

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
