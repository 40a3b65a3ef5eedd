"""A local stand-in for the Telegram Bot API on 127.0.0.1, speaking the real JSON protocol.

Point a real python-telegram-bot `Application` at `base_url`/`base_file_url` and it runs as it
would against Telegram: long polling (`getUpdates`), `sendMessage`, edits, inline buttons
(`answerCallbackQuery`), chat and member look-ups, the command menu. Messages are checked like
Telegram checks them (HTML entities, 4096 characters), so a bad message fails here too.

`newsbot try` drives it from the terminal (`send_message`, `press_button`, `watch`); the test
suite's fake (tests/fakes/) extends it with failure rules, flood limits, files and webhooks.
State is guarded by one lock, so updates may be injected from any thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
from collections.abc import Callable
from typing import Any, Self

from bot.offline import tg_objects as tu
from bot.offline.loopback import LoopbackHTTPServer, Request, Response
from bot.offline.tg_html import MESSAGE_LIMIT
from bot.offline.tg_wire import (
    JSON,
    TRUE_METHODS,
    BotAPIAddress,
    BotAPIError,
    Call,
    Upload,
    error_body,
    ok_body,
    parse_params,
    visible,
)

# A token in Telegram's shape for a bot that only exists on this machine.
LOCAL_TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"  # noqa: S105 - not a secret


class LocalBotAPI(BotAPIAddress):
    """The Bot API methods a bot needs to chat, over the chats and messages it remembers."""

    def __init__(
        self,
        *,
        token: str = LOCAL_TOKEN,
        bot_username: str = "newsbot_test_bot",
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
        # What recorded call times are measured on (tests may freeze it).
        self.clock = clock
        self.port = 0
        self._lock = threading.Lock()
        self._watchers: list[Callable[[Call], None]] = []
        self._updates: list[JSON] = []
        self._update_ids = itertools.count(1)
        self._chats: dict[int | str, JSON] = {}
        self._members: dict[tuple[int, int], JSON] = {}
        self._message_ids: dict[int | str, itertools.count[int]] = {}
        self._messages: dict[tuple[int | str, int], JSON] = {}
        self._callback_ids = itertools.count(1)
        self._open_callbacks: set[str] = set()
        self._commands: list[JSON] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._new_update: asyncio.Event | None = None
        self._http: LoopbackHTTPServer | None = None

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
        if self._http is not None:
            await self._http.stop()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def watch(self, watcher: Callable[[Call], None]) -> None:
        """Call `watcher` with every call the bot makes, once it has been answered."""
        self._watchers.append(watcher)

    # ---------------------------------------------------------------- chats and users

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
        """Queue a raw update (an update_id is assigned) for getUpdates."""
        with self._lock:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
        if self._loop is not None and self._new_update is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)
        return update

    def send_message(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        user_id: int | None = None,
        reply_to: JSON | None = None,
        extra: JSON | None = None,
        language_code: str | None = "en",
    ) -> JSON:
        """A user writes in a chat (private when `user_id` is omitted); returns the message."""
        sender = tu.user(user_id if user_id is not None else chat_id, language_code=language_code)
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
        return self.push_update(
            {
                "my_chat_member": {
                    "chat": self.chat(chat_id),
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

    def last_message(self, chat_id: int | str) -> JSON:
        """The newest message the bot sent or edited in this chat, as Telegram stores it."""
        with self._lock:
            mine = [m for (c, _), m in self._messages.items() if c == chat_id]
        if not mine:
            raise AssertionError(f"the bot sent nothing to chat {chat_id}")
        return max(mine, key=lambda m: m["message_id"])

    def _next_message_id(self, chat_id: int | str) -> int:
        with self._lock:
            counter = self._message_ids.setdefault(chat_id, itertools.count(1))
            return next(counter)

    # ---------------------------------------------------------------- HTTP

    async def _route(self, request: Request) -> Response:
        prefix, _, method = request.path.rpartition("/")
        if prefix != f"/bot{self.token}":
            unauthorized = prefix.startswith("/bot")
            return error_body(
                BotAPIError(401, "Unauthorized") if unauthorized else BotAPIError(404, "Not Found")
            )
        params, uploads = parse_params(request.headers, request.body, request.query)
        try:
            await self._intercept(method, params)
            result: Any = await self._call(method, params, uploads)
        except BotAPIError as exc:
            self._record(
                Call(method, params, self.clock(), exc.code, None, exc.description, uploads)
            )
            return error_body(exc)
        self._record(Call(method, params, self.clock(), 200, result, None, uploads))
        return ok_body(result)

    async def _intercept(self, method: str, params: JSON) -> None:
        """Before a method runs: nothing here (the test fake injects failures and latency)."""

    def _record(self, call: Call) -> None:
        """After a method ran: tell the watchers."""
        for watcher in self._watchers:
            watcher(call)

    async def _call(self, method: str, params: JSON, uploads: tuple[Upload, ...]) -> Any:
        if method == "getUpdates":
            return await self._m_getUpdates(params)
        handler = getattr(self, f"_m_{method}", None)
        if handler is not None:
            return handler(params)
        if method in TRUE_METHODS:
            return True
        raise BotAPIError(404, "Not Found")

    # ---------------------------------------------------------------- methods

    def _m_getMe(self, params: JSON) -> JSON:
        return self.bot_user

    async def _m_getUpdates(self, params: JSON) -> list[JSON]:
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
        if params.get("drop_pending_updates"):
            with self._lock:
                self._updates.clear()
        return True

    def _m_setMyCommands(self, params: JSON) -> bool:
        with self._lock:
            self._commands = list(params.get("commands") or [])
        return True

    def _m_getMyCommands(self, params: JSON) -> list[JSON]:
        with self._lock:
            return list(self._commands)

    def _bot_message(self, params: JSON, **content: Any) -> JSON:
        chat_id = params.get("chat_id")
        if chat_id is None:
            raise BotAPIError(400, "Bad Request: chat_id is empty")
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
        shown = visible(text, params.get("parse_mode"), MESSAGE_LIMIT, "message text")
        return self._bot_message(params, text=shown)

    def _edit_key(self, params: JSON) -> tuple[int | str, int]:
        return self.chat(params.get("chat_id") or 0)["id"], int(params.get("message_id") or 0)

    def _to_edit(self, key: tuple[int | str, int]) -> JSON:
        """The stored message at `key` (call under the lock)."""
        message = self._messages.get(key)
        if message is None:
            raise BotAPIError(400, "Bad Request: message to edit not found")
        return message

    def _m_editMessageText(self, params: JSON) -> JSON:
        shown = visible(
            str(params.get("text") or ""), params.get("parse_mode"), MESSAGE_LIMIT, "message text"
        )
        key = self._edit_key(params)
        with self._lock:
            message = self._to_edit(key)
            markup = params.get("reply_markup")
            if message.get("text") == shown and message.get("reply_markup") == markup:
                raise BotAPIError(
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
        key = self._edit_key(params)
        with self._lock:
            message = {**self._to_edit(key), "reply_markup": params.get("reply_markup")}
            self._messages[key] = message
        return message

    def _m_answerCallbackQuery(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id"))
        with self._lock:
            if query_id not in self._open_callbacks:
                raise BotAPIError(
                    400,
                    "Bad Request: query is too old and response timeout expired or query ID is "
                    "invalid",
                )
            self._open_callbacks.discard(query_id)
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
