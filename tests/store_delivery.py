"""A fake receiving server and a delivery worker process for the crash and concurrency tests.

The worker does what the real delivery loop does with the store — recover, (re-)enqueue,
claim, send, mark sent only after the receiver confirmed — one message in flight at a time, so
a kill can repeat at most the one message whose confirmation it interrupted.

    python -m tests.store_delivery DATABASE_URL RECEIVER_URL [--enqueue FEED ITEM] [--wait-for-go]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import threading
from collections import Counter

from bot.model import DeliveryRequest
from bot.store import open_store


async def _read_message(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], bytes]:
    """One HTTP/1.1 message: start line, headers (lower-cased), body by Content-Length."""
    start = (await reader.readline()).decode("latin-1").strip()
    if not start:
        raise EOFError
    headers = {}
    while (line := (await reader.readline()).decode("latin-1").strip()) != "":
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return start, headers, body


class Receiver:
    """A keep-alive HTTP server on 127.0.0.1 (own thread and loop): `POST /send` is remembered.

    Deliberately small so thousands of messages a second cost the test little CPU.
    """

    def __init__(self) -> None:
        self.received: list[tuple[int, int, int]] = []  # (chat, item, worker pid)
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0)
        )
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                _, headers, body = await _read_message(reader)
                payload = json.loads(body)
                with self._lock:
                    self.received.append(
                        (payload["chat_id"], payload["item_id"], int(headers["x-worker"]))
                    )
                    message_id = len(self.received)
                answer = json.dumps({"ok": True, "message_id": message_id}).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(answer)}\r\n\r\n".encode()
                    + answer
                )
                await writer.drain()
        except (EOFError, asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def per_target(self) -> Counter[tuple[int, int]]:
        with self._lock:
            return Counter((chat, item) for chat, item, _ in self.received)

    def per_worker(self) -> Counter[int]:
        with self._lock:
            return Counter(worker for _, _, worker in self.received)


class _Client:
    """A minimal keep-alive HTTP/1.1 client for `POST /send` (httpx costs more CPU than the
    store calls this test is about)."""

    def __init__(self, url: str) -> None:
        host, _, port = url.removeprefix("http://").partition(":")
        self._address = (host, int(port))
        self._worker = str(os.getpid())

    async def __aenter__(self) -> _Client:
        self._reader, self._writer = await asyncio.open_connection(*self._address)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._writer.close()

    async def send(self, chat_id: int, item_id: int) -> int:
        body = json.dumps({"chat_id": chat_id, "item_id": item_id}).encode()
        self._writer.write(
            b"POST /send HTTP/1.1\r\nHost: receiver\r\nContent-Type: application/json\r\n"
            + f"X-Worker: {self._worker}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        status, _, answer = await _read_message(self._reader)
        if " 200 " not in f"{status} ":
            raise RuntimeError(f"receiver answered {status}")
        return int(json.loads(answer)["message_id"])


async def work(args: argparse.Namespace) -> None:
    store = await open_store(args.database_url)
    try:
        await store.recover()
        if args.enqueue:
            feed_id, item_id = args.enqueue
            subscribers = await store.subscribers(feed_id)
            await store.enqueue_deliveries(
                [DeliveryRequest(s.chat_id, item_id, s.thread_id) for s in subscribers]
            )
        if args.wait_for_go:
            print("ready", flush=True)
            await asyncio.to_thread(sys.stdin.readline)
        async with _Client(args.receiver_url) as client:
            while True:
                claimed = await store.claim_deliveries(args.batch, args.lease)
                if not claimed:
                    if (await store.stats()).pending_deliveries == 0:
                        return
                    await asyncio.sleep(0.1)  # someone else's claims; wait for their leases
                    continue
                for delivery in claimed:
                    message_id = await client.send(delivery.chat_id, delivery.item_id)
                    await store.mark_sent(delivery.id, message_id)
    finally:
        await store.aclose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("receiver_url")
    parser.add_argument("--enqueue", nargs=2, type=int, metavar=("FEED", "ITEM"))
    parser.add_argument("--wait-for-go", action="store_true")
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--lease", type=float, default=2.0)
    asyncio.run(work(parser.parse_args()))


if __name__ == "__main__":
    main()
