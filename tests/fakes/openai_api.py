"""A fake OpenAI-compatible `/v1/chat/completions` server on 127.0.0.1, over real HTTP.

Tests queue `Reply`s (a chat answer, an error status, garbage, a slow answer, a dropped
connection) and read back every request the client made (`requests`), including headers, so
they can check the prompt, the `response_format` and the Authorization header.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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
    port: int = 0
    _server: asyncio.Server | None = None
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    @property
    def base_url(self) -> str:
        """Value for `summarizer.llm.base_url`."""
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *replies: Reply) -> None:
        """Queue replies for the next requests."""
        self.replies.extend(replies)

    async def __aenter__(self) -> FakeOpenAI:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        with contextlib.suppress(Exception):
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode("latin-1").split("\r\n")
                _, path, _ = request_line.split(" ", 2)
                headers = {}
                for line in lines:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                raw = await reader.readexactly(int(headers.get("content-length", "0")))
                body = json.loads(raw) if raw else {}
                self.requests.append(Request(path, headers, body))
                reply = self._next(path, body)
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
                try:
                    await asyncio.sleep(reply.delay)
                finally:
                    self.in_flight -= 1
                if reply.drop:
                    break
                writer.write(
                    f"HTTP/1.1 {reply.status} X\r\nContent-Type: {reply.content_type}\r\n"
                    f"Content-Length: {len(reply.body)}\r\n\r\n".encode("latin-1")
                    + reply.body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    def _next(self, path: str, body: JSON) -> Reply:
        if path != "/v1/chat/completions":
            return error_reply(404, f"no route {path}")
        if self.reject_response_format and "response_format" in body:
            return error_reply(400, "response_format is not supported")
        if self.replies:
            return self.replies.pop(0)
        return self.responder(body) if self.responder else self.default
