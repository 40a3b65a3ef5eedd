"""The sending side of a running bot: one pacer shared by every sender, and the services on it.

Built on first use from the application's `Services` (so after `post_init`) and kept in
`bot_data`: posts, digests, broadcasts and operator alerts all go through the same `Pacer`, so
a 429 seen by any of them pauses all of them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application

from bot.config import Settings
from bot.errors import DeliveryError
from bot.service.broadcast import Broadcaster
from bot.service.deliver import Deliverer
from bot.service.pacing import Limits, Pacer
from bot.service.poll import FeedSource, Poller
from bot.text.render import escape_html
from bot.tg.services import services_of

log = logging.getLogger(__name__)

WORKERS_KEY = "newsbot.workers"
App = Application[Any, Any, Any, Any, Any, Any]


def limits_of(settings: Settings) -> Limits:
    """The pacer limits from `telegram.global_rate`, `per_chat_interval`, `group_per_minute`."""
    t = settings.telegram
    return Limits(t.global_rate, t.per_chat_interval, t.group_per_minute)


def admin_chat(settings: Settings) -> int | None:
    """Where operator alerts go: `admin_chat`, else the first admin."""
    if settings.admin_chat is not None:
        return settings.admin_chat
    return settings.admins[0] if settings.admins else None


@dataclass
class Workers:
    """Pacer, deliverer, poller and broadcaster of one running application."""

    pacer: Pacer
    deliverer: Deliverer
    poller: Poller
    broadcaster: Broadcaster
    # Whether this instance holds the leader lease (set by the leadership job; SQLite: always).
    leader: bool = False
    # Background broadcast tasks, and the names of periodic jobs running right now.
    tasks: set[Any] = field(default_factory=set)
    busy: set[str] = field(default_factory=set)


def workers_of(application: App) -> Workers:
    """The application's `Workers`, built on first use."""
    found = application.bot_data.get(WORKERS_KEY)
    if isinstance(found, Workers):
        return found
    services = services_of(application)
    settings = services.settings
    pacer = Pacer(limits_of(settings))
    deliverer = Deliverer(services.store, services.messenger, pacer)

    async def alert(text: str) -> None:
        chat_id = admin_chat(settings)
        if chat_id is None:
            return
        await pacer.acquire(chat_id)
        try:
            await services.messenger.send(chat_id, escape_html(text))
        except DeliveryError as exc:
            log.warning("could not alert the operator: %s", exc)

    poller = Poller(
        services.store,
        services.fetcher,
        services.summarizer,
        deliverer,
        sources={s.id: FeedSource(s.name, s.poll_interval) for s in settings.sources},
        max_points=settings.summarizer.max_points,
        alert=alert,
    )
    workers = Workers(
        pacer=pacer,
        deliverer=deliverer,
        poller=poller,
        broadcaster=Broadcaster(services.store, services.messenger, pacer),
    )
    application.bot_data[WORKERS_KEY] = workers
    return workers
