"""The health and metrics endpoint: a tiny HTTP server inside the bot's own event loop.

It runs on the same asyncio loop as the bot on purpose: if the loop is blocked, `/healthz`
stops answering, which is exactly the liveness signal an orchestrator needs.

- `GET /livez`   200 while the event loop answers.
- `GET /healthz` 200 when ready — the database answers and a poll cycle finished within
  `metrics.max_poll_age` seconds (counted from start-up until the first cycle) — else 503;
  the JSON body says which check failed.
- `GET /metrics` Prometheus text exposition of `bot.ops.metrics.REGISTRY`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.config import MetricsSettings
from bot.ops import metrics

log = logging.getLogger(__name__)

# Checks the database: raises (or returns False) when it cannot be reached.
DatabaseCheck = Callable[[], Awaitable[object]]

# How long a client may take to send its request line and headers (seconds).
REQUEST_TIMEOUT = 5.0
# How long the database check may take before the instance counts as not ready (seconds).
DATABASE_TIMEOUT = 3.0
_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    503: "Service Unavailable",
}


@dataclass(frozen=True, slots=True)
class Response:
    """What one endpoint answers."""

    status: int
    body: bytes
    content_type: str = "application/json"


class HealthServer:
    """Serve `/livez`, `/healthz` and `/metrics`; `start()` binds, `stop()` closes."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        database_check: DatabaseCheck | None = None,
        max_poll_age: float = 900.0,
    ) -> None:
        self._host = host
        self._port = port
        self._database_check = database_check
        self._max_poll_age = max_poll_age
        self._started_at = time.time()
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        """The bound port (useful when constructed with port 0)."""
        if self._server is None or not self._server.sockets:
            return self._port
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def start(self) -> None:
        """Bind and start answering on the running loop."""
        self._started_at = time.time()
        self._server = await asyncio.start_server(self._handle, self._host, self._port)
        log.info("health endpoint listening on http://%s:%d", self._host, self.port)

    async def stop(self) -> None:
        """Stop accepting and close the listening socket."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def respond(self, method: str, path: str) -> Response:
        """The answer to one request, without any socket involved."""
        if method not in ("GET", "HEAD"):
            return Response(405, b'{"error": "only GET"}\n')
        route = path.split("?", 1)[0]
        if route == "/livez":
            return _json(200, {"status": "ok"})
        if route == "/healthz":
            checks = {"loop": "ok", "database": await self._database(), "poll": self._poll()}
            ready = all(value.startswith("ok") for value in checks.values())
            status = "ok" if ready else "unavailable"
            body: dict[str, object] = {
                "status": status,
                "checks": checks,
                "instance": metrics.instance_status(),
            }
            return _json(200 if ready else 503, body)
        if route == "/metrics":
            return Response(200, metrics.exposition(), metrics.CONTENT_TYPE)
        return Response(404, b'{"error": "not found"}\n')

    async def _database(self) -> str:
        if self._database_check is None:
            return "ok (not checked)"
        try:
            answer = await asyncio.wait_for(self._database_check(), DATABASE_TIMEOUT)
        except TimeoutError:
            return f"unreachable: no answer within {DATABASE_TIMEOUT:g}s"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported in the body
            return f"unreachable: {type(exc).__name__}"
        return "unreachable: check returned false" if answer is False else "ok"

    def _poll(self) -> str:
        last = metrics.last_poll_cycle()
        age = time.time() - (last if last is not None else self._started_at)
        if age <= self._max_poll_age:
            return f"ok, last cycle {age:.0f}s ago" if last is not None else "ok, starting up"
        return f"stale: no poll cycle for {age:.0f}s (limit {self._max_poll_age:g}s)"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), REQUEST_TIMEOUT)
            parts = head.split(b"\r\n", 1)[0].decode("latin-1").split()
            if len(parts) != 3:
                response = Response(400, b'{"error": "bad request line"}\n')
            else:
                response = await self.respond(parts[0], parts[1])
            body = b"" if parts[:1] == ["HEAD"] else response.body
            writer.write(
                f"HTTP/1.1 {response.status} {_REASONS.get(response.status, '')}\r\n"
                f"Content-Type: {response.content_type}\r\n"
                f"Content-Length: {len(response.body)}\r\n"
                "Cache-Control: no-store\r\nConnection: close\r\n\r\n".encode("latin-1")
                + body
            )
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # a slow, truncated or oversized request gets no answer
        except ConnectionError:
            pass  # the client went away
        finally:
            writer.close()


def _json(status: int, payload: dict[str, object]) -> Response:
    return Response(status, json.dumps(payload).encode() + b"\n")


async def start_health_server(
    settings: MetricsSettings, database_check: DatabaseCheck | None = None
) -> HealthServer | None:
    """Start the endpoint when `metrics.enabled`; returns the server to `stop()` at shutdown."""
    if not settings.enabled:
        return None
    server = HealthServer(
        settings.host,
        settings.port,
        database_check=database_check,
        max_poll_age=settings.max_poll_age,
    )
    await server.start()
    return server
