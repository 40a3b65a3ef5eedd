"""A fake Telegram Bot API server on 127.0.0.1 that speaks the real JSON protocol over HTTP.

Point `base_url`/`base_file_url` of a real python-telegram-bot `Bot` at it. It serves
`POST /bot<token>/<method>` with form, JSON or multipart bodies and answers
`{"ok": true, "result": ...}` or the real error bodies (429 with `retry_after`, 403 blocked,
400 chat not found / can't parse entities / migrate_to_chat_id, 404 unknown method).

Tests inject updates (`send_message`, `press_button`, `send_document`, `chat_member_update`),
add failure rules (`block`, `fail`, `retry_after`, `migrate`, `unsupported`, `latency`) and
read every recorded call (`calls`, `sent`, `wait_for`). `limits=TelegramLimits()` makes the
server enforce Telegram's flood limits with 429s and counts violations in `limit_hits`.

Run it in the test's loop (`async with FakeTelegram() as tg`) or in its own thread
(`with FakeTelegram().in_thread() as tg`) so benchmarks do not share the bot's event loop.
State is guarded by one lock, so injecting from any thread is safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx

from tests.fakes import telegram_updates as tu
from tests.fakes.telegram_html import (
    CAPTION_LIMIT,
    MESSAGE_LIMIT,
    EntityParseError,
    utf16_len,
    visible_text,
)

JSON = dict[str, Any]
DEFAULT_TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"
SEND_METHODS = frozenset(
    {"sendMessage", "sendDocument", "sendPhoto", "copyMessage", "forwardMessage", "sendMediaGroup"}
)
# Parameters Telegram takes as plain strings; everything else in a form body is JSON-encoded.
_STRING_FIELDS = frozenset(
    {
        "text", "caption", "parse_mode", "url", "secret_token", "callback_query_id", "data",
        "file_id", "inline_message_id", "title", "description", "short_description", "document",
        "ip_address", "language_code", "query", "emoji",
    }
)  # fmt: skip
_TRUE_METHODS = frozenset(
    {
        "setMyCommands", "deleteMyCommands", "setMyDescription", "setMyShortDescription",
        "setMyName", "setChatMenuButton", "sendChatAction", "deleteMessage", "pinChatMessage",
        "unpinChatMessage", "leaveChat", "logOut", "close", "setMyDefaultAdministratorRights",
    }
)  # fmt: skip


class TelegramError(Exception):
    """An error answer: HTTP status = error_code, body as the Bot API sends it."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass(frozen=True)
class TelegramLimits:
    """Telegram's flood limits for sending methods; breaking one earns a 429."""

    per_second: int = 30
    per_chat_interval: float = 1.0
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
class _File:
    file_id: str
    unique_id: str
    name: str
    mime_type: str
    content: bytes

    @property
    def path(self) -> str:
        return f"documents/{self.unique_id}_{self.name}"


@dataclass
class _Flood:
    limits: TelegramLimits
    window: deque[float] = field(default_factory=deque)
    last_by_chat: dict[int | str, float] = field(default_factory=dict)
    group_windows: dict[int | str, deque[float]] = field(default_factory=dict)

    def check(self, chat_id: int | str | None, now: float) -> float | None:
        """Seconds to wait if this send breaks a limit, else None (and the send is counted)."""
        while self.window and self.window[0] <= now - 1.0:
            self.window.popleft()
        if len(self.window) >= self.limits.per_second:
            return 1.0
        if chat_id is not None:
            last = self.last_by_chat.get(chat_id)
            if last is not None and now - last < self.limits.per_chat_interval:
                return self.limits.per_chat_interval - (now - last)
            if (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str):
                group = self.group_windows.setdefault(chat_id, deque())
                while group and group[0] <= now - 60.0:
                    group.popleft()
                if len(group) >= self.limits.group_per_minute:
                    return 60.0 - (now - group[0])
                group.append(now)
            self.last_by_chat[chat_id] = now
        self.window.append(now)
        return None


class FakeTelegram:
    """The server and its state; see the module docstring."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "newsbot_test_bot",
        limits: TelegramLimits | None = None,
        record: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.bot_user: JSON = {
            "id": int(token.split(":", maxsplit=1)[0]),
            "is_bot": True,
            "first_name": "Newsbot",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.record = record
        # What the flood limits and recorded call times are measured on (tests may freeze it).
        self.clock = clock
        self.calls: list[Call] = []
        self.rules: list[Rule] = []
        self.latency = 0.0
        self.method_latency: dict[str, float] = {}
        self.unsupported: set[str] = set()
        self.limit_hits = 0
        self.webhook: JSON | None = None
        self._flood = _Flood(limits) if limits else None
        self._lock = threading.Lock()
        self._updates: list[JSON] = []
        self._update_ids = itertools.count(1)
        self._confirmed = 0
        self._chats: dict[int | str, JSON] = {}
        self._members: dict[tuple[int, int], JSON] = {}
        self._message_ids: dict[int | str, itertools.count[int]] = {}
        self._messages: dict[tuple[int | str, int], JSON] = {}
        self._files: dict[str, _File] = {}
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._open_callbacks: set[str] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[Any]] = set()
        self._new_update: asyncio.Event | None = None
        self._pusher: asyncio.Task[None] | None = None
        self.port = 0

    # ---------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        """Value for `telegram.base_url` / `Bot(base_url=...)`."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for `telegram.base_file_url` / `Bot(base_file_url=...)`."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def start(self) -> None:
        """Listen on an ephemeral loopback port in the running loop."""
        self._loop = asyncio.get_running_loop()
        self._new_update = asyncio.Event()
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close the listener and every open connection (hanging long polls included)."""
        if self._pusher:
            self._pusher.cancel()
        if self._server:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            for task in list(self._handlers):
                task.cancel()
            await asyncio.gather(*self._handlers, return_exceptions=True)
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

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

    # ---------------------------------------------------------------- chats and members

    def add_chat(self, chat: JSON) -> JSON:
        """Register a chat object (id, type, title/username...) for results and getChat."""
        with self._lock:
            self._chats[chat["id"]] = chat
            if chat.get("username"):
                self._chats["@" + chat["username"]] = chat
        return chat

    def set_member(self, chat_id: int, user_id: int, status: str, **rights: bool) -> None:
        """What getChatMember answers for this user (the bot's own id included)."""
        who = self.bot_user if user_id == self.bot_user["id"] else tu.user(user_id)
        with self._lock:
            self._members[(chat_id, user_id)] = tu.member(who, status, **rights)

    def chat(self, chat_id: int | str) -> JSON:
        """The registered chat, or a plausible one inferred from the id."""
        with self._lock:
            known = self._chats.get(chat_id)
        return known if known is not None else tu.chat_for_id(chat_id)

    # ---------------------------------------------------------------- injecting updates

    def push_update(self, update: JSON) -> JSON:
        """Queue a raw update (an update_id is assigned) for getUpdates or the webhook."""
        with self._lock:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
        if self._loop is not None and self._new_update is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)
        return update

    def _next_message_id(self, chat_id: int | str) -> int:
        with self._lock:
            counter = self._message_ids.setdefault(chat_id, itertools.count(1))
            return next(counter)

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

    # ---------------------------------------------------------------- HTTP

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                verb, target, _ = request_line.split(" ", 2)
                headers = {}
                for line in header_lines:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await _read_body(reader, headers)
                status, content_type, payload = await self._route(verb, target, headers, body)
                writer.write(
                    f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
                    f"Content-Type: {content_type}\r\nContent-Length: {len(payload)}\r\n"
                    "Connection: keep-alive\r\n\r\n".encode("latin-1")
                    + payload
                )
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            pass  # the server is stopping; a hanging long poll simply ends
        finally:
            self._writers.discard(writer)
            self._handlers.discard(task)  # type: ignore[arg-type]
            writer.close()

    async def _route(
        self, verb: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, str, bytes]:
        raw_path, _, query = target.partition("?")
        path = unquote(raw_path)
        file_prefix = f"/file/bot{self.token}/"
        if verb == "GET" and path.startswith(file_prefix):
            return self._download(path[len(file_prefix) :])
        prefix, _, method = path.rpartition("/")
        if prefix != f"/bot{self.token}":
            return _error_body(
                TelegramError(
                    401 if prefix.startswith("/bot") else 404,
                    "Unauthorized" if prefix.startswith("/bot") else "Not Found",
                )
            )
        params, uploads = _parse_params(headers, body, query)
        delay = self.method_latency.get(method, self.latency)
        if delay:
            await asyncio.sleep(delay)
        try:
            result: Any = await self._call(method, params, uploads)
        except TelegramError as exc:
            self._record(
                Call(method, params, self.clock(), exc.code, None, exc.description, uploads)
            )
            return _error_body(exc)
        self._record(Call(method, params, self.clock(), 200, result, None, uploads))
        return 200, "application/json", json.dumps({"ok": True, "result": result}).encode()

    def _record(self, call: Call) -> None:
        if self.record:
            with self._lock:
                self.calls.append(call)

    def _download(self, file_path: str) -> tuple[int, str, bytes]:
        with self._lock:
            found = next((f for f in self._files.values() if f.path == file_path), None)
        if found is None:
            return 404, "text/plain", b"Not Found"
        return 200, found.mime_type, found.content

    # ---------------------------------------------------------------- methods

    def _apply_rules(self, method: str, params: JSON) -> None:
        with self._lock:
            for rule in self.rules:
                if rule.times == 0 or not rule.matches(method, params):
                    continue
                if rule.times is not None:
                    rule.times -= 1
                raise TelegramError(rule.code, rule.description, rule.parameters)
            if self._flood is not None and method in SEND_METHODS:
                wait = self._flood.check(params.get("chat_id"), self.clock())
                if wait is not None:
                    self.limit_hits += 1
                    seconds = max(1, int(wait + 0.999))
                    raise TelegramError(
                        429,
                        f"Too Many Requests: retry after {seconds}",
                        {"retry_after": seconds},
                    )

    async def _call(self, method: str, params: JSON, uploads: tuple[Upload, ...]) -> Any:
        if method in self.unsupported:
            raise TelegramError(404, "Not Found")
        self._apply_rules(method, params)
        handler = getattr(self, f"_m_{method}", None)
        if handler is not None:
            if method == "getUpdates":
                return await self._m_getUpdates(params)
            return handler(params, uploads) if method == "sendDocument" else handler(params)
        if method in _TRUE_METHODS:
            return True
        raise TelegramError(404, "Not Found")

    def _m_getMe(self, params: JSON) -> JSON:
        return self.bot_user

    async def _m_getUpdates(self, params: JSON) -> list[JSON]:
        if self.webhook is not None:
            raise TelegramError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        assert self._new_update is not None
        while True:
            self._new_update.clear()
            with self._lock:
                if offset:
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = self._updates[:limit]
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0:
                return ready
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), remaining)

    def _m_deleteWebhook(self, params: JSON) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            with self._lock:
                self._updates.clear()
        return True

    def _m_setWebhook(self, params: JSON) -> bool:
        url = params.get("url") or ""
        if not url:
            return self._m_deleteWebhook(params)
        if not str(url).startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise TelegramError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        self.webhook = {"url": url, "secret_token": params.get("secret_token")}
        if self._pusher is None or self._pusher.done():
            self._pusher = asyncio.get_running_loop().create_task(self._push_webhook())
        return True

    def _m_getWebhookInfo(self, params: JSON) -> JSON:
        with self._lock:
            pending = len(self._updates)
        url = self.webhook["url"] if self.webhook else ""
        return {"url": url, "has_custom_certificate": False, "pending_update_count": pending}

    async def _push_webhook(self) -> None:
        """Deliver queued updates to the webhook like Telegram does: one POST each, in order."""
        assert self._new_update is not None
        async with httpx.AsyncClient(timeout=10) as client:
            while self.webhook is not None:
                self._new_update.clear()
                with self._lock:
                    update = self._updates[0] if self._updates else None
                if update is None:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._new_update.wait(), 0.5)
                    continue
                headers = {}
                if self.webhook.get("secret_token"):
                    headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
                try:
                    response = await client.post(self.webhook["url"], json=update, headers=headers)
                    delivered = response.status_code == 200
                except httpx.HTTPError:
                    delivered = False
                if delivered:
                    with self._lock:
                        self._updates.remove(update)
                else:
                    await asyncio.sleep(0.2)

    def _bot_message(self, params: JSON, **content: Any) -> JSON:
        chat_id = params.get("chat_id")
        if chat_id is None:
            raise TelegramError(400, "Bad Request: chat_id is empty")
        chat = self.chat(chat_id)
        message: JSON = {
            "message_id": self._next_message_id(chat["id"]),
            "date": tu.now(),
            "chat": chat,
            "from": self.bot_user,
            **content,
        }
        for key in ("reply_markup", "message_thread_id"):
            if params.get(key) is not None:
                message[key] = params[key]
        with self._lock:
            self._messages[(chat["id"], message["message_id"])] = message
        return message

    def _m_sendMessage(self, params: JSON) -> JSON:
        text = str(params.get("text") or "")
        shown = _visible(text, params.get("parse_mode"), MESSAGE_LIMIT, "message text")
        return self._bot_message(params, text=shown)

    def _m_editMessageText(self, params: JSON) -> JSON:
        chat_id = self.chat(params.get("chat_id") or 0)["id"]
        key = (chat_id, int(params.get("message_id") or 0))
        shown = _visible(
            str(params.get("text") or ""), params.get("parse_mode"), MESSAGE_LIMIT, "message text"
        )
        with self._lock:
            message = self._messages.get(key)
            if message is None:
                raise TelegramError(400, "Bad Request: message to edit not found")
            markup = params.get("reply_markup")
            if message.get("text") == shown and message.get("reply_markup") == markup:
                raise TelegramError(
                    400,
                    "Bad Request: message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup "
                    "of the message",
                )
            message = {**message, "text": shown, "edit_date": tu.now()}
            if markup is not None:
                message["reply_markup"] = markup
            else:
                message.pop("reply_markup", None)
            self._messages[key] = message
        return message

    def _m_editMessageReplyMarkup(self, params: JSON) -> JSON:
        chat_id = self.chat(params.get("chat_id") or 0)["id"]
        key = (chat_id, int(params.get("message_id") or 0))
        with self._lock:
            message = self._messages.get(key)
            if message is None:
                raise TelegramError(400, "Bad Request: message to edit not found")
            message = {**message, "reply_markup": params.get("reply_markup")}
            self._messages[key] = message
        return message

    def _m_answerCallbackQuery(self, params: JSON) -> bool:
        with self._lock:
            if str(params.get("callback_query_id")) not in self._open_callbacks:
                raise TelegramError(
                    400,
                    "Bad Request: query is too old and response timeout expired or query ID is "
                    "invalid",
                )
            self._open_callbacks.discard(str(params.get("callback_query_id")))
        return True

    def _m_getChatMember(self, params: JSON) -> JSON:
        chat = self.chat(params.get("chat_id") or 0)
        user_id = int(params.get("user_id") or 0)
        with self._lock:
            found = self._members.get((chat["id"], user_id))
        if found is not None:
            return found
        who = self.bot_user if user_id == self.bot_user["id"] else tu.user(user_id)
        return tu.member(who, "member")

    def _m_getChatAdministrators(self, params: JSON) -> list[JSON]:
        chat = self.chat(params.get("chat_id") or 0)
        with self._lock:
            return [
                m
                for (c, _), m in self._members.items()
                if c == chat["id"] and m["status"] in ("creator", "administrator")
            ]

    def _m_getChat(self, params: JSON) -> JSON:
        return tu.full_chat(self.chat(params.get("chat_id") or 0))

    def _m_getMyCommands(self, params: JSON) -> list[JSON]:
        for call in reversed(self.calls_to("setMyCommands")):
            if call.ok:
                return list(call.params.get("commands") or [])
        return []

    def _m_sendDocument(self, params: JSON, uploads: tuple[Upload, ...]) -> JSON:
        upload = next((u for u in uploads if u.field == "document"), None)
        if upload is not None:
            document = self._store_file(
                upload.content, upload.filename or "file", "application/octet-stream"
            )
        else:
            with self._lock:
                known = self._files.get(str(params.get("document")))
            if known is None:
                raise TelegramError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            document = _document_json(known)
        content: JSON = {"document": document}
        if params.get("caption"):
            caption = str(params["caption"])
            content["caption"] = _visible(
                caption, params.get("parse_mode"), CAPTION_LIMIT, "caption"
            )
        return self._bot_message(params, **content)

    def _m_getFile(self, params: JSON) -> JSON:
        with self._lock:
            found = self._files.get(str(params.get("file_id")))
        if found is None:
            raise TelegramError(400, "Bad Request: invalid file_id")
        return {**_document_json(found), "file_path": found.path}

    def _store_file(self, content: bytes, name: str, mime_type: str) -> JSON:
        number = next(self._file_ids)
        stored = _File(f"FILE{number:06d}", f"U{number:06d}", name, mime_type, content)
        with self._lock:
            self._files[stored.file_id] = stored
        return _document_json(stored)


def _document_json(stored: _File) -> JSON:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.unique_id,
        "file_name": stored.name,
        "mime_type": stored.mime_type,
        "file_size": len(stored.content),
    }


def _visible(text: str, parse_mode: Any, limit: int, what: str) -> str:
    if not text.strip():
        raise TelegramError(400, f"Bad Request: {what} is empty")
    try:
        shown = visible_text(text, parse_mode if isinstance(parse_mode, str) else None)
    except EntityParseError as exc:
        raise TelegramError(400, str(exc)) from None
    if utf16_len(shown) > limit:
        raise TelegramError(400, f"Bad Request: {what} is too long")
    return shown


def _error_body(exc: TelegramError) -> tuple[int, str, bytes]:
    body: JSON = {"ok": False, "error_code": exc.code, "description": exc.description}
    if exc.parameters:
        body["parameters"] = exc.parameters
    return exc.code, "application/json", json.dumps(body).encode()


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return b"".join(chunks)
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
    length = int(headers.get("content-length") or 0)
    return await reader.readexactly(length) if length else b""


def _decode(name: str, value: str) -> Any:
    if name in _STRING_FIELDS:
        return value
    if name == "chat_id":
        return int(value) if value.lstrip("-").isdigit() else value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _parse_params(
    headers: dict[str, str], body: bytes, query: str
) -> tuple[JSON, tuple[Upload, ...]]:
    content_type = headers.get("content-type", "")
    params: JSON = {k: _decode(k, v) for k, v in parse_qsl(query)}
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
                params[name] = _decode(name, payload.decode("utf-8"))
    elif body:
        params.update({k: _decode(k, v) for k, v in parse_qsl(body.decode("utf-8"))})
    return params, tuple(uploads)
