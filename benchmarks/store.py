"""Store benchmark: 100,000 subscribers and a 1,000,000-row ledger on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/store.py                       # SQLite only
    .venv/bin/python benchmarks/store.py --postgres postgresql+asyncpg://postgres@127.0.0.1/test

For each backend, on a fresh database: seed (chats, one feed they all follow, ten old items and
a sent ledger row per chat and item), then time
  * fan-out: `subscribers(feed)` (the chats due for a new item) and `enqueue_deliveries` for them;
  * claim-and-mark: `claim_deliveries` in batches + `mark_sent_many` per batch (how a sender that
    confirms a batch of sends marks them), and — for comparison — `mark_sent` row by row;
and print the database size. Targets from one process: ≥ 5,000 claims/s on SQLite, ≥ 2,000/s
on PostgreSQL. The PostgreSQL URL names an existing database used only to create (and drop) a
scratch database next to it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, literal, select
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.model import DeliveryRequest
from bot.store import Store, open_store
from bot.store.schema import chats, deliveries, items
from tests.store_seed import admin_sql, seed_subscribers

OLD_ITEMS = 10


async def _seed(store: Store, subscribers: int, ledger_rows: int) -> int:
    """Chats 1..N following one feed, old items and `ledger_rows` sent ledger rows."""
    feed_id = await seed_subscribers(store, subscribers, "https://bench.example/rss")
    engine = store._engine  # type: ignore[attr-defined]  # bulk seeding goes under the API
    now = datetime.now(UTC)
    per_item = min(subscribers, ledger_rows // OLD_ITEMS)
    async with engine.begin() as connection:
        for n in range(OLD_ITEMS):
            seen = now - timedelta(days=1, minutes=n)
            item_id = (
                await connection.execute(
                    items.insert()
                    .values(feed_id=feed_id, identity=f"old-{n}", title=f"Old {n}", first_seen=seen)
                    .returning(items.c.id)
                )
            ).scalar_one()
            history = select(
                chats.c.id,
                literal(item_id),
                literal("sent"),
                chats.c.id,  # any message id
                literal(1),
                literal(seen, deliveries.c.created_at.type),
            ).where(chats.c.id <= per_item)
            await connection.execute(
                deliveries.insert().from_select(
                    ["chat_id", "item_id", "state", "message_id", "attempts", "created_at"],
                    history,
                )
            )
    return feed_id


async def _size(store: Store, url: str) -> int:
    if store.dialect == "sqlite":
        path = Path(make_url(url).database or "")
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    async with store._engine.connect() as connection:  # type: ignore[attr-defined]
        return int(await connection.scalar(select(func.pg_database_size(func.current_database()))))


async def _claim_and_mark(
    store: Store, batch: int, limit: int, one_by_one: bool
) -> tuple[int, float]:
    claimed = 0
    started = time.perf_counter()
    while claimed < limit:
        rows = await store.claim_deliveries(min(batch, limit - claimed), lease_seconds=60)
        if not rows:
            break
        if one_by_one:
            for row in rows:
                await store.mark_sent(row.id, row.chat_id)
        else:
            await store.mark_sent_many([(row.id, row.chat_id) for row in rows])
        claimed += len(rows)
    return claimed, time.perf_counter() - started


async def bench(url: str, label: str, args: argparse.Namespace) -> None:
    store = await open_store(url)
    try:
        started = time.perf_counter()
        feed_id = await _seed(store, args.subscribers, args.ledger)
        seeded = time.perf_counter() - started
        stats = await store.stats()
        engine = store._engine  # type: ignore[attr-defined]
        async with engine.connect() as connection:
            ledger = await connection.scalar(select(func.count()).select_from(deliveries))
        print(
            f"\n== {label}: {stats.chats:,} chats, {ledger:,} ledger rows"
            f" (seeded in {seeded:.1f} s)"
        )

        item = await store.add_item(feed_id, "new", title="Breaking")
        assert item is not None
        started = time.perf_counter()
        due = await store.subscribers(feed_id)
        selected = time.perf_counter() - started
        started = time.perf_counter()
        added = await store.enqueue_deliveries([DeliveryRequest(s.chat_id, item.id) for s in due])
        enqueued = time.perf_counter() - started
        print(f"select chats due for a new item: {len(due):,} in {selected * 1000:.0f} ms")
        print(f"enqueue their ledger rows:       {added:,} in {enqueued * 1000:.0f} ms")

        count, seconds = await _claim_and_mark(store, args.batch, args.claims, one_by_one=False)
        print(
            f"claim {args.batch}/batch + mark_sent_many: {count:,} in {seconds:.2f} s"
            f" = {count / seconds:,.0f} claims/s"
        )
        count, seconds = await _claim_and_mark(store, args.batch, args.single, one_by_one=True)
        print(
            f"claim {args.batch}/batch + mark_sent per row: {count:,} in {seconds:.2f} s"
            f" = {count / seconds:,.0f} claims/s"
        )
        print(f"database size: {await _size(store, url) / 1e6:,.0f} MB")
    finally:
        await store.aclose()


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        await bench(f"sqlite+aiosqlite:///{Path(scratch) / 'bench.db'}", "SQLite", args)
    if args.postgres:
        name = f"newsbot_bench_{uuid.uuid4().hex[:8]}"
        await admin_sql(args.postgres, f"CREATE DATABASE {name}")
        try:
            url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
            await bench(url, "PostgreSQL", args)
        finally:
            await admin_sql(args.postgres, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", default=os.environ.get("NEWSBOT_BENCH_POSTGRES_URL"))
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--ledger", type=int, default=1_000_000)
    parser.add_argument("--claims", type=int, default=50_000, help="claims for the batch test")
    parser.add_argument("--single", type=int, default=10_000, help="claims marked row by row")
    parser.add_argument("--batch", type=int, default=500)
    asyncio.run(main(parser.parse_args()))
