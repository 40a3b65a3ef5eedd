"""The Bot API's wire format and error model, for the fake server.

Request parameters (form, JSON or multipart with JSON-encoded values, as python-telegram-bot
sends them), the error answers Telegram gives, recorded calls, failure rules and flood limits.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from tests.fakes.http_server import Response
from tests.fakes.telegram_html import EntityParseError, utf16_len, visible_text

JSON = dict[str, Any]
DEFAULT_TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"
SEND_METHODS = frozenset(
    {"sendMessage", "sendDocument", "sendPhoto", "copyMessage", "forwardMessage", "sendMediaGroup"}
)
# Parameters Telegram takes as plain strings; everything else in a form body is JSON-encoded.
STRING_FIELDS = frozenset(
    {
        "text", "caption", "parse_mode", "url", "secret_token", "callback_query_id", "data",
        "file_id", "inline_message_id", "title", "description", "short_description", "document",
        "ip_address", "language_code", "query", "emoji",
    }
)  # fmt: skip
TRUE_METHODS = frozenset(
    {
        "setMyCommands", "deleteMyCommands", "setMyDescription", "setMyShortDescription",
        "setMyName", "setChatMenuButton", "sendChatAction", "deleteMessage", "pinChatMessage",
        "unpinChatMessage", "leaveChat", "logOut", "close", "setMyDefaultAdministratorRights",
    }
)  # fmt: skip


class BotAPIAddress:
    """Where a fake server listens, as the bot's `base_url` / `base_file_url` settings."""

    port: int

    @property
    def base_url(self) -> str:
        """Value for `telegram.base_url` / `Bot(base_url=...)`."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for `telegram.base_file_url` / `Bot(base_file_url=...)`."""
        return f"http://127.0.0.1:{self.port}/file/bot"


class TelegramError(Exception):
    """An error answer: HTTP status = error_code, body as the Bot API sends it."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


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


@dataclass(frozen=True)
class Upload:
    """A file the bot uploaded in a multipart request."""

    field: str
    filename: str | None
    content: bytes


@dataclass(frozen=True)
class Call:
    """One Bot API request as the server saw it, with its outcome."""

    method: str
    params: JSON
    at: float
    status: int
    result: Any = None
    description: str | None = None
    uploads: tuple[Upload, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> int | str | None:
        value = self.params.get("chat_id")
        return value if isinstance(value, int | str) else None

    @property
    def text(self) -> str:
        """The raw `text` (or `caption`) parameter."""
        return str(self.params.get("text") or self.params.get("caption") or "")


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


def visible(text: str, parse_mode: Any, limit: int, what: str) -> str:
    if not text.strip():
        raise TelegramError(400, f"Bad Request: {what} is empty")
    try:
        shown = visible_text(text, parse_mode if isinstance(parse_mode, str) else None)
    except EntityParseError as exc:
        raise TelegramError(400, str(exc)) from None
    if utf16_len(shown) > limit:
        raise TelegramError(400, f"Bad Request: {what} is too long")
    return shown


def error_body(exc: TelegramError) -> Response:
    body: JSON = {"ok": False, "error_code": exc.code, "description": exc.description}
    if exc.parameters:
        body["parameters"] = exc.parameters
    return exc.code, "application/json", json.dumps(body).encode()


def decode(name: str, value: str) -> Any:
    if name in STRING_FIELDS:
        return value
    if name == "chat_id":
        return int(value) if value.lstrip("-").isdigit() else value
    try:
        return json.loads(value)
    except ValueError:
        return value


def parse_params(
    headers: dict[str, str], body: bytes, query: str
) -> tuple[JSON, tuple[Upload, ...]]:
    """Parameters with JSON-encoded values decoded, and any uploaded files."""
    content_type = headers.get("content-type", "")
    params: JSON = {k: decode(k, v) for k, v in parse_qsl(query)}
    uploads: list[Upload] = []
    if content_type.startswith("application/json") and body:
        params.update(json.loads(body))
    elif content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
        )
        for part in message.iter_parts():  # type: ignore[attr-defined]
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename() is not None:
                uploads.append(Upload(name, part.get_filename(), payload))
            else:
                params[name] = decode(name, payload.decode("utf-8"))
    elif body:
        params.update({k: decode(k, v) for k, v in parse_qsl(body.decode("utf-8"))})
    return params, tuple(uploads)
