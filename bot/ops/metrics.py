"""Prometheus metrics: one private registry, and the named counters every layer increments.

The metrics live in `REGISTRY`, not prometheus-client's global one, so importing newsbot twice
(tests, the demo inside a running bot) never collides and `/metrics` shows only what we own.
Label values are small closed sets (listed beside each metric) so the series count stays bounded;
never use a URL, chat id or error message as a label.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

# The text format `generate_latest` writes.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

POLL_CYCLES = Counter(
    "newsbot_poll_cycles",
    "Completed poll cycles (one pass over every due feed).",
    registry=REGISTRY,
)
"""Poll cycles finished, successful or not; `.inc()` once per cycle, after LAST_POLL_CYCLE."""

POLLS = Counter(
    "newsbot_feed_polls",
    "Feed polls, by outcome: ok (new body), not_modified (304), failed.",
    ["outcome"],
    registry=REGISTRY,
)
"""One feed fetched once; label `outcome` is "ok", "not_modified" or "failed"."""

FETCH_FAILURES = Counter(
    "newsbot_fetch_failures",
    "Failed fetches of feeds and pages, by FetchError.reason.",
    ["reason"],
    registry=REGISTRY,
)
"""A fetch that raised; label `reason` is the error's `reason` attribute (e.g. "timeout")."""

ITEMS = Counter(
    "newsbot_items",
    "Feed items seen for the first time and stored.",
    registry=REGISTRY,
)
"""New items stored by a poll (duplicates are not counted)."""

DELIVERIES = Counter(
    "newsbot_deliveries",
    "Posts delivered to chats, by outcome: sent, failed, skipped, blocked.",
    ["outcome"],
    registry=REGISTRY,
)
"""One ledger row settled; label `outcome` is "sent", "failed", "skipped" or "blocked"."""

TELEGRAM_ERRORS = Counter(
    "newsbot_telegram_errors",
    "Errors from the Telegram Bot API, by kind.",
    ["kind"],
    registry=REGISTRY,
)
"""A Bot API call failed; label `kind`: forbidden, retry_after, bad_request, network, timed_out,
chat_migrated or other."""

BROADCAST_PROGRESS = Gauge(
    "newsbot_broadcast_messages",
    "The current (or last) broadcast's counters, by state: sent, blocked, failed, remaining.",
    ["state"],
    registry=REGISTRY,
)
"""Live broadcast counters; set them together with `set_broadcast_progress`."""

SUMMARIZE_SECONDS = Histogram(
    "newsbot_summarize_seconds",
    "Time to summarise one article, by summariser backend.",
    ["backend"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40),
    registry=REGISTRY,
)
"""Summariser latency; label `backend` is "extractive" or "llm". Use `.labels(b).time()`."""

LLM_FALLBACKS = Counter(
    "newsbot_llm_fallbacks",
    "LLM summaries abandoned for the extractive summary, by reason.",
    ["reason"],
    registry=REGISTRY,
)
"""An LLM summary fell back; label `reason`: timeout, connection, rate_limited, server_error,
http_error, invalid_output, ungrounded, budget, busy (no free slot in time) or other."""

LLM_REQUESTS = Counter(
    "newsbot_llm_requests",
    "Requests sent to the LLM endpoint, by outcome: ok (an answer arrived) or failed.",
    ["outcome"],
    registry=REGISTRY,
)
"""One chat-completion request; cache hits and budget refusals send none."""

LLM_REQUEST_SECONDS = Histogram(
    "newsbot_llm_request_seconds",
    "Time waiting for the LLM endpoint, including failed requests.",
    buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60),
    registry=REGISTRY,
)
"""Latency of one chat-completion request."""

LAST_POLL_CYCLE = Gauge(
    "newsbot_last_poll_cycle_timestamp_seconds",
    "Unix time at which the last poll cycle finished.",
    registry=REGISTRY,
)
"""Set with `.set_to_current_time()` at the end of each cycle; readiness reads it."""

LEADER = Gauge(
    "newsbot_leader",
    "1 while this instance holds the leader lease (runs polls, posts and digests), else 0.",
    registry=REGISTRY,
)
"""Set by the leadership job; `/healthz` reports it too."""

BUDGET_WAITS = Counter(
    "newsbot_send_budget_waits",
    "Times a message waited for the sending budget (shared by all instances on PostgreSQL).",
    registry=REGISTRY,
)
BUDGET_WAIT_SECONDS = Counter(
    "newsbot_send_budget_wait_seconds",
    "Seconds messages waited for the sending budget in all.",
    registry=REGISTRY,
)
BUDGET_LATE = Counter(
    "newsbot_send_budget_late_slots",
    "Shared slots given up because the sender woke too late to use them without bunching.",
    registry=REGISTRY,
)
BUDGET_THROTTLED = Counter(
    "newsbot_send_budget_throttled",
    "429 answers that paused every sender (shared with the other instances on PostgreSQL).",
    registry=REGISTRY,
)

_BROADCAST_STATES = ("sent", "blocked", "failed", "remaining")


def set_broadcast_progress(*, sent: int, blocked: int, failed: int, remaining: int) -> None:
    """Publish a broadcast's counters in one call so the four series never disagree for long."""
    for state, value in zip(_BROADCAST_STATES, (sent, blocked, failed, remaining), strict=True):
        BROADCAST_PROGRESS.labels(state).set(value)


def last_poll_cycle() -> float | None:
    """Unix time of the last finished poll cycle, or None if none has finished yet."""
    value = REGISTRY.get_sample_value("newsbot_last_poll_cycle_timestamp_seconds")
    return value if value else None


@dataclass(frozen=True, slots=True)
class BudgetTotals:
    """What this instance's sending budget did since it started."""

    waits: int
    wait_seconds: float
    throttled_429: int


def _value(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


def budget_totals() -> BudgetTotals:
    """The budget counters of this process, for `/healthz` and the admin's /health."""
    return BudgetTotals(
        waits=int(_value("newsbot_send_budget_waits_total")),
        wait_seconds=round(_value("newsbot_send_budget_wait_seconds_total"), 3),
        throttled_429=int(_value("newsbot_send_budget_throttled_total")),
    )


def instance_status() -> dict[str, object]:
    """Whether this instance leads and what its sending budget did, for `/healthz`."""
    return {"leader": _value("newsbot_leader") == 1.0, "send_budget": asdict(budget_totals())}


def exposition() -> bytes:
    """The registry in Prometheus text format, for `/metrics`."""
    return generate_latest(REGISTRY)
