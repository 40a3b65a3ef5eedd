"""The sending side of a running bot as its jobs see it: the runtime's workers and job state.

`post_init` keeps one `Workers` in `bot_data` beside `Services`: posts, digests, broadcasts and
operator alerts all go through the runtime's one `Pacer`, so a 429 seen by any of them pauses
all of them. Only the state of this process's jobs (leadership, running jobs, background
broadcasts) is added here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bot.runtime import Runtime
from bot.service.broadcast import Broadcaster
from bot.service.deliver import Deliverer
from bot.service.pacing import Pacer
from bot.service.poll import Poller
from bot.tg.bot_data import HasBotData

WORKERS_KEY = "newsbot.workers"


@dataclass
class Workers:
    """Pacer, deliverer, poller and broadcaster of one running application, and job state."""

    runtime: Runtime
    # Whether this instance holds the leader lease (set by the leadership job; SQLite: always).
    leader: bool = False
    # Background broadcast tasks, and the names of periodic jobs running right now.
    tasks: set[Any] = field(default_factory=set)
    busy: set[str] = field(default_factory=set)
    # Passes each periodic job has finished, by name (what tests and /health can count on).
    passes: Counter[str] = field(default_factory=Counter)

    @property
    def pacer(self) -> Pacer:
        """The one pacer every sender shares."""
        return self.runtime.pacer

    @property
    def deliverer(self) -> Deliverer:
        """Sends queued posts and digests."""
        return self.runtime.deliverer

    @property
    def poller(self) -> Poller:
        """Polls due feeds."""
        return self.runtime.poller

    @property
    def broadcaster(self) -> Broadcaster:
        """Sends admin broadcasts."""
        return self.runtime.broadcaster


def workers_of(application: HasBotData) -> Workers:
    """The application's `Workers` (kept by `post_init`)."""
    found = application.bot_data.get(WORKERS_KEY)
    if not isinstance(found, Workers):
        raise TypeError("Workers missing: build the application with build_application()")
    return found
