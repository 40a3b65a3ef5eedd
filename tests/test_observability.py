"""The health endpoint over real HTTP: liveness, readiness (database, poll age) and /metrics."""

import asyncio
import re
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.config import MetricsSettings
from bot.offline.demo import SampleServer, demo_settings, run_cycle
from bot.ops import metrics
from bot.ops.observability import HealthServer, start_health_server
from bot.store.factory import open_store

Serve = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Start a HealthServer on a free loopback port; returns a client aimed at it."""
    servers: list[HealthServer] = []
    clients: list[httpx.AsyncClient] = []

    async def start(**options: object) -> httpx.AsyncClient:
        server = HealthServer("127.0.0.1", 0, **options)  # type: ignore[arg-type]
        await server.start()
        servers.append(server)
        client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", timeout=5)
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.aclose()
    for server in servers:
        await server.stop()


async def database_up() -> bool:
    return True


async def database_down() -> None:
    raise ConnectionRefusedError("db down")


async def database_hangs() -> None:
    await asyncio.sleep(60)


@pytest.fixture
def recent_poll() -> None:
    metrics.LAST_POLL_CYCLE.set(time.time())


@pytest.fixture
def stale_poll() -> None:
    metrics.LAST_POLL_CYCLE.set(time.time() - 3600)


async def test_livez_answers_while_the_loop_runs(serve: Serve) -> None:
    client = await serve()
    response = await client.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.usefixtures("recent_poll")
async def test_healthz_is_ready_with_a_reachable_database_and_a_recent_poll(serve: Serve) -> None:
    client = await serve(database_check=database_up, max_poll_age=60)
    response = await client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["poll"].startswith("ok, last cycle")


@pytest.mark.usefixtures("recent_poll")
async def test_healthz_is_unavailable_when_the_database_fails(serve: Serve) -> None:
    client = await serve(database_check=database_down, max_poll_age=60)
    response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unreachable: ConnectionRefusedError"


@pytest.mark.usefixtures("recent_poll")
async def test_healthz_does_not_hang_when_the_database_hangs(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.ops.observability.DATABASE_TIMEOUT", 0.2)
    client = await serve(database_check=database_hangs, max_poll_age=60)
    started = time.monotonic()
    response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("unreachable: no answer")
    assert time.monotonic() - started < 2


@pytest.mark.usefixtures("stale_poll")
async def test_healthz_is_unavailable_when_the_last_poll_cycle_is_old(serve: Serve) -> None:
    client = await serve(database_check=database_up, max_poll_age=60)
    response = await client.get("/healthz")
    assert response.status_code == 503
    # The cycle was an hour ago when the fixture ran; a loaded machine may take a second more.
    found = re.fullmatch(
        r"stale: no poll cycle for (\d+)s \(limit 60s\)", response.json()["checks"]["poll"]
    )
    assert found is not None
    assert 3600 <= int(found[1]) < 3600 + 60


async def test_healthz_is_ready_during_start_up_before_the_first_cycle(serve: Serve) -> None:
    metrics.LAST_POLL_CYCLE.set(0)
    client = await serve(database_check=database_up, max_poll_age=60)
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["poll"] == "ok, starting up"


async def test_metrics_serves_prometheus_text_of_our_registry(serve: Serve) -> None:
    client = await serve()
    metrics.set_broadcast_progress(sent=7, blocked=1, failed=0, remaining=42)
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert 'newsbot_broadcast_messages{state="remaining"} 42.0' in response.text
    assert "# TYPE newsbot_summarize_seconds histogram" in response.text


async def test_unknown_paths_and_methods_are_refused(serve: Serve) -> None:
    client = await serve()
    assert (await client.get("/nope")).status_code == 404
    assert (await client.post("/metrics")).status_code == 405


async def test_a_garbage_request_does_not_break_the_server(serve: Serve) -> None:
    client = await serve()
    port = int(str(client.base_url).rsplit(":", 1)[1].strip("/"))
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"\x00\x01garbage\r\n\r\n")
    await writer.drain()
    assert (await reader.read()).startswith(b"HTTP/1.1 400")
    writer.close()
    assert (await client.get("/livez")).status_code == 200


async def test_start_health_server_does_nothing_when_disabled() -> None:
    assert await start_health_server(MetricsSettings(enabled=False)) is None


async def test_start_health_server_binds_the_configured_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = await start_health_server(MetricsSettings(enabled=True, port=port))
    assert server is not None
    try:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{port}/livez")
        assert response.status_code == 200
    finally:
        await server.stop()


def scrape(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a /metrics page, keyed by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_counters_move_and_readiness_returns_after_a_real_poll_cycle(
    serve: Serve, tmp_path: Path
) -> None:
    """The demo's cycle runs the real Poller and Deliverer; /metrics and /healthz show it."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'newsbot.db'}"
    store = await open_store(database_url)
    try:
        metrics.LAST_POLL_CYCLE.set(time.time() - 3600)
        client = await serve(database_check=store.ping, max_poll_age=60)
        assert (await client.get("/healthz")).status_code == 503
        before = scrape((await client.get("/metrics")).text)
        with SampleServer() as samples:
            posts = await run_cycle(demo_settings(samples.base_url, database_url))
        after = scrape((await client.get("/metrics")).text)
        health = await client.get("/healthz")
    finally:
        await store.aclose()

    def moved(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after[key] - before.get(key, 0.0)

    assert len(posts) == 6
    assert moved("newsbot_poll_cycles_total") == 1
    assert moved("newsbot_feed_polls_total", outcome="ok") == 3
    assert moved("newsbot_items_total") == 6
    assert moved("newsbot_deliveries_total", outcome="sent") == 6
    assert moved("newsbot_summarize_seconds_count", backend="extractive") == 6
    assert after[("newsbot_last_poll_cycle_timestamp_seconds", ())] > time.time() - 60
    assert health.status_code == 200
    checks = health.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["poll"].startswith("ok, last cycle")
