"""The fake Bot API server's additions to the packaged stand-in: failure rules, flood limits,
files, webhooks and the call log.

`bot.offline.botapi.LocalBotAPI` keeps chats, members, messages and updates; `BotAPI` (the extra
methods) and `FakeTelegram` (lifecycle, injection, assertions) build on this. One lock guards
it all, so tests may inject from any thread while the server runs in another.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter, deque
from collections.abc import Callable

from bot.offline.botapi import LocalBotAPI
from tests.fakes.telegram_protocol import (
    DEFAULT_TOKEN,
    JSON,
    SEND_METHODS,
    Call,
    Flood,
    Rule,
    StoredFile,
    TelegramLimits,
    document_json,
)


class TelegramState(LocalBotAPI):
    """Everything the fake remembers; see `FakeTelegram` for how tests use it."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "newsbot_test_bot",
        limits: TelegramLimits | None = None,
        record: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(token=token, bot_username=bot_username, clock=clock)
        self.record = record
        self.calls: list[Call] = []
        self.rules: list[Rule] = []
        self.latency = 0.0
        self.method_latency: dict[str, float] = {}
        self.unsupported: set[str] = set()
        self.limit_hits = 0
        self._counts: Counter[tuple[str, int]] = Counter()
        self._deliveries: Counter[tuple[int | str | None, str]] = Counter()
        # Successful sends within the last second, and the most there ever were.
        self._last_second: deque[float] = deque()
        self.busiest_second = 0
        self.webhook: JSON | None = None
        self._flood = Flood(limits) if limits else None
        self._files: dict[str, StoredFile] = {}
        self._file_ids = itertools.count(1)
        self._pusher: asyncio.Task[None] | None = None

    # ---------------------------------------------------------------- failure rules

    def fail(
        self,
        code: int,
        description: str,
        *,
        method: str | None = None,
        chat_id: int | str | None = None,
        times: int | None = None,
        parameters: JSON | None = None,
    ) -> Rule:
        """Answer matching calls with this error (`times` times, or for ever)."""
        rule = Rule(code, description, method, chat_id, times, parameters)
        with self._lock:
            self.rules.append(rule)
        return rule

    def block(self, chat_id: int) -> Rule:
        """The user blocked the bot: every call for this chat gets 403."""
        return self.fail(403, "Forbidden: bot was blocked by the user", chat_id=chat_id)

    def chat_not_found(self, chat_id: int | str) -> Rule:
        """This chat does not exist (400)."""
        return self.fail(400, "Bad Request: chat not found", chat_id=chat_id)

    def retry_after(
        self, seconds: int, *, times: int = 1, method: str | None = None, chat_id: int | None = None
    ) -> Rule:
        """Flood control: 429 with `retry_after` for the next `times` matching calls."""
        return self.fail(
            429,
            f"Too Many Requests: retry after {seconds}",
            method=method,
            chat_id=chat_id,
            times=times,
            parameters={"retry_after": seconds},
        )

    def migrate(self, chat_id: int, new_chat_id: int) -> Rule:
        """The group became a supergroup: calls for the old id carry migrate_to_chat_id."""
        self.add_chat({"id": new_chat_id, "type": "supergroup", "title": f"Group {new_chat_id}"})
        return self.fail(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            chat_id=chat_id,
            parameters={"migrate_to_chat_id": new_chat_id},
        )

    def _record(self, call: Call) -> None:
        super()._record(call)
        with self._lock:
            self._counts[(call.method, call.status)] += 1
            if call.ok and call.method in SEND_METHODS:
                self._deliveries[(call.chat_id, call.text)] += 1
                self._last_second.append(call.at)
                while self._last_second[0] <= call.at - 1.0:
                    self._last_second.popleft()
                self.busiest_second = max(self.busiest_second, len(self._last_second))
            if self.record:
                self.calls.append(call)

    def stats(self) -> JSON:
        """Counts that need no call log: calls by method and status, successful sends, flood
        429s, and repeats (the same text sent to the same chat more than once)."""
        with self._lock:
            calls: dict[str, dict[str, int]] = {}
            for (method, status), count in self._counts.items():
                calls.setdefault(method, {})[str(status)] = count
            sent = sum(self._deliveries.values())
            repeats = sum(n - 1 for n in self._deliveries.values() if n > 1)
            return {
                "calls": calls,
                "sent": sent,
                "chats": len({chat for chat, _ in self._deliveries}),
                "repeats": repeats,
                "limit_hits": self.limit_hits,
                "busiest_second": self.busiest_second,
            }

    def _store_file(self, content: bytes, name: str, mime_type: str) -> JSON:
        number = next(self._file_ids)
        stored = StoredFile(f"FILE{number:06d}", f"U{number:06d}", name, mime_type, content)
        with self._lock:
            self._files[stored.file_id] = stored
        return document_json(stored)
