"""A fake OpenAI-compatible `/v1/chat/completions` server on 127.0.0.1, over real HTTP.

Tests queue `Reply`s (a chat answer, an error status, garbage, a slow answer, a dropped
connection) and read back every request the client made (`requests`), including headers, so
they can check the prompt, the `response_format` and the Authorization header.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.offline.loopback import LoopbackHTTPServer, Response
from bot.offline.loopback import Request as HTTPRequest

JSON = dict[str, Any]


@dataclass
class Reply:
    """One scripted answer: status and body, optionally late or never."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    delay: float = 0.0
    # Close the connection after reading the request, without answering.
    drop: bool = False


def chat_reply(content: str, **kwargs: Any) -> Reply:
    """A successful chat completion whose first choice says `content`."""
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "model": "fake",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
    }
    return Reply(body=json.dumps(body).encode(), **kwargs)


def json_reply(answer: JSON, **kwargs: Any) -> Reply:
    """A chat completion whose content is `answer` serialised as JSON."""
    return chat_reply(json.dumps(answer, ensure_ascii=False), **kwargs)


def error_reply(status: int, message: str = "error") -> Reply:
    """An OpenAI-style error body with `status`."""
    return Reply(status=status, body=json.dumps({"error": {"message": message}}).encode())


@dataclass
class Request:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]
    body: JSON


@dataclass
class FakeOpenAI:
    """Answers scripted replies in order, then `responder(request body)` or `default`."""

    default: Reply = field(default_factory=lambda: error_reply(500, "no reply scripted"))
    responder: Callable[[JSON], Reply] | None = None
    # Answer 400 to any request carrying `response_format`, like servers without JSON mode.
    reject_response_format: bool = False
    replies: list[Reply] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    _http: LoopbackHTTPServer | None = None

    @property
    def port(self) -> int:
        """The port the server listens on (0 before it starts)."""
        return self._http.port if self._http else 0

    @property
    def base_url(self) -> str:
        """Value for `summarizer.llm.base_url`."""
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *replies: Reply) -> None:
        """Queue replies for the next requests."""
        self.replies.extend(replies)

    async def __aenter__(self) -> FakeOpenAI:
        self._http = LoopbackHTTPServer(self._answer)
        await self._http.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._http is not None
        await self._http.stop()

    async def _answer(self, request: HTTPRequest) -> Response:
        body = json.loads(request.body) if request.body else {}
        self.requests.append(Request(request.path, request.headers, body))
        reply = self._next(request.path, body)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(reply.delay)
        finally:
            self.in_flight -= 1
        if reply.drop:
            raise ConnectionAbortedError("scripted drop")  # the server closes the connection
        return reply.status, reply.content_type, reply.body

    def _next(self, path: str, body: JSON) -> Reply:
        if path != "/v1/chat/completions":
            return error_reply(404, f"no route {path}")
        if self.reject_response_format and "response_format" in body:
            return error_reply(400, "response_format is not supported")
        if self.replies:
            return self.replies.pop(0)
        return self.responder(body) if self.responder else self.default
