"""The Bot API methods the fake server adds to the packaged stand-in: webhooks, files, stats,
and the failure rules and latency applied before every method.

Each `_m_<method>` takes the decoded parameters and returns the `result`, or raises
`TelegramError` with the description the real API uses. Unknown methods answer 404.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import httpx

from bot.offline.loopback import Request, Response
from bot.offline.tg_html import CAPTION_LIMIT
from bot.offline.tg_wire import visible
from tests.fakes.telegram_protocol import (
    JSON,
    SEND_METHODS,
    TelegramError,
    Upload,
    document_json,
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
        return await super()._route(request)

    def _download(self, file_path: str) -> Response:
        with self._lock:
            found = next((f for f in self._files.values() if f.path == file_path), None)
        if found is None:
            return 404, "text/plain", b"Not Found"
        return 200, found.mime_type, found.content

    # ---------------------------------------------------------------- methods

    async def _intercept(self, method: str, params: JSON) -> None:
        delay = self.method_latency.get(method, self.latency)
        if delay:
            await asyncio.sleep(delay)
        if method in self.unsupported:
            raise TelegramError(404, "Not Found")
        self._apply_rules(method, params)

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
        if method == "sendDocument":
            return self._m_sendDocument(params, uploads)
        return await super()._call(method, params, uploads)

    async def _m_getUpdates(self, params: JSON) -> list[JSON]:
        if self.webhook is not None:
            raise TelegramError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        return await super()._m_getUpdates(params)

    def _m_deleteWebhook(self, params: JSON) -> bool:
        self.webhook = None
        return super()._m_deleteWebhook(params)

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
