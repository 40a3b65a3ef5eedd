"""Admin broadcasts: one message to every active chat, at Telegram's pace, resumable.

The target list and every outcome live in the store (`broadcast_deliveries`), so a broadcast
survives a restart: `run` claims unsent targets in leased batches, sends each one through the
`Pacer`, and records the outcome only after Telegram answered. A target is claimed by one
instance at a time and marked once, so nobody is messaged twice by a clean run; after a hard
crash between Telegram's confirmation and our write, at most the messages then in flight repeat.
The leases of claimed targets are renewed while the broadcast runs, and a target is sent only
while its claim is known to be ours (`bot.service.leases`), however long a 429 pause lasts.

A producer claims batches into a bounded queue and `concurrency` workers drain it, so slow
answers overlap and the pacer, not the round trip, sets the rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from bot.errors import InputError
from bot.i18n import N_, Translator, translator
from bot.model import Broadcast, BroadcastOutcome
from bot.ops import metrics
from bot.service import sending
from bot.service.leases import Leases
from bot.service.pacing import Pacer
from bot.service.ports import Messenger, Store
from bot.text.telegram_html import html_problem

log = logging.getLogger(__name__)

# Messages in flight at once; the pacer keeps the rate, this only hides round-trip latency.
CONCURRENCY = 64
# Targets leased per claim, and how long a lease lasts before another instance may take over.
BATCH = 256
LEASE_SECONDS = 300.0
# The status message is edited at most this often (seconds).
PROGRESS_INTERVAL = 3.0
# The rate shown is measured over this many recent seconds.
RATE_WINDOW = 10.0
# Wait this long before looking again when other instances hold every remaining lease.
IDLE_POLL_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class BroadcastProgress:
    """What the status message shows; `finished` is set once, on the final report."""

    broadcast_id: int
    sent: int
    blocked: int
    failed: int
    remaining: int
    rate: float
    eta_seconds: float | None
    status: str
    finished: bool = False
    # Why the latest failed send failed (this run), for an operator whose every send failed.
    last_error: str | None = None


ProgressCallback = Callable[[BroadcastProgress], Awaitable[None]]


class _RateMeter:
    """Messages per second over the last `RATE_WINDOW` seconds (and this run's last error)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._started = clock()
        self._marks: deque[float] = deque()
        self.last_error: str | None = None

    def tick(self) -> None:
        self._marks.append(self._clock())

    def rate(self) -> float:
        now = self._clock()
        while self._marks and self._marks[0] < now - RATE_WINDOW:
            self._marks.popleft()
        span = min(RATE_WINDOW, now - self._started)
        return len(self._marks) / span if span > 0 else 0.0


def progress_of(
    broadcast: Broadcast, rate: float, *, finished: bool = False, last_error: str | None = None
) -> BroadcastProgress:
    """A progress snapshot from the stored counters and the measured rate."""
    eta = broadcast.remaining / rate if rate > 0 else None
    return BroadcastProgress(
        broadcast_id=broadcast.id,
        sent=broadcast.sent,
        blocked=broadcast.blocked,
        failed=broadcast.failed,
        remaining=broadcast.remaining,
        rate=rate,
        eta_seconds=0.0 if broadcast.remaining == 0 else eta,
        status=broadcast.status,
        finished=finished,
        last_error=last_error,
    )


class Broadcaster:
    """Creates, runs, resumes and cancels broadcasts."""

    def __init__(
        self,
        store: Store,
        messenger: Messenger,
        pacer: Pacer,
        *,
        concurrency: int = CONCURRENCY,
        batch: int = BATCH,
        lease_seconds: float = LEASE_SECONDS,
        progress_interval: float = PROGRESS_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        paid: bool = False,
    ) -> None:
        # `paid`: every message is a paid broadcast (`telegram.paid_broadcast`), up to 1,000/s.
        self._paid = paid
        self._store = store
        self._messenger = messenger
        self._pacer = pacer
        self._concurrency = concurrency
        self._batch = batch
        self._lease = lease_seconds
        self._progress_interval = progress_interval
        self._clock = clock
        self._cancelled: set[int] = set()
        self._running: set[int] = set()

    @property
    def running(self) -> frozenset[int]:
        """Broadcasts this process is sending right now."""
        return frozenset(self._running)

    async def create(self, text: str, author_id: int, *, include_groups: bool = False) -> Broadcast:
        """Store a running broadcast with its target list (every active chat, now).

        Text Telegram would refuse for every recipient (broken HTML, too long) is an
        `InputError` before anything is stored or sent.
        """
        if problem := html_problem(text):
            raise InputError(
                N_("the message is not valid Telegram HTML: {problem}"), problem=problem
            )
        broadcast = await self._store.create_broadcast(text, author_id, include_groups)
        log.info("broadcast %d created with %d targets", broadcast.id, broadcast.remaining)
        return broadcast

    async def confirm(
        self, draft_key: str, author_id: int, *, include_groups: bool = False
    ) -> Broadcast | None:
        """Start the author's stored draft (None if it is gone or someone else's)."""
        broadcast = await self._store.confirm_broadcast_draft(draft_key, author_id, include_groups)
        if broadcast is not None:
            log.info("broadcast %d confirmed with %d targets", broadcast.id, broadcast.remaining)
        return broadcast

    async def cancel(self, broadcast_id: int) -> bool:
        """Stop claiming new targets; in-flight messages finish. False if it was not running."""
        broadcast = await self._store.get_broadcast(broadcast_id)
        if broadcast is None or broadcast.status != "running":
            return False
        await self._store.set_broadcast_status(broadcast_id, "cancelled")
        self._cancelled.add(broadcast_id)
        log.info("broadcast %d cancelled", broadcast_id)
        return True

    async def run(
        self, broadcast_id: int, on_progress: ProgressCallback | None = None
    ) -> BroadcastProgress:
        """Send every remaining target; returns the final report (also given to `on_progress`)."""
        broadcast = await self._store.get_broadcast(broadcast_id)
        if broadcast is None:
            raise LookupError(f"no broadcast {broadcast_id}")
        meter = _RateMeter(self._clock)
        self._running.add(broadcast_id)
        reporter = (
            asyncio.create_task(self._report(broadcast_id, meter, on_progress))
            if on_progress
            else None
        )
        try:
            if broadcast.status == "running":
                await self._send_all(broadcast, meter)
        finally:
            self._running.discard(broadcast_id)
            self._cancelled.discard(broadcast_id)
            if reporter:
                reporter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reporter
        final = await self._store.get_broadcast(broadcast_id)
        assert final is not None
        report = progress_of(final, meter.rate(), finished=True, last_error=meter.last_error)
        self._publish(report)
        if on_progress:
            await on_progress(report)
        return report

    async def _send_all(self, broadcast: Broadcast, meter: _RateMeter) -> None:
        queue: asyncio.Queue[int] = asyncio.Queue(maxsize=self._batch * 2)
        html = broadcast.text
        renew = partial(self._store.renew_broadcast_targets, broadcast.id)
        async with Leases(renew, self._lease).kept() as leases:
            await self._claim_and_send(broadcast, queue, html, leases, meter)

    async def _claim_and_send(
        self,
        broadcast: Broadcast,
        queue: asyncio.Queue[int],
        html: str,
        leases: Leases[int],
        meter: _RateMeter,
    ) -> None:
        async def worker() -> None:
            while True:
                chat_id = await queue.get()
                try:
                    if broadcast.id not in self._cancelled:
                        await self._deliver(broadcast.id, chat_id, html, meter, leases)
                except Exception:
                    # The row stays claimed; its lease lapses and it is retried later.
                    log.exception("broadcast %d: chat %d not recorded", broadcast.id, chat_id)
                finally:
                    queue.task_done()

        workers = [asyncio.create_task(worker()) for _ in range(self._concurrency)]
        try:
            while broadcast.id not in self._cancelled:
                claimed_at = leases.start_claim()
                ids = await self._store.claim_broadcast_batch(
                    broadcast.id, self._batch, self._lease
                )
                leases.add(ids, claimed_at)
                if not ids:
                    await queue.join()
                    current = await self._store.get_broadcast(broadcast.id)
                    if current is None or current.status != "running":
                        break
                    if current.remaining == 0:
                        await self._store.set_broadcast_status(broadcast.id, "done")
                        log.info("broadcast %d done", broadcast.id)
                        break
                    # Another instance holds the rest; look again when its leases may lapse.
                    await asyncio.sleep(IDLE_POLL_SECONDS)
                    continue
                for chat_id in ids:
                    await queue.put(chat_id)
            await queue.join()
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    async def _deliver(
        self, broadcast_id: int, chat_id: int, html: str, meter: _RateMeter, leases: Leases[int]
    ) -> None:
        """Send to one target until Telegram gives a final answer, then record it."""
        target = chat_id
        attempts = 0

        def still_ours() -> bool:
            if broadcast_id in self._cancelled:
                return False
            if not leases.held(target):
                log.info("broadcast %d: claim on %d lapsed, not sent", broadcast_id, target)
                return False
            return True

        def moved(old: int, new: int) -> None:
            nonlocal target
            leases.moved(old, new)
            target = new

        try:
            while True:
                sent = await sending.send(
                    self._messenger,
                    self._pacer,
                    self._store,
                    target,
                    html,
                    may_send=still_ours,
                    on_migrated=moved,
                    paid=self._paid,
                )
                if sent.failure == "unavailable":
                    attempts += 1
                    delay = sending.RETRIES.delay(attempts, sending.INLINE_RETRY_BASE)
                    if delay is not None:
                        await asyncio.sleep(delay)
                        continue
                if sent.failure == "withdrawn":
                    return
                outcome: BroadcastOutcome = "sent"
                if sent.failure == "gone":
                    await self._store.set_chat_active(target, False)
                    outcome = "blocked"
                elif sent.failure is not None:
                    outcome = "failed"
                if outcome == "failed":
                    meter.last_error = sent.error
                await self._store.mark_broadcast_delivery(
                    broadcast_id,
                    target,
                    outcome,
                    message_id=sent.message_id,
                    error=sent.error or None,
                )
                if outcome == "sent":
                    meter.tick()
                return
        finally:
            leases.done(target)

    async def _report(
        self, broadcast_id: int, meter: _RateMeter, on_progress: ProgressCallback
    ) -> None:
        """Give `on_progress` a fresh snapshot every `progress_interval` seconds."""
        while True:
            await asyncio.sleep(self._progress_interval)
            current = await self._store.get_broadcast(broadcast_id)
            if current is None:
                return
            progress = progress_of(current, meter.rate())
            self._publish(progress)
            try:
                await on_progress(progress)
            except Exception:
                # A status message that cannot be edited must not stop the broadcast.
                log.warning("broadcast %d: progress update failed", broadcast_id, exc_info=True)

    @staticmethod
    def _publish(progress: BroadcastProgress) -> None:
        metrics.set_broadcast_progress(
            sent=progress.sent,
            blocked=progress.blocked,
            failed=progress.failed,
            remaining=progress.remaining,
        )


_HEADS = {"done": N_("Broadcast finished"), "cancelled": N_("Broadcast cancelled")}


def format_progress(progress: BroadcastProgress, language: Translator | None = None) -> str:
    """The status message text (plain, HTML-safe), in the operator's language (or English)."""
    _ = language or translator(None)
    if progress.finished:
        head = _(_HEADS.get(progress.status, N_("Broadcast stopped")))
    else:
        head = _("Broadcasting…")
    lines = [
        f"{head} (#{progress.broadcast_id})",
        _("sent: {count}", count=progress.sent),
        _("blocked: {count}", count=progress.blocked),
        _("failed: {count}", count=progress.failed),
        _("remaining: {count}", count=progress.remaining),
    ]
    if not progress.finished:
        eta = _.duration(progress.eta_seconds) if progress.eta_seconds is not None else "—"
        lines += [
            _("rate: {rate} msg/s", rate=_.number(progress.rate, 1)),
            _("ETA: {duration}", duration=eta),
        ]
    return "\n".join(lines)
