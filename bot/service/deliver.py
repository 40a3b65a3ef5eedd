"""Send what the ledger holds: pending posts oldest first, and daily digests at HH:MM.

Each ledger row is claimed (leased) before sending and marked sent with Telegram's message id
only after Telegram confirmed, so a clean run never posts an item twice to a chat. While a batch
is worked its leases are renewed in the background, and a row is sent only while its lease is
known to be ours (`bot.service.leases`), so another instance never takes over a row we are
still about to send. A chat's rows
go out one after another (the pacer spaces them); different chats go out concurrently.

What Telegram answers decides the row's fate (the mapping itself is in `bot.tg.messenger`):
chat gone → the chat and its routes are switched off and its rows skipped; migrated → the
supergroup id takes over and we resend there; 429 → every sender pauses and we retry; a
rejected message → failed for good; a transient failure → retried later with back-off, a
bounded number of times.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from time import monotonic

from bot.errors import (
    ChatGoneError,
    DeliveryError,
)
from bot.i18n.labels import labels_for
from bot.model import Chat, Delivery, Item, Summary
from bot.ops import metrics
from bot.service import sending
from bot.service.digest import digest_batches, digest_due
from bot.service.leases import Leases
from bot.service.pacing import Pacer
from bot.service.ports import Messenger, Store
from bot.text.render import render_html

log = logging.getLogger(__name__)

# Rows claimed per pass, chats sent to at once, and how long a claim lasts (seconds).
BATCH = 200
CONCURRENCY = 16
LEASE_SECONDS = 120.0
# Start no new message of a claimed batch once this fraction of a lease has passed, so one slow
# group cannot hold up everyone's next pass; the rest is claimed again after its lease.
BATCH_TIME = 0.8
# Stories first seen this far apart still count as the same story ("also: …").
DUPLICATE_WINDOW = timedelta(hours=48)

Now = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


@dataclass(slots=True)
class DeliveryReport:
    """What one pass did."""

    sent: int = 0
    failed: int = 0
    retried: int = 0
    skipped: int = 0
    gone_chats: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """How one chat wants its posts."""

    points: int
    link_preview: bool
    hashtags: bool = False
    # The interface language of the post's labels ("Source", "via"); None: English.
    language: str | None = None


class Deliverer:
    """Drains the delivery ledger through the pacer and the messenger."""

    def __init__(
        self,
        store: Store,
        messenger: Messenger,
        pacer: Pacer,
        *,
        batch: int = BATCH,
        concurrency: int = CONCURRENCY,
        lease_seconds: float = LEASE_SECONDS,
        now: Now = utcnow,
    ) -> None:
        self._store = store
        self._messenger = messenger
        self._pacer = pacer
        self._batch = batch
        self._concurrency = concurrency
        self._lease = lease_seconds
        self._now = now
        self._feed_names: dict[int, str] = {}

    # -- instant delivery ---------------------------------------------------------------------

    async def deliver_pending(self) -> DeliveryReport:
        """Send every claimable pending row (instant-mode chats), oldest first."""
        report = DeliveryReport()
        while True:
            leases = self._leases()
            claimed_at = leases.start_claim()
            rows = await self._store.claim_deliveries(self._batch, self._lease)
            if not rows:
                return report
            leases.add((row.id for row in rows), claimed_at)
            async with leases.kept():
                await self._deliver_batch(rows, leases, report)

    def _leases(self) -> Leases[int]:
        return Leases(self._store.renew_deliveries, self._lease)

    async def _deliver_batch(
        self, rows: list[Delivery], leases: Leases[int], report: DeliveryReport
    ) -> None:
        deadline = monotonic() + self._lease * BATCH_TIME
        items = {i.id: i for i in await self._store.get_items([r.item_id for r in rows])}
        by_chat: dict[int, list[Delivery]] = defaultdict(list)
        for row in rows:
            by_chat[row.chat_id].append(row)
        limit = asyncio.Semaphore(self._concurrency)

        async def one_chat(chat_rows: list[Delivery]) -> None:
            async with limit:
                await self._deliver_chat(chat_rows, items, leases, report, deadline)

        await asyncio.gather(*(one_chat(chat_rows) for chat_rows in by_chat.values()))

    async def _deliver_chat(
        self,
        rows: list[Delivery],
        items: dict[int, Item],
        leases: Leases[int],
        report: DeliveryReport,
        deadline: float,
    ) -> None:
        chat_id = rows[0].chat_id
        try:
            for position, row in enumerate(rows):
                if monotonic() > deadline:
                    return
                try:
                    chat_id = await self._deliver_row(row, chat_id, items, leases, report)
                except ChatGoneError as exc:
                    await self._chat_gone(chat_id, str(exc), rows[position:], report)
                    for gone in rows[position:]:
                        leases.done(gone.id)
                    return
                finally:
                    leases.done(row.id)
        except Exception:
            # Unclaimed rows' leases lapse and they are re-driven; never let one chat kill the pass.
            log.exception("delivery to chat %d failed unexpectedly", chat_id)

    async def _deliver_row(
        self,
        row: Delivery,
        chat_id: int,
        items: dict[int, Item],
        leases: Leases[int],
        report: DeliveryReport,
    ) -> int:
        """Send and settle one row (ChatGoneError is left to the caller); the chat's id after."""
        if not leases.held(row.id):
            return chat_id
        item = items.get(row.item_id)
        if item is None or item.summary is None:
            await self._skip(row, "item has no summary", report)
            return chat_id
        options = await self._options(chat_id, item)
        html = render_html(
            item.summary,
            hashtags=(self._tag(item.summary),) if options.hashtags else (),
            also=await self._also(item),
            max_points=options.points,
            labels=labels_for(options.language),
        )
        outcome = await self._send(
            chat_id, html, row.thread_id, options.link_preview, lambda: leases.held(row.id)
        )
        if outcome.failure == "gone":
            raise ChatGoneError(outcome.error)
        if outcome.failure == "rejected":
            await self._store.mark_failed(row.id, outcome.error)
            self._count(report, "failed")
        elif outcome.failure == "unavailable":
            await self._retry_later(row, outcome.error, report)
        elif outcome.message_id is not None:
            await self._store.mark_sent(row.id, outcome.message_id)
            self._count(report, "sent")
        return outcome.chat_id

    async def _send(
        self,
        chat_id: int,
        html: str,
        thread_id: int | None,
        link_preview: bool,
        claimed: Callable[[], bool],
    ) -> sending.Outcome:
        """`sending.send` from this deliverer; "withdrawn" when the claim lapsed before a try
        (the row is left for whoever holds it, and nothing is sent)."""
        outcome = await sending.send(
            self._messenger,
            self._pacer,
            self._store,
            chat_id,
            html,
            may_send=claimed,
            thread_id=thread_id,
            link_preview=link_preview,
        )
        if outcome.failure == "withdrawn":
            log.info("chat %d: claim lapsed before sending, left for the next pass", chat_id)
        return outcome

    async def _chat_gone(
        self, chat_id: int, reason: str, rows: Sequence[Delivery], report: DeliveryReport
    ) -> None:
        log.info("chat %d is gone (%s): deactivated", chat_id, reason)
        await self._store.set_chat_active(chat_id, False)
        await self._store.deactivate_routes(chat_id)
        report.gone_chats.append(chat_id)
        for row in rows:
            await self._store.mark_skipped(row.id, f"chat gone: {reason}")
            metrics.DELIVERIES.labels("blocked").inc()
            report.skipped += 1

    async def _retry_later(self, row: Delivery, error: str, report: DeliveryReport) -> None:
        delay = sending.RETRIES.delay(row.attempts + 1, sending.LEDGER_RETRY_BASE)
        if delay is None:
            await self._store.mark_failed(row.id, error)
            self._count(report, "failed")
            return
        retry_at = self._now() + timedelta(seconds=delay)
        await self._store.mark_failed(row.id, error, retry_at=retry_at)
        report.retried += 1

    async def _skip(self, row: Delivery, reason: str, report: DeliveryReport) -> None:
        await self._store.mark_skipped(row.id, reason)
        self._count(report, "skipped")

    @staticmethod
    def _count(report: DeliveryReport, outcome: str) -> None:
        setattr(report, outcome, getattr(report, outcome) + 1)
        metrics.DELIVERIES.labels(outcome).inc()

    # -- rendering ----------------------------------------------------------------------------

    async def _options(self, chat_id: int, item: Item) -> RenderOptions:
        """A channel route's options, else the chat's own settings."""
        chat = await self._store.get_chat(chat_id)
        if chat is not None and chat.kind == "channel":
            for route in await self._store.list_routes(chat_id):
                if route.feed_id == item.feed_id:
                    o = route.options
                    language = o.language or chat.language
                    return RenderOptions(o.points, o.link_preview, o.hashtags, language)
        if chat is None:
            return RenderOptions(points=4, link_preview=False)
        settings = chat.settings
        return RenderOptions(settings.points, settings.link_preview, language=chat.language)

    async def _also(self, item: Item) -> tuple[str, ...]:
        """The other source of the same story, when another feed carried it too."""
        since = (item.first_seen or self._now()) - DUPLICATE_WINDOW
        other = await self._store.find_duplicate(
            item.url, item.title, since, exclude_feed_id=item.feed_id
        )
        if other is None:
            return ()
        name = await self.feed_name(other.feed_id)
        return (name,) if name else ()

    async def feed_name(self, feed_id: int) -> str:
        """A feed's display name (cached): its title, else its URL."""
        if feed_id not in self._feed_names:
            feed = await self._store.get_feed(feed_id)
            self._feed_names[feed_id] = (feed.title or feed.url) if feed else ""
        return self._feed_names[feed_id]

    async def note_duplicate(self, chat_id: int, original: Item, other_feed_id: int) -> bool:
        """The same story came from another feed: True if the chat already has `original`.

        A post already sent gains "Also: <other source>" by an edit; a pending one will find
        the other source itself when it is rendered.
        """
        row = await self._store.get_delivery(chat_id, original.id)
        if row is None or row.state not in ("pending", "sent"):
            return False
        if row.state == "sent" and row.message_id is not None and original.summary is not None:
            options = await self._options(chat_id, original)
            name = await self.feed_name(other_feed_id)
            html = render_html(
                original.summary,
                hashtags=(self._tag(original.summary),) if options.hashtags else (),
                also=(name,) if name else (),
                max_points=options.points,
                labels=labels_for(options.language),
            )
            try:
                await self._messenger.edit(chat_id, row.message_id, html)
            except DeliveryError as exc:
                log.info("could not add 'also' to chat %d's post: %s", chat_id, exc)
        return True

    @staticmethod
    def _tag(summary: Summary) -> str:
        return summary.original_source or summary.publisher or summary.source

    # -- digests ------------------------------------------------------------------------------

    async def send_digests(self) -> int:
        """Send each digest chat whose HH:MM has just come its pending posts; messages sent."""
        now = self._now()
        sent = 0
        for chat in await self._store.digest_chats():
            if digest_due(chat, now):
                sent += await self.send_digest(chat)
        return sent

    async def send_digest(self, chat: Chat) -> int:
        """Pack a chat's pending posts into as few messages as the length limit allows."""
        leases = self._leases()
        claimed_at = leases.start_claim()
        rows = await self._store.claim_deliveries(
            self._batch, self._lease, chat_id=chat.id, include_digest=True
        )
        if not rows:
            return 0
        leases.add((row.id for row in rows), claimed_at)
        async with leases.kept():
            return await self._send_digest(chat, rows, leases)

    async def _send_digest(self, chat: Chat, rows: list[Delivery], leases: Leases[int]) -> int:
        items = {i.id: i for i in await self._store.get_items([r.item_id for r in rows])}
        ready = [(r, items[r.item_id].summary) for r in rows if r.item_id in items]
        summaries = [s for _, s in ready if s is not None]
        batches = digest_batches([r for r, s in ready if s is not None], summaries, chat)
        report = DeliveryReport()
        for html, batch_rows in batches:
            outcome = await self._send(
                chat.id,
                html,
                batch_rows[0].thread_id,
                chat.settings.link_preview,
                partial(leases.held_all, [row.id for row in batch_rows]),
            )
            if outcome.failure == "gone":
                await self._chat_gone(chat.id, outcome.error, rows, report)
                return report.sent
            for row in batch_rows:
                if outcome.failure in ("rejected", "unavailable"):
                    await self._retry_later(row, outcome.error, report)
                leases.done(row.id)
            if outcome.message_id is None:
                continue
            await self._store.mark_sent_many([(r.id, outcome.message_id) for r in batch_rows])
            report.sent += 1
            metrics.DELIVERIES.labels("sent").inc(len(batch_rows))
        return report.sent
