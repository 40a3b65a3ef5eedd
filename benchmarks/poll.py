"""Poll 1,000 distinct feeds through the real Fetcher: a full poll, then one where all answer 304.

A separate process serves 1,000 RSS feeds (20 entries each, distinct host names feed<N>.bench
resolved to 127.0.0.1, ~50 ms added latency per response, ETag/If-None-Match support). The
client polls them all with `Fetcher.fetch_feed` (download + parse), then again with the ETags
it got. Prints wall seconds, feeds/s, client CPU seconds and the peak RSS of the client process
plus its parse workers (`fetch.parse_processes`, started before the clock runs).

    .venv/bin/python benchmarks/poll.py [--feeds 1000] [--entries 20] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.config import FetchSettings  # noqa: E402
from bot.feeds.fetch import Fetcher  # noqa: E402
from bot.model import FeedResponse  # noqa: E402

PARAGRAPH = (
    "<p>The city council voted on Tuesday to approve the new budget for {n}, after a debate "
    "that lasted well into the night. Supporters said the plan would fund schools and roads; "
    "critics warned about <a href='https://example.com/x'>rising debt</a>.</p>"
)


def feed_body(feed: int, entries: int) -> bytes:
    items = [
        f"<item><title>Story {n} of feed {feed}: council approves budget</title>"
        f"<link>https://feed{feed}.bench/story/{n}?utm_source=rss</link>"
        f"<guid isPermaLink='false'>feed{feed}-story{n}</guid>"
        f"<pubDate>Mon, 0{1 + n % 9} Jan 2024 1{n % 10}:00:00 GMT</pubDate>"
        f"<description><![CDATA[{PARAGRAPH.format(n=n) * 2}]]></description></item>"
        for n in range(entries)
    ]
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>Feed {feed}</title><link>https://feed{feed}.bench/</link>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def serve(port_queue: multiprocessing.Queue, feeds: int, entries: int, latency: float) -> None:
    """The feed server (runs in its own process)."""
    bodies = {f"/feed/{i}": feed_body(i, entries) for i in range(feeds)}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                await asyncio.sleep(latency)
                body = bodies.get(path)
                etag = f'"{path}-v1"'
                if body is None:
                    writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                elif headers.get("if-none-match") == etag:
                    writer.write(f"HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\n\r\n".encode())
                else:
                    writer.write(
                        (
                            "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                            f"ETag: {etag}\r\nContent-Length: {len(body)}\r\n\r\n"
                        ).encode()
                        + body
                    )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=2048)
        port_queue.put(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


async def resolve(host: str, port: int) -> list[str]:
    """Every feed<N>.bench name is this machine."""
    return ["127.0.0.1"]


async def poll(
    fetcher: Fetcher, urls: list[str], etags: dict[str, str | None]
) -> list[FeedResponse]:
    return await asyncio.gather(*(fetcher.fetch_feed(u, etag=etags.get(u)) for u in urls))


def rss_mb(pid: int | str) -> float:
    """Resident set size of a process from /proc, in MB (0 if it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    line = next((x for x in status.splitlines() if x.startswith("VmRSS:")), "VmRSS: 0 kB")
    return int(line.split()[1]) / 1024


async def sample_rss(server_pid: int, peak: list[float]) -> None:
    """Keep the peak of (this process + its parse workers) resident memory."""
    while True:
        pids = [p.pid for p in multiprocessing.active_children() if p.pid != server_pid]
        peak[0] = max(peak[0], rss_mb("self") + sum(rss_mb(p) for p in pids if p))
        await asyncio.sleep(0.05)


async def run(port: int, server_pid: int, feeds: int, processes: int) -> None:
    urls = [f"http://feed{i}.bench:{port}/feed/{i}" for i in range(feeds)]
    settings = FetchSettings(allow_private_networks=True, parse_processes=processes)
    peak = [0.0]
    sampler = asyncio.create_task(sample_rss(server_pid, peak))
    async with Fetcher(settings, resolver=resolve) as fetcher:
        await fetcher.warm_up()
        start, cpu = time.perf_counter(), time.process_time()
        first = await poll(fetcher, urls, {})
        full, full_cpu = time.perf_counter() - start, time.process_time() - cpu
        entries = sum(len(r.feed.entries) for r in first if r.feed)
        etags = {u: r.etag for u, r in zip(urls, first, strict=True)}
        start, cpu = time.perf_counter(), time.process_time()
        second = await poll(fetcher, urls, etags)
        cached, cached_cpu = time.perf_counter() - start, time.process_time() - cpu
    sampler.cancel()
    unchanged = sum(r.not_modified for r in second)
    print(
        f"full poll:   {full:.2f} s  {feeds / full:.0f} feeds/s  "
        f"(client CPU {full_cpu:.2f} s; {entries} entries parsed)"
    )
    print(
        f"304 poll:    {cached:.2f} s  {feeds / cached:.0f} feeds/s  "
        f"(client CPU {cached_cpu:.2f} s; {unchanged} not modified)"
    )
    print(f"peak RSS:    {peak[0]:.0f} MB (client process + {processes} parse workers)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--parse-processes", type=int, default=2, help="fetch.parse_processes")
    args = parser.parse_args()
    ports: multiprocessing.Queue = multiprocessing.Queue()
    server = multiprocessing.Process(
        target=serve, args=(ports, args.feeds, args.entries, args.latency), daemon=True
    )
    server.start()
    try:
        port = ports.get(timeout=30)
        print(f"{args.feeds} feeds × {args.entries} entries, {args.latency * 1000:.0f} ms latency")
        asyncio.run(run(port, server.pid or 0, args.feeds, args.parse_processes))
    finally:
        server.terminate()
        server.join()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
