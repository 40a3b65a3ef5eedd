"""The fake server's additions to the Bot API wire format: failure rules, flood limits, files.

The wire format itself (parameters, error bodies, recorded calls) is the packaged stand-in's,
`bot.offline.tg_wire`, re-exported here under the names the tests use.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from bot.offline.botapi import LOCAL_TOKEN
from bot.offline.tg_wire import JSON, BotAPIAddress, Call, Upload
from bot.offline.tg_wire import BotAPIError as TelegramError

__all__ = [
    "DEFAULT_TOKEN",
    "JSON",
    "SEND_METHODS",
    "BotAPIAddress",
    "Call",
    "Flood",
    "Rule",
    "StoredFile",
    "TelegramError",
    "TelegramLimits",
    "Upload",
    "document_json",
]

DEFAULT_TOKEN = LOCAL_TOKEN
SEND_METHODS = frozenset(
    {"sendMessage", "sendDocument", "sendPhoto", "copyMessage", "forwardMessage", "sendMediaGroup"}
)


@dataclass(frozen=True)
class TelegramLimits:
    """Telegram's flood limits for sending methods; breaking one earns a 429.

    Rates are enforced like a leaky bucket (GCRA): sustained faster than `per_second` overall or
    one message per `per_chat_interval` to a chat is refused, while the arrival jitter of a
    correctly paced sender is absorbed — up to `burst` messages early overall and
    `per_chat_tolerance` seconds early per chat, which is about what Telegram tolerates.
    Groups get at most `group_per_minute` messages in any 60 seconds.
    """

    per_second: float = 30.0
    burst: int = 5
    per_chat_interval: float = 1.0
    per_chat_tolerance: float = 0.25
    group_per_minute: int = 20


@dataclass
class Rule:
    """Answer matching requests with an error, `times` times (None: for ever)."""

    code: int
    description: str
    method: str | None = None
    chat_id: int | str | None = None
    times: int | None = None
    parameters: JSON | None = None

    def matches(self, method: str, params: JSON) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.chat_id is None or params.get("chat_id") == self.chat_id


@dataclass
class StoredFile:
    file_id: str
    unique_id: str
    name: str
    mime_type: str
    content: bytes

    @property
    def path(self) -> str:
        return f"documents/{self.unique_id}_{self.name}"


@dataclass
class Flood:
    limits: TelegramLimits
    # Theoretical arrival time of the next message (GCRA), overall and per chat.
    next_overall: float = float("-inf")
    next_by_chat: dict[int | str, float] = field(default_factory=dict)
    group_windows: dict[int | str, deque[float]] = field(default_factory=dict)

    def check(self, chat_id: int | str | None, now: float) -> float | None:
        """Seconds to wait if this send breaks a limit, else None (and the send is counted)."""
        interval = 1.0 / self.limits.per_second
        overall = max(self.next_overall, now)
        if overall - now > self.limits.burst * interval:
            return overall - now - self.limits.burst * interval
        chat_due: float | None = None
        if chat_id is not None:
            chat_due = max(self.next_by_chat.get(chat_id, now), now)
            if chat_due - now > self.limits.per_chat_tolerance:
                return chat_due - now - self.limits.per_chat_tolerance
            if (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str):
                group = self.group_windows.setdefault(chat_id, deque())
                while group and group[0] <= now - 60.0:
                    group.popleft()
                if len(group) >= self.limits.group_per_minute:
                    return 60.0 - (now - group[0])
                group.append(now)
            self.next_by_chat[chat_id] = chat_due + self.limits.per_chat_interval
        self.next_overall = overall + interval
        return None


def document_json(stored: StoredFile) -> JSON:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.unique_id,
        "file_name": stored.name,
        "mime_type": stored.mime_type,
        "file_size": len(stored.content),
    }
