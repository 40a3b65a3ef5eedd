"""The Bot API methods the fake server implements, over `TelegramState`.

Each `_m_<method>` takes the decoded parameters and returns the `result`, or raises
`TelegramError` with the description the real API uses. Unknown methods answer 404.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

import httpx

from tests.fakes import telegram_updates as tu
from tests.fakes.http_server import Request, Response
from tests.fakes.telegram_html import CAPTION_LIMIT, MESSAGE_LIMIT
from tests.fakes.telegram_protocol import (
    JSON,
    SEND_METHODS,
    TRUE_METHODS,
    Call,
    TelegramError,
    Upload,
    document_json,
    error_body,
    parse_params,
    visible,
)
from tests.fakes.telegram_state import TelegramState

# GET this path for `stats()` as JSON (used when the fake runs in another process).
STATS_PATH = "/_fake/stats"


class BotAPI(TelegramState):
    """Routes HTTP requests to Bot API methods and records each call."""

    # ---------------------------------------------------------------- HTTP

    async def _route(self, request: Request) -> Response:
        file_prefix = f"/file/bot{self.token}/"
        if request.verb == "GET" and request.path.startswith(file_prefix):
            return self._download(request.path[len(file_prefix) :])
        if request.verb == "GET" and request.path == STATS_PATH:
            return 200, "application/json", json.dumps(self.stats()).encode()
        prefix, _, method = request.path.rpartition("/")
        if prefix != f"/bot{self.token}":
            unauthorized = prefix.startswith("/bot")
            return error_body(
                TelegramError(401, "Unauthorized")
                if unauthorized
                else TelegramError(404, "Not Found")
            )
        params, uploads = parse_params(request.headers, request.body, request.query)
        delay = self.method_latency.get(method, self.latency)
        if delay:
            await asyncio.sleep(delay)
        try:
            result: Any = await self._call(method, params, uploads)
        except TelegramError as exc:
            self._record(
                Call(method, params, self.clock(), exc.code, None, exc.description, uploads)
            )
            return error_body(exc)
        self._record(Call(method, params, self.clock(), 200, result, None, uploads))
        return 200, "application/json", json.dumps({"ok": True, "result": result}).encode()

    def _download(self, file_path: str) -> Response:
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
        if method in TRUE_METHODS:
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
        shown = visible(text, params.get("parse_mode"), MESSAGE_LIMIT, "message text")
        return self._bot_message(params, text=shown)

    def _m_editMessageText(self, params: JSON) -> JSON:
        chat_id = self.chat(params.get("chat_id") or 0)["id"]
        key = (chat_id, int(params.get("message_id") or 0))
        shown = visible(
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
            document = document_json(known)
        content: JSON = {"document": document}
        if params.get("caption"):
            caption = str(params["caption"])
            content["caption"] = visible(
                caption, params.get("parse_mode"), CAPTION_LIMIT, "caption"
            )
        return self._bot_message(params, **content)

    def _m_getFile(self, params: JSON) -> JSON:
        with self._lock:
            found = self._files.get(str(params.get("file_id")))
        if found is None:
            raise TelegramError(400, "Bad Request: invalid file_id")
        return {**document_json(found), "file_path": found.path}
