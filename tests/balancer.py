"""A round-robin HTTP balancer on 127.0.0.1, for tests that run several bot instances behind one
webhook URL the way a real deployment does.

Each POST goes to the next backend in turn; a backend that refuses the connection (its process
died) is skipped for the next one, as a real balancer's health check would, and only a request
no backend accepts is answered 502 (Telegram then retries it). Every answered request is recorded
with the backend that answered it, so a test can tell which instance handled which update.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

# Headers the balancer passes on to a backend (the webhook secret among them).
FORWARDED = ("content-type", "x-telegram-bot-api-secret-token")


@dataclass(frozen=True)
class Forwarded:
    """One request: the backend (index) that answered it, its status and the update it carried."""

    backend: int
    status: int
    update: dict[str, Any]


@dataclass
class Balancer:
    """Forwards `POST <path>` to `backends` (base URLs) in turn; run it with `in_thread()`."""

    backends: list[str]
    record: list[Forwarded] = field(default_factory=list)
    # Connection attempts refused, by backend index (a dead instance shows up here).
    refused: list[int] = field(default_factory=list)
    port: int = 0
    _turn: Iterator[int] = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _connections: dict[asyncio.StreamWriter, asyncio.Task[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._turn = itertools.cycle(range(len(self.backends)))

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def handled(self, update_key: str) -> list[Forwarded]:
        """Requests answered 200 whose update holds `update_key` ("message", "callback_query")."""
        with self._lock:
            return [f for f in self.record if f.status == 200 and update_key in f.update]

    @contextlib.contextmanager
    def in_thread(self) -> Iterator[Balancer]:
        """Serve in a thread and event loop of its own for the duration of the block."""
        loop = asyncio.new_event_loop()
        started = threading.Event()
        stopping: asyncio.Event | None = None

        async def serve() -> None:
            nonlocal stopping
            stopping = asyncio.Event()
            # No kept-alive connections: each request finds out afresh whether its backend lives.
            fresh = httpx.Limits(max_keepalive_connections=0)
            async with httpx.AsyncClient(timeout=10, limits=fresh) as client:
                server = await asyncio.start_server(
                    lambda r, w: self._serve(client, r, w), "127.0.0.1", 0
                )
                self.port = server.sockets[0].getsockname()[1]
                started.set()
                async with server:
                    await stopping.wait()
                    # Client connections kept alive (Telegram's) end with the balancer.
                    tasks = list(self._connections.values())
                    for writer in self._connections:
                        writer.close()
                    await asyncio.gather(*tasks, return_exceptions=True)

        thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
        thread.start()
        if not started.wait(10):
            raise RuntimeError("the balancer did not start")
        try:
            yield self
        finally:
            assert stopping is not None
            loop.call_soon_threadsafe(stopping.set)
            thread.join(10)
            loop.close()

    async def _serve(
        self, client: httpx.AsyncClient, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Answer the requests of one (keep-alive) client connection, one after another."""
        task = asyncio.current_task()
        assert task is not None
        self._connections[writer] = task
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return  # the client closed the connection
                lines = head.decode("latin-1").split("\r\n")
                _verb, path, _version = lines[0].split(" ", 2)
                headers = {
                    name.strip().lower(): value.strip()
                    for name, _, value in (line.partition(":") for line in lines[1:] if line)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                status, answer = await self._forward(client, path, headers, body)
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Length: {len(answer)}\r\n\r\n".encode()
                    + answer
                )
                await writer.drain()
        except ConnectionError:
            return
        finally:
            self._connections.pop(writer, None)
            writer.close()

    async def _forward(
        self, client: httpx.AsyncClient, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes]:
        """The first answer of the backends, starting with the next in turn; 502 if none."""
        with self._lock:
            first = next(self._turn)
        passed = {name: headers[name] for name in FORWARDED if name in headers}
        for offset in range(len(self.backends)):
            backend = (first + offset) % len(self.backends)
            try:
                response = await client.post(
                    self.backends[backend] + path, content=body, headers=passed
                )
            except httpx.ConnectError:
                with self._lock:
                    self.refused.append(backend)
                continue
            except httpx.HTTPError:
                return 502, b"backend failed mid-request"
            update = json.loads(body) if body else {}
            with self._lock:
                self.record.append(Forwarded(backend, response.status_code, update))
            return response.status_code, response.content
        return 502, b"no backend answered"
