"""The Bot API's wire format and error model, as a local stand-in must speak it.

Request parameters (form, JSON or multipart with JSON-encoded values, as python-telegram-bot
sends them), the error answers Telegram gives, and the record of one call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from bot.offline.loopback import Response
from bot.offline.tg_html import EntityParseError, utf16_len, visible_text

JSON = dict[str, Any]
# Parameters Telegram takes as plain strings; everything else in a form body is JSON-encoded.
STRING_FIELDS = frozenset(
    {
        "text", "caption", "parse_mode", "url", "secret_token", "callback_query_id", "data",
        "file_id", "inline_message_id", "title", "description", "short_description", "document",
        "ip_address", "language_code", "query", "emoji",
    }
)  # fmt: skip
# Methods whose whole answer is `true`.
TRUE_METHODS = frozenset(
    {
        "setMyCommands", "deleteMyCommands", "setMyDescription", "setMyShortDescription",
        "setMyName", "setChatMenuButton", "sendChatAction", "deleteMessage", "pinChatMessage",
        "unpinChatMessage", "leaveChat", "logOut", "close", "setMyDefaultAdministratorRights",
    }
)  # fmt: skip


class BotAPIAddress:
    """Where a stand-in listens, as the bot's `base_url` / `base_file_url` settings."""

    port: int

    @property
    def base_url(self) -> str:
        """Value for `telegram.base_url` / `Bot(base_url=...)`."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for `telegram.base_file_url` / `Bot(base_file_url=...)`."""
        return f"http://127.0.0.1:{self.port}/file/bot"


class BotAPIError(Exception):
    """An error answer: HTTP status = error_code, body as the Bot API sends it."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


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
        """Whether the call succeeded."""
        return self.status == 200

    @property
    def chat_id(self) -> int | str | None:
        """The chat the call addressed, if any."""
        value = self.params.get("chat_id")
        return value if isinstance(value, int | str) else None

    @property
    def text(self) -> str:
        """The raw `text` (or `caption`) parameter."""
        return str(self.params.get("text") or self.params.get("caption") or "")


def visible(text: str, parse_mode: Any, limit: int, what: str) -> str:
    """The text a user sees, or the 400 Telegram answers for empty, malformed or long text."""
    if not text.strip():
        raise BotAPIError(400, f"Bad Request: {what} is empty")
    try:
        shown = visible_text(text, parse_mode if isinstance(parse_mode, str) else None)
    except EntityParseError as exc:
        raise BotAPIError(400, str(exc)) from None
    if utf16_len(shown) > limit:
        raise BotAPIError(400, f"Bad Request: {what} is too long")
    return shown


def error_body(exc: BotAPIError) -> Response:
    """The HTTP answer for an error, as the Bot API words it."""
    body: JSON = {"ok": False, "error_code": exc.code, "description": exc.description}
    if exc.parameters:
        body["parameters"] = exc.parameters
    return exc.code, "application/json", json.dumps(body).encode()


def ok_body(result: Any) -> Response:
    """The HTTP answer for a successful call."""
    return 200, "application/json", json.dumps({"ok": True, "result": result}).encode()


def decode(name: str, value: str) -> Any:
    """One form value: plain string fields as they are, the rest JSON-decoded when they parse."""
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
        message: Message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
        )
        for part in message.walk():
            if part.is_multipart():
                continue
            name = str(part.get_param("name", header="content-disposition"))
            payload = part.get_payload(decode=True)
            content = payload if isinstance(payload, bytes) else b""
            if part.get_filename() is not None:
                uploads.append(Upload(name, part.get_filename(), content))
            else:
                params[name] = decode(name, content.decode("utf-8"))
    elif body:
        params.update({k: decode(k, v) for k, v in parse_qsl(body.decode("utf-8"))})
    return params, tuple(uploads)
