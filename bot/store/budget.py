"""The sending budget shared by every instance on one PostgreSQL: Telegram counts per bot token.

Each call is one atomic statement on the database's clock and
answers when the caller's message may go (a slot: Unix time on the database's clock) or how
long it must wait (a chat). A bucket is a virtual
schedule (GCRA, as in `bot.service.pacing`): its row holds the time the next slot is due; taking
one moves it on by one interval, so the instances together never exceed the rate, whoever sends.
SQLite runs one instance and keeps the pacer's in-process schedule instead.

Every instance updates the same bucket row. Each statement runs on its own on the autocommit
pool (`migrate.create_fast_engine`), so the row is locked only while the server executes it —
never across a round trip to a client that a busy CPU may not schedule for milliseconds — and
its commit does not wait for the WAL flush (a database crash only forgets recent slots).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, text

from bot.store.base import SQLBase
from bot.store.schema import send_budget_chats

# A bucket's first slot waits out a pause already in force (reported through another bucket).
_TAKE_SLOT = text(
    """
    INSERT INTO send_budget AS b (name, tat, paused_until)
    SELECT :bucket, GREATEST(extract(epoch from clock_timestamp()), p.until) + :interval, p.until
    FROM (SELECT COALESCE(max(paused_until), 0) AS until FROM send_budget) AS p
    ON CONFLICT (name) DO UPDATE SET tat = GREATEST(
        b.tat, extract(epoch from clock_timestamp()) - :slack * :interval, b.paused_until
    ) + :interval
    RETURNING b.tat - :interval
    """
)
# Not before a pause ends (excluded.tat - interval is "now, or the pause's end if later"):
# messages held back by a 429 must not leave the chat together when it is over.
_TAKE_CHAT = text(
    """
    INSERT INTO send_budget_chats AS c (chat_id, tat)
    SELECT :chat, GREATEST(extract(epoch from clock_timestamp()), p.until) + :interval
    FROM (SELECT COALESCE(max(paused_until), 0) AS until FROM send_budget) AS p
    ON CONFLICT (chat_id) DO UPDATE
    SET tat = GREATEST(c.tat, excluded.tat - :interval) + :interval
    RETURNING c.tat - :interval - extract(epoch from clock_timestamp())
    """
)
# A pause reported before any slot was taken still needs a row to live in.
_PAUSE_ROW = text(
    """
    INSERT INTO send_budget (name, tat) VALUES ('free', extract(epoch from clock_timestamp()))
    ON CONFLICT (name) DO NOTHING
    """
)
_PAUSE = text(
    """
    UPDATE send_budget SET throttled = throttled + 1,
        paused_until = GREATEST(paused_until, extract(epoch from clock_timestamp()) + :seconds)
    """
)
_PAUSED_FOR = text(
    "SELECT GREATEST(max(paused_until) - extract(epoch from clock_timestamp()), 0) FROM send_budget"
)


class BudgetMixin(SQLBase):
    """`bot.service.ports.SendBudget` on PostgreSQL."""

    async def reserve_send_slot(self, bucket: str, interval: float, slack: float) -> float:
        params = {"bucket": bucket, "interval": interval, "slack": slack}
        async with self._fast() as connection:
            return float((await connection.execute(_TAKE_SLOT, params)).scalar_one())

    async def reserve_chat_slot(self, chat_id: int, interval: float) -> float:
        params = {"chat": chat_id, "interval": interval}
        async with self._fast() as connection:
            wait = (await connection.execute(_TAKE_CHAT, params)).scalar_one()
        return max(0.0, float(wait))

    async def pause_sending(self, seconds: float) -> None:
        async with self._fast() as connection:
            await connection.execute(_PAUSE_ROW)
            await connection.execute(_PAUSE, {"seconds": seconds})

    async def sending_paused_for(self) -> float:
        async with self._fast() as connection:
            return float((await connection.scalar(_PAUSED_FOR)) or 0.0)

    async def _prune_budget(self, now: datetime) -> int:
        """Forget chats whose next slot passed over a minute ago (they may receive at once)."""
        cutoff = now.timestamp() - 60.0
        statement = delete(send_budget_chats).where(send_budget_chats.c.tat < cutoff)
        async with self._begin() as connection:
            return int((await connection.execute(statement)).rowcount)
