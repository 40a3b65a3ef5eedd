"""The composition root: every long-lived object of a running newsbot, built and closed here.

`open_runtime(settings, messenger)` opens the store, the fetcher, the summariser (with its
extractive fallback), one `Pacer` shared by every sender, and the `Deliverer`, `Poller` and
`Broadcaster` on them; leaving the block closes them in reverse order. The bot (in PTB's
`post_init`/`post_shutdown`), `newsbot poll`, `newsbot broadcast`, the OPML commands and the
demo all open it: only the messenger differs (Telegram, an offline refusal, the demo's channel).
`open_tools` is the smaller part for commands that need no database (`newsbot summarize`,
`newsbot feed`). This module knows nothing of python-telegram-bot, and reads no environment:
callers pass the LLM API key in. The fetcher (trafilatura), the store (SQLAlchemy) and the
services are imported when opened, so `newsbot summarize FILE` does not pay for them.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.errors import DeliveryError, NewsbotError
from bot.i18n import Translator, translator
from bot.ops.logs import register_secret
from bot.service.pacing import PAID_CEILING, Limits, Pacer
from bot.service.ports import Messenger
from bot.text.render import escape_html
from bot.text.summarize import ExtractiveSummarizer, Summarizer

if TYPE_CHECKING:
    import httpx

    from bot.feeds.fetch import Fetcher
    from bot.service.broadcast import Broadcaster
    from bot.service.deliver import Deliverer
    from bot.service.poll import Poller
    from bot.store.protocol import Store

log = logging.getLogger(__name__)


def limits_of(settings: Settings) -> Limits:
    """The pacer limits from `telegram.global_rate`, `per_chat_interval`, `group_per_minute`."""
    t = settings.telegram
    paid = PAID_CEILING - t.global_rate if t.paid_broadcast else None
    return Limits(t.global_rate, t.per_chat_interval, t.group_per_minute, paid_rate=paid or None)


def admin_chat(settings: Settings) -> int | None:
    """Where operator alerts go: `admin_chat`, else the first admin."""
    if settings.admin_chat is not None:
        return settings.admin_chat
    return settings.admins[0] if settings.admins else None


def build_summarizer(
    settings: Settings,
    http_client: httpx.AsyncClient | None = None,
    *,
    api_key: str | None = None,
) -> Summarizer:
    """The configured backend: extractive, or the LLM with the extractive one as its fallback.

    `api_key` is the value of the variable `summarizer.llm.api_key_env` names (the CLI reads
    it). Without `http_client` the LLM backend opens a short-lived connection per request.
    """
    if settings.summarizer.backend == "extractive":
        return ExtractiveSummarizer()
    # The LLM client (and httpx with it) loads only for the LLM backend: `newsbot summarize FILE`
    # with the extractive one starts without it (benchmarks/startup.py).
    from bot.llm.client import ChatClient  # noqa: PLC0415 - see above
    from bot.llm.summarizer import LLMSummarizer  # noqa: PLC0415 - see above

    llm = settings.summarizer.llm
    register_secret(api_key)
    client = ChatClient(
        llm.base_url,
        llm.model,
        api_key=api_key,
        timeout=llm.timeout,
        temperature=llm.temperature,
        max_tokens=llm.max_output_tokens,
        response_format=llm.response_format,
        http_client=http_client,
    )
    return LLMSummarizer(client, llm, default_points=settings.summarizer.max_points)


@dataclass(frozen=True, slots=True)
class Tools:
    """What reading the web needs: the fetcher and the configured summariser."""

    fetcher: Fetcher
    summarizer: Summarizer


@contextlib.asynccontextmanager
async def open_tools(settings: Settings, *, llm_api_key: str | None = None) -> AsyncIterator[Tools]:
    """The fetcher and the summariser (with one LLM connection pool), closed on exit."""
    from bot.feeds.fetch import Fetcher  # noqa: PLC0415 - trafilatura only when reading the web

    async with contextlib.AsyncExitStack() as stack:
        fetcher = await stack.enter_async_context(Fetcher(settings.fetch))
        llm_http = None
        if settings.summarizer.backend == "llm":
            import httpx  # noqa: PLC0415 - the LLM backend's pool, only when it is configured

            llm_http = await stack.enter_async_context(
                httpx.AsyncClient(timeout=settings.summarizer.llm.timeout)
            )
        yield Tools(fetcher, build_summarizer(settings, llm_http, api_key=llm_api_key))


@dataclass(frozen=True, slots=True)
class Runtime:
    """Every long-lived object of one process, sharing one store, fetcher and pacer."""

    settings: Settings
    store: Store
    fetcher: Fetcher
    summarizer: Summarizer
    messenger: Messenger
    pacer: Pacer
    deliverer: Deliverer
    poller: Poller
    broadcaster: Broadcaster


@contextlib.asynccontextmanager
async def open_runtime(
    settings: Settings,
    messenger: Messenger,
    *,
    llm_api_key: str | None = None,
    limits: Limits | None = None,
    progress_interval: float | None = None,
) -> AsyncIterator[Runtime]:
    """Open everything from `settings`; `limits` replaces the configured pace (the demo's
    channel has none), `progress_interval` how often a broadcast reports progress (seconds)."""
    # Imported here: the services pull in the fetcher, and the store SQLAlchemy.
    from bot.service.broadcast import Broadcaster  # noqa: PLC0415
    from bot.service.deliver import Deliverer  # noqa: PLC0415
    from bot.service.poll import FeedSource, Poller  # noqa: PLC0415
    from bot.store.factory import open_store  # noqa: PLC0415

    store = await open_store(settings.database.url)
    try:
        async with open_tools(settings, llm_api_key=llm_api_key) as tools:
            # Many instances share PostgreSQL, and with it Telegram's budget; SQLite has one.
            shared = store if store.dialect == "postgresql" else None
            pacer = Pacer(limits or limits_of(settings), shared=shared)
            deliverer = Deliverer(store, messenger, pacer)
            poller = Poller(
                store,
                tools.fetcher,
                tools.summarizer,
                deliverer,
                sources={s.id: FeedSource(s.name, s.poll_interval) for s in settings.sources},
                max_points=settings.summarizer.max_points,
                alert=operator_alert(settings, messenger, pacer, store),
            )
            paid = settings.telegram.paid_broadcast
            broadcaster = (
                Broadcaster(store, messenger, pacer, paid=paid)
                if progress_interval is None
                else Broadcaster(
                    store, messenger, pacer, progress_interval=progress_interval, paid=paid
                )
            )
            yield Runtime(
                settings=settings,
                store=store,
                fetcher=tools.fetcher,
                summarizer=tools.summarizer,
                messenger=messenger,
                pacer=pacer,
                deliverer=deliverer,
                poller=poller,
                broadcaster=broadcaster,
            )
    finally:
        await store.aclose()


def operator_alert(
    settings: Settings, messenger: Messenger, pacer: Pacer, store: Store
) -> Callable[[str], Awaitable[None]]:
    """Send a plain-text alert to the operator's chat (nowhere if none is configured), in the
    operator's language when the alert is a translatable `bot.i18n.Text`."""

    async def language(chat_id: int) -> Translator:
        try:
            operator = await store.get_chat(chat_id)
        except NewsbotError:  # the alert matters more than its language
            operator = None
        return translator(operator.language if operator is not None else None)

    async def alert(text: str) -> None:
        chat_id = admin_chat(settings)
        if chat_id is None:
            return
        await pacer.acquire(chat_id)
        _ = await language(chat_id)
        try:
            await messenger.send(chat_id, escape_html(_.text(text)))
        except DeliveryError as exc:
            log.warning("could not alert the operator: %s", exc)

    return alert
