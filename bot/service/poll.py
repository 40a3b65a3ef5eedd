"""Poll due feeds and turn each new entry into one stored summary and its ledger rows.

A feed is leased from the store before polling, so N instances poll it once. A new entry is
summarised once (the page through the fetcher, or the feed's own excerpt when the page is
unavailable or thin), stored, and queued for every subscribed chat whose keyword filter it
passes and every channel route. The same story from another feed (same canonical URL or
near-identical title) is not queued again for a chat that already has it: the chat's existing
post gains "Also: <other source>" instead. A feed's first successful poll only records what is
already there, so subscribers get news, not the feed's back catalogue.

Failures back off through `bot.feeds.policy`; a feed that starts failing is reported to the
operator once per failure streak.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from bot.errors import FetchError, NewsbotError, StoreError
from bot.feeds import policy
from bot.i18n import N_, Text
from bot.model import DEFAULT_POINTS, DeliveryRequest, Entry, Item, StoredFeed, Summary
from bot.ops import metrics
from bot.service.articles import article_of
from bot.service.deliver import DUPLICATE_WINDOW, Deliverer, utcnow
from bot.service.ports import Store, Summarizer, Web

log = logging.getLogger(__name__)

# Feeds leased per pass, polled at once, and how long a lease lasts (seconds).
CLAIM_BATCH = 50
CONCURRENCY = 10
LEASE_SECONDS = 300.0
# The operator hears about a feed when its failure streak reaches this length (once per streak).
ALERT_AFTER_FAILURES = 3
# On a feed's first poll, summarise only this many newest entries (for /latest); queue none.
BASELINE_SUMMARIES = 3
# Words are runs of letters and digits; filters match whole words, case-insensitively.
_WORD = re.compile(r"\w+")

Alert = Callable[[str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class FeedSource:
    """What the catalogue says about a feed: display name and poll interval (seconds)."""

    name: str
    interval: int | None = None


@dataclass(slots=True)
class PollReport:
    """What one pass did."""

    feeds: int = 0
    failed: int = 0
    new_items: int = 0
    queued: int = 0

    def add(self, other: PollReport) -> None:
        """Count another report's work into this one."""
        self.feeds += other.feeds
        self.failed += other.failed
        self.new_items += other.new_items
        self.queued += other.queued


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    """How one feed of a cycle went, for progress reports.

    `claimed` is how many feeds the cycle has leased so far: the running total to count
    progress against (it grows when more than one batch is due).
    """

    feed: StoredFeed
    failed: bool
    new_items: int
    claimed: int


FeedDone = Callable[[FeedOutcome], None]


def words(text: str) -> set[str]:
    """The distinct lower-cased words of a text."""
    return {w.casefold() for w in _WORD.findall(text)}


def passes_filter(text: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    """Plain-word filter: some include word present (if any are given), no exclude word."""
    present = words(text)
    if any(w.casefold() in present for w in exclude):
        return False
    return not include or any(w.casefold() in present for w in include)


def summary_text(summary: Summary) -> str:
    """The text a keyword filter looks at: headline and key points."""
    return " ".join((summary.headline, *summary.key_points))


class Poller:
    """Polls due feeds, summarises new entries and queues their deliveries."""

    def __init__(
        self,
        store: Store,
        fetcher: Web,
        summarizer: Summarizer,
        deliverer: Deliverer,
        *,
        sources: Mapping[str, FeedSource] | None = None,
        max_points: int = DEFAULT_POINTS,
        alert: Alert | None = None,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._summarizer = summarizer
        self._deliverer = deliverer
        self._sources = dict(sources or {})
        self._max_points = max_points
        self._alert = alert
        self._limit = asyncio.Semaphore(concurrency)

    async def poll_due(self, *, on_feed: FeedDone | None = None) -> PollReport:
        """Poll every feed that is due now; one full cycle. `on_feed` hears of each feed."""
        report = PollReport()
        claimed = 0
        while feeds := await self._store.claim_due_feeds(CLAIM_BATCH, LEASE_SECONDS):
            claimed += len(feeds)
            await asyncio.gather(*(self._guarded(feed, report, claimed, on_feed) for feed in feeds))
        metrics.LAST_POLL_CYCLE.set_to_current_time()
        metrics.POLL_CYCLES.inc()
        return report

    async def _guarded(
        self, feed: StoredFeed, report: PollReport, claimed: int, on_feed: FeedDone | None
    ) -> None:
        async with self._limit:
            own = PollReport(feeds=1)
            try:
                await self.poll_feed(feed, own)
            except Exception as exc:
                # One bad feed never stops a cycle; it is backed off and reported like any
                # failing feed (if the store cannot even record that, the lease lapses).
                log.exception("polling feed %d failed unexpectedly", feed.id)
                error = exc if isinstance(exc, NewsbotError) else StoreError(_describe(exc))
                with contextlib.suppress(NewsbotError):
                    await self._failed(feed, self._source(feed), error, own)
                own.failed = 1
            report.add(own)
            if on_feed is not None:
                on_feed(FeedOutcome(feed, own.failed > 0, own.new_items, claimed))

    def _source(self, feed: StoredFeed) -> FeedSource:
        known = self._sources.get(feed.source_id or "")
        return known or FeedSource(name=feed.title or feed.url)

    async def poll_feed(self, feed: StoredFeed, report: PollReport | None = None) -> None:
        """Fetch one feed, store what is new, queue deliveries, and save its next poll time."""
        report = report if report is not None else PollReport()
        source = self._source(feed)
        now = utcnow()
        try:
            response = await self._fetcher.fetch_feed(
                feed.url,
                etag=feed.state.etag,
                last_modified=feed.state.last_modified,
                trusted=feed.source_id is not None,
            )
        except NewsbotError as exc:
            await self._failed(feed, source, exc, report)
            return
        metrics.POLLS.labels("not_modified" if response.not_modified else "ok").inc()
        baseline = await self._is_first_poll(feed)
        title = response.feed.title if response.feed else None
        problems: list[str] = []
        if response.feed is not None:
            entries = sorted(response.feed.entries, key=_entry_order)
            if baseline:
                await self._record_baseline(feed, source, entries, problems)
            else:
                await self._new_entries(feed, source, entries, report, problems)
        if problems:
            # The good entries are stored and queued; the feed is backed off and reported so
            # the operator sees what could not be stored, and the bad ones are tried again.
            error = StoreError(f"{len(problems)} entries not stored: {problems[0]}")
            await self._failed(feed, source, error, report)
            return
        state = policy.after_success(
            feed.state,
            now=now,
            interval=source.interval,
            etag=response.etag,
            last_modified=response.last_modified,
        )
        await self._store.save_feed_state(feed.id, state, title=title)

    async def _is_first_poll(self, feed: StoredFeed) -> bool:
        """Never polled, or nothing recorded yet: what the feed holds is its back catalogue."""
        if feed.state.next_poll_at is None:
            return True
        return not await self._store.latest_items([feed.id], 1)

    async def _failed(
        self, feed: StoredFeed, source: FeedSource, error: NewsbotError, report: PollReport
    ) -> None:
        report.failed += 1
        metrics.POLLS.labels("failed").inc()
        if isinstance(error, FetchError):
            metrics.FETCH_FAILURES.labels(error.reason).inc()
        state = policy.after_failure(feed.state, error, now=utcnow(), interval=source.interval)
        await self._store.save_feed_state(feed.id, state)
        log.info("feed %d failed (%d in a row): %s", feed.id, state.consecutive_failures, error)
        if self._alert is None:
            return
        if state.consecutive_failures == ALERT_AFTER_FAILURES or (
            feed.state.active and not state.active
        ):
            template = (
                N_("Feed {name} ({url}) is failing after {count} failed polls: {error}")
                if state.active
                else N_("Feed {name} ({url}) was switched off after {count} failed polls: {error}")
            )
            values = {"name": source.name, "url": feed.url, "error": state.last_error}
            await self._alert(Text(template, count=state.consecutive_failures, **values))

    async def _record_baseline(
        self, feed: StoredFeed, source: FeedSource, entries: Sequence[Entry], problems: list[str]
    ) -> None:
        newest = {e.identity for e in entries[-BASELINE_SUMMARIES:]}
        for entry in entries:
            try:
                item = await self._add_item(feed, entry)
                if item is not None and entry.identity in newest:
                    await self._summarise(feed, item, entry, source)
            except Exception as exc:  # noqa: BLE001 - one bad entry costs only itself
                problems.append(_entry_problem(feed, entry, exc))

    async def _add_item(self, feed: StoredFeed, entry: Entry) -> Item | None:
        item = await self._store.add_item(
            feed.id, entry.identity, url=entry.link, title=entry.title, published=entry.published
        )
        if item is not None:
            metrics.ITEMS.inc()
        return item

    async def _new_entries(
        self,
        feed: StoredFeed,
        source: FeedSource,
        entries: Sequence[Entry],
        report: PollReport,
        problems: list[str],
    ) -> None:
        """Store the new entries (newest first, stopping after a run of known dated ones), then
        summarise and queue them oldest first; a failing entry costs only itself."""
        added: list[tuple[Item, Entry]] = []
        # Only dated entries say which end is newest; an undated document may list its newest
        # first or last, so all of it (at most MAX_ENTRIES) is looked at.
        dated = all(entry.published is not None for entry in entries)
        known_run = 0
        for entry in reversed(entries):
            try:
                item = await self._add_item(feed, entry)
            except Exception as exc:  # noqa: BLE001 - one bad entry costs only itself
                problems.append(_entry_problem(feed, entry, exc))
                continue
            if item is not None:
                added.append((item, entry))
                known_run = 0
            elif dated and (known_run := known_run + 1) >= policy.KNOWN_RUN:
                break
        for item, entry in reversed(added):
            report.new_items += 1
            try:
                summary = await self._summarise(feed, item, entry, source)
                report.queued += await self._queue(feed, item, summary)
            except Exception as exc:  # noqa: BLE001 - one bad entry costs only itself
                problems.append(_entry_problem(feed, entry, exc))

    async def _summarise(
        self, feed: StoredFeed, item: Item, entry: Entry, source: FeedSource
    ) -> Summary:
        article = await article_of(
            self._fetcher,
            entry,
            site_name=source.name,
            feed_url=feed.url,
            trusted_feed=feed.source_id is not None,
        )
        started = time.perf_counter()
        try:
            summary = await self._summarizer.summarize(article, max_points=self._max_points)
            backend = self._summarizer.name
        except NewsbotError as exc:
            # Backends fall back to the extractive summary themselves (the `Summarizer` port):
            # what reaches here is text nothing can summarise.
            log.info("item %d has no usable text (%s); headline only", item.id, exc)
            summary, backend = _headline_only(entry, source), "extractive"
        metrics.SUMMARIZE_SECONDS.labels(backend).observe(time.perf_counter() - started)
        if not summary.source:
            summary = replace(summary, source=source.name)
        await self._store.set_item_summary(item.id, summary)
        return summary

    async def _queue(self, feed: StoredFeed, item: Item, summary: Summary) -> int:
        """Ledger rows for every subscriber whose filter passes and every channel route."""
        text = summary_text(summary)
        targets: dict[int, int | None] = {}
        for sub in await self._store.subscribers(feed.id):
            if passes_filter(text, sub.include, sub.exclude):
                targets[sub.chat_id] = sub.thread_id
        for route in await self._store.routes_for_feed(feed.id):
            targets.setdefault(route.chat_id, None)
        if not targets:
            return 0
        original = await self._store.find_duplicate(
            item.url, item.title, utcnow() - DUPLICATE_WINDOW, exclude_feed_id=feed.id
        )
        if original is not None:
            for chat_id in list(targets):
                if await self._deliverer.note_duplicate(chat_id, original, feed.id):
                    del targets[chat_id]
        requests = [DeliveryRequest(c, item.id, thread) for c, thread in targets.items()]
        return await self._store.enqueue_deliveries(requests)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


def _entry_problem(feed: StoredFeed, entry: Entry, exc: BaseException) -> str:
    log.warning("feed %d: entry %r not stored (%s)", feed.id, entry.identity[:80], _describe(exc))
    return _describe(exc)


def _headline_only(entry: Entry, source: FeedSource) -> Summary:
    """The post of an entry with no usable text: its title, source and link."""
    return Summary(
        headline=entry.title or source.name,
        key_points=(),
        source=source.name,
        url=entry.link,
        published=entry.published,
        from_feed_excerpt=True,
    )


def _entry_order(entry: Entry) -> tuple[float, str]:
    """Oldest first; undated entries keep their relative place at the start."""
    return (entry.published.timestamp() if entry.published else 0.0, "")
