"""Background work on PTB's job queue: polling, delivery, digests, pruning, start-up recovery.

Periodic jobs run only on the leader (the store's leader lease; on SQLite the one instance is
always the leader), and a job that is still running when its next tick comes is skipped rather
than stacked. At start every instance re-drives stale claims and the leader resumes unfinished
broadcasts and installs the channel routes from the config file. A clean stop gives the lease
up (`step_down`) so another instance leads at once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import TelegramError
from telegram.ext import Application

from bot.errors import NewsbotError
from bot.i18n import translator
from bot.model import RouteOptions
from bot.ops import metrics
from bot.service.channels import install_channel, routed_sources
from bot.service.deliver import utcnow
from bot.tg.admin import start_broadcast
from bot.tg.bot_data import BOT_DATA_KEY, Services, services, services_of
from bot.tg.common import Context
from bot.tg.workers import Workers, workers_of

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]
LEADER_LEASE = "newsbot-jobs"
LEADER_TTL = 30.0


@dataclass(frozen=True, slots=True)
class Ticks:
    """How often each job runs (seconds). The bot uses the defaults; end-to-end tests pass
    shorter ones so they wait on work, not on the clock."""

    leader_renew: float = 10.0
    # Due feeds are looked for this often, so poll intervals down to this many seconds work.
    poll: float = 5.0
    delivery: float = 2.0
    digest: float = 60.0
    prune: float = 3600.0


async def _exclusive(
    context: Context, name: str, work: Callable[[Services, Workers], Awaitable[object]]
) -> None:
    """Run `work` if this instance leads and the same job is not already running."""
    workers = workers_of(context.application)
    if not workers.leader or name in workers.busy:
        return
    workers.busy.add(name)
    try:
        await work(services(context), workers)
        workers.passes[name] += 1
    finally:
        workers.busy.discard(name)


async def _poll(found: Services, workers: Workers) -> None:
    await workers.poller.poll_due()


async def _deliver(found: Services, workers: Workers) -> None:
    await workers.deliverer.deliver_pending()


async def _digests(found: Services, workers: Workers) -> None:
    await workers.deliverer.send_digests()


async def _prune(found: Services, workers: Workers) -> None:
    cutoff = utcnow() - timedelta(days=found.settings.database.retention_days)
    removed = await found.store.prune(cutoff)
    log.info("pruned %d rows older than %s", removed, cutoff.date())


async def poll_job(context: Context) -> None:
    """Poll every due feed and send what it brought (unless a delivery pass is already on)."""
    await _exclusive(context, "poll", _poll)
    await _exclusive(context, "deliver", _deliver)


async def delivery_job(context: Context) -> None:
    """Send pending posts (retries and anything the poll left)."""
    await _exclusive(context, "deliver", _deliver)


async def digest_job(context: Context) -> None:
    """Send the digests whose time has come."""
    await _exclusive(context, "digest", _digests)


async def prune_job(context: Context) -> None:
    """Delete items and ledger rows older than `database.retention_days`."""
    await _exclusive(context, "prune", _prune)


async def leadership_job(context: Context) -> None:
    """Take or keep the leader lease; on becoming leader, take over the leader's duties.

    On SQLite the one instance is always the leader; on PostgreSQL the store's lease decides,
    and an instance that takes over from a dead leader resumes its broadcasts.
    """
    store = services(context).store
    workers = workers_of(context.application)
    leader = store.dialect == "sqlite" or await store.acquire_leadership(LEADER_LEASE, LEADER_TTL)
    if leader == workers.leader:
        return
    log.info("this instance %s the leader", "is now" if leader else "is no longer")
    workers.leader = leader
    metrics.LEADER.set(1 if leader else 0)
    if leader:
        await install_config_channels(context)
        await resume_broadcasts(context)


async def step_down(application: App) -> None:
    """Give the leader lease up on a clean stop, so another instance takes over at once.

    Runs as `post_stop`, after the job queue has stopped and before `post_shutdown` closes the
    store. An instance that dies instead keeps the lease until it expires (`LEADER_TTL`).
    """
    if BOT_DATA_KEY not in application.bot_data:
        return
    workers = workers_of(application)
    if not workers.leader:
        return
    workers.leader = False
    metrics.LEADER.set(0)
    try:
        await services_of(application).store.release_leadership(LEADER_LEASE)
    except NewsbotError as exc:
        log.warning("leader lease not released, it expires in %.0fs: %s", LEADER_TTL, exc)
    else:
        log.info("this instance gave up the leader lease")


async def startup_job(context: Context) -> None:
    """Re-drive stale claims, then lead if nobody else does."""
    released = await services(context).store.recover()
    if released:
        log.info("re-driving %d delivery claims left by a previous run", released)
    await leadership_job(context)


async def resume_broadcasts(context: Context) -> None:
    """Carry on with every running broadcast this process is not already sending."""
    found = services(context)
    workers = workers_of(context.application)
    for unfinished in await found.store.unfinished_broadcasts():
        if unfinished.id in workers.broadcaster.running:
            continue
        author = await found.store.get_chat(unfinished.author_id)
        _ = translator(author.language if author is not None else None)
        try:
            status = await found.messenger.send(
                unfinished.author_id, _("Resuming broadcast #{id}…", id=unfinished.id)
            )
        except NewsbotError as exc:
            log.warning("broadcast %d: no status message (%s)", unfinished.id, exc)
            status = 0
        log.info("resuming broadcast %d (%d left)", unfinished.id, unfinished.remaining)
        start_broadcast(context.application, unfinished.id, unfinished.author_id, status, _)


async def install_config_channels(context: Context) -> None:
    """Routes from the `channels:` config section (a bad entry is logged, never fatal)."""
    found = services(context)
    for entry in found.settings.channels:
        try:
            chat = await context.bot.get_chat(entry.chat)
            await install_channel(
                found.store,
                chat.id,
                chat.title,
                routed_sources(found.settings, entry),
                RouteOptions(entry.points, entry.hashtags, entry.link_preview, entry.language),
            )
        except (TelegramError, NewsbotError) as exc:
            log.warning("channel %s from the config not installed: %s", entry.chat, exc)


def register(application: App, ticks: Ticks) -> None:
    """Schedule the jobs (they start when the application starts)."""
    queue = application.job_queue
    if queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    # However late a busy machine starts the queue: APScheduler skips a job over 1 s late by
    # default, and without start-up recovery a dead run's claims would stall until they lapse.
    queue.run_once(startup_job, when=0, name="startup", job_kwargs={"misfire_grace_time": None})
    renew = ticks.leader_renew
    queue.run_repeating(leadership_job, renew, first=renew, name="leadership")
    queue.run_repeating(poll_job, ticks.poll, first=min(1.0, ticks.poll), name="poll")
    queue.run_repeating(delivery_job, ticks.delivery, first=ticks.delivery, name="deliver")
    queue.run_repeating(digest_job, ticks.digest, first=ticks.digest, name="digest")
    queue.run_repeating(prune_job, ticks.prune, first=ticks.prune, name="prune")
