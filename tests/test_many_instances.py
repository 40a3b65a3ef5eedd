"""Many instances, one bot: three `newsbot run` processes in webhook mode on one PostgreSQL
database, behind a round-robin balancer, talking to one (fake) Telegram.

Thirty users subscribe through the balancer; a new story reaches each of them once; a broadcast
previewed on one instance and confirmed on another reaches each chat once; the leader is killed
with SIGKILL and the next story still reaches everyone once, with nothing repeated. Throughout,
Telegram never sees more than `global_rate` + 1 messages in any one second from all instances
together: they share one budget, command replies included.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pytest_httpserver import HTTPServer

from bot.store import Store, open_store
from tests.balancer import Balancer
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_protocol import SEND_METHODS
from tests.feedserver import FakeSite, Story
from tests.store_fixtures import truncate
from tests.test_broadcast_restart import start_bot
from tests.test_tg_app import free_port
from tests.tg_harness import ADMIN, bot_config, eventually, sends_per_chat

INSTANCES = 3
CHATS = list(range(8001, 8031))
RATE = 10
SECRET = "many-instances-secret"
SOURCE = {"id": "harbour", "name": "Harbour News", "poll_interval": 5}
FIRST = Story("ferry-back", "Ferry returns to the harbour after repairs")
SECOND = Story("pier-open", "New pier opens to walkers and anglers")
MARK = "Harbour festival moves to Sunday"
# Every method by which a message reaches a chat, each counting against the rate.
MESSAGES = SEND_METHODS | {"editMessageText"}
# Past the leader lease (30 s) and the renewal tick (10 s), a poll (5 s) and 30 sends at RATE.
TAKEOVER_TIMEOUT = 90.0


@dataclass
class Instance:
    """One `newsbot run` child process and where to look at it."""

    process: subprocess.Popen[bytes]
    log: Path
    health_port: int

    def alive(self) -> bool:
        return self.process.poll() is None

    async def health(self) -> dict[str, Any] | None:
        """The /healthz body (whatever its status), or None while it does not answer."""
        try:
            async with httpx.AsyncClient(timeout=3) as client:
                answer = await client.get(f"http://127.0.0.1:{self.health_port}/healthz")
        except httpx.HTTPError:
            return None
        body: dict[str, Any] = answer.json()
        return body

    async def leads(self) -> bool:
        body = await self.health()
        return body is not None and bool(body["instance"]["leader"])


def write_config(
    tg: FakeTelegram, folder: Path, url: str, feed_url: str, balancer: Balancer, port: int
) -> tuple[Path, int]:
    """One instance's config file: webhook on `port` behind the balancer, health on another."""
    folder.mkdir(parents=True, exist_ok=True)
    health_port = free_port()
    raw = bot_config(
        tg,
        folder,
        telegram={
            "mode": "webhook",
            "webhook": {
                "url": balancer.url("telegram"),
                "listen": "127.0.0.1",
                "port": port,
                "path": "telegram",
            },
            "global_rate": RATE,
        },
        database={"url": url},
        sources=[{**SOURCE, "url": feed_url}],
        metrics={"enabled": True, "host": "127.0.0.1", "port": health_port},
        data_dir=str(folder),
    )
    path = folder / "newsbot.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path, health_port


@contextlib.contextmanager
def children(instances: list[Instance]) -> Iterator[None]:
    """Stop every child however the block ends; on failure print their logs."""
    try:
        yield
    except BaseException:
        for number, instance in enumerate(instances):
            print(f"\n----- instance {number} log ({instance.log}) -----")
            print(instance.log.read_text(errors="replace")[-8000:])
        raise
    finally:
        for instance in instances:
            if instance.alive():
                instance.process.terminate()
        for instance in instances:
            try:
                instance.process.wait(15)
            except subprocess.TimeoutExpired:
                instance.process.kill()
                instance.process.wait()


async def ready(instances: list[Instance]) -> None:
    """Wait until every instance answers /healthz (the bot and its webhook are up)."""
    for instance in instances:

        async def probe(instance: Instance = instance) -> dict[str, Any] | None:
            assert instance.alive(), f"an instance exited early, see {instance.log}"
            return await instance.health()

        await eventually(probe, lambda body: body is not None, timeout=60)


async def the_leader(instances: list[Instance], timeout: float) -> Instance:
    """The one live instance /healthz says leads, once there is exactly one."""

    async def leaders() -> list[Instance]:
        return [i for i in instances if i.alive() and await i.leads()]

    found = await eventually(leaders, lambda found: len(found) == 1, timeout=timeout)
    return found[0]


@contextlib.asynccontextmanager
async def store_at(url: str) -> AsyncIterator[Store]:
    """The shared database, opened by the test to watch the feed."""
    store = await open_store(url)
    try:
        yield store
    finally:
        await store.aclose()


async def each_chat_gets(tg: FakeTelegram, text: str, chats: list[int], timeout: float) -> None:
    """Wait until every chat in `chats` has been sent a message containing `text`."""
    await tg.wait_for(
        lambda c: c.method == "sendMessage" and c.ok and c.chat_id in chats and text in c.text,
        count=len(chats),
        timeout=timeout,
    )


def busiest_second(times: list[float]) -> tuple[int, float]:
    """The most messages in any one-second window, and when that window starts."""
    times = sorted(times)
    most, start, first = 0, 0.0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 1.0:
            first += 1
        if last - first + 1 > most:
            most, start = last - first + 1, times[first]
    return most, start


@pytest.mark.slow
async def test_three_instances_behind_a_balancer_send_everything_once_within_the_rate(
    tmp_path: Path, postgres_url: str, httpserver: HTTPServer
) -> None:
    began = time.monotonic()
    await truncate(postgres_url)
    site = FakeSite(httpserver)
    site.publish("harbour", Story("timetable", "Winter timetable for the harbour ferry"))
    ports = [free_port() for _ in range(INSTANCES)]
    backends = [f"http://127.0.0.1:{port}" for port in ports]
    instances: list[Instance] = []
    with (
        FakeTelegram().in_thread() as tg,
        Balancer(backends).in_thread() as balancer,
        children(instances),
    ):
        for number, port in enumerate(ports):
            folder = tmp_path / f"instance-{number}"
            path, health_port = write_config(
                tg, folder, postgres_url, site.feed_url("harbour"), balancer, port
            )
            log = folder / "newsbot.log"
            process = start_bot(path, log, TELEGRAM_WEBHOOK_SECRET=SECRET)
            instances.append(Instance(process, log, health_port))
        await ready(instances)
        print(f"\nthree instances up after {time.monotonic() - began:.1f}s")

        # 1. Thirty users subscribe through the balancer; each gets its answer.
        for chat_id in CHATS:
            tg.send_message(chat_id, "/subscribe harbour")
        await each_chat_gets(tg, "Following", CHATS, timeout=60)
        async with store_at(postgres_url) as store:

            async def stored_items() -> int:
                feed = await store.get_feed_by_url(site.feed_url("harbour"))
                return len(await store.latest_items([feed.id], 5)) if feed else 0

            await eventually(stored_items, lambda n: n > 0, timeout=30)  # the first poll

        # 2. A new story reaches every subscriber.
        site.publish("harbour", FIRST)
        await each_chat_gets(tg, FIRST.title, CHATS, timeout=60)

        # 3. A broadcast previewed on one instance and confirmed on another reaches every chat.
        tg.send_message(ADMIN, f"/broadcast {MARK}")
        [preview] = await tg.wait_for(lambda c: "Send it?" in c.text and c.ok, timeout=30)
        tg.press_button(preview.result, tg.button_data(preview.result), user_id=ADMIN)
        await tg.wait_for(
            lambda c: c.method == "editMessageText" and "Broadcast finished" in c.text, timeout=60
        )
        [previewed_by] = [
            f.backend
            for f in balancer.handled("message")
            if f.update["message"].get("text", "").startswith("/broadcast")
        ]
        [confirmed_by] = [f.backend for f in balancer.handled("callback_query")]
        print(f"broadcast previewed by instance {previewed_by}, confirmed by {confirmed_by}")
        assert previewed_by != confirmed_by

        # 4. The leader dies; the next story still reaches every subscriber once.
        leader = await the_leader(instances, timeout=30)
        dead = instances.index(leader)
        leader.process.kill()
        leader.process.wait()
        killed = time.monotonic()
        site.publish("harbour", SECOND)
        # Users keep talking meanwhile: the balancer passes the dead instance by.
        askers = CHATS[:INSTANCES]
        for chat_id in askers:
            tg.send_message(chat_id, "/subscribe harbour")
        await each_chat_gets(tg, "You already follow", askers, timeout=30)
        assert dead in balancer.refused
        survivors = [i for i in instances if i is not leader]
        await the_leader(survivors, timeout=TAKEOVER_TIMEOUT)
        print(f"instance {dead} killed; a new leader after {time.monotonic() - killed:.1f}s")
        await each_chat_gets(tg, SECOND.title, CHATS, timeout=TAKEOVER_TIMEOUT)
        print(f"second story everywhere {time.monotonic() - killed:.1f}s after the kill")
        await asyncio.sleep(3)  # a repeat would come within a delivery tick or two
        assert all(i.alive() for i in survivors)

    # Each story, answer and broadcast reached each chat exactly once.
    for text in ("Following", FIRST.title, SECOND.title, MARK):
        per_chat = sends_per_chat(tg, text)
        admin = per_chat.pop(ADMIN, 0)
        assert per_chat == dict.fromkeys(CHATS, 1), text
        assert admin == (2 if text == MARK else 0)  # the preview, then the broadcast itself
    assert sends_per_chat(tg, "Winter timetable") == {}  # the back catalogue is not sent
    repeats = Counter((c.chat_id, c.text) for c in tg.sent())
    assert {key: n for key, n in repeats.items() if n > 1} == {
        key: 2 for key in repeats if key[0] == ADMIN and MARK in key[1]
    }

    # 5. All instances together kept to the shared rate, replies and edits included.
    messages = [c for c in tg.calls if c.method in MESSAGES]
    most, start = busiest_second([c.at for c in messages])
    print(
        f"{len(messages)} messages; busiest one-second window: {most} "
        f"({start - tg.calls[0].at:.2f}s into the run; allowed {RATE + 1}); "
        f"run time {time.monotonic() - began:.1f}s"
    )
    window = Counter(c.text[:30] for c in messages if start <= c.at < start + 1)
    assert most <= RATE + 1, f"the busiest second held {dict(window)}"
