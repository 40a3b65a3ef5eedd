"""`LLMSummarizer`: key points from a chat model, with the extractive summary as the safety net.

Every call starts from the extractive summary (it is cheap and supplies the attribution), then
tries to replace its headline and points with the model's. Whatever the endpoint does (times
out, answers 429 or 500, sends prose, invents a number) the caller gets a `Summary`: the
extractive one, with the reason counted in `newsbot_llm_fallbacks`. Only bad *input* raises,
exactly as the extractive summariser would (`InputError` for empty or binary text).

Cost control: outcomes are cached by content (an item delivered to many chats costs one
request), at most `max_concurrency` requests run at once per process, a request waits at most
`timeout` for a free slot, and no more than `daily_budget` requests are sent per UTC day.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from bot.config import LLMSettings
from bot.errors import SummarizerError
from bot.llm.cache import OutcomeCache, cache_key
from bot.llm.client import ChatClient
from bot.llm.grounding import ArticleEvidence, content_overlap, ground
from bot.llm.parse import parse_answer
from bot.llm.prompt import (
    PROMPT_VERSION,
    SUMMARY_SCHEMA,
    build_messages,
    cut_article,
    language_name,
)
from bot.model import DEFAULT_POINTS, MAX_POINTS, MIN_POINTS, Article, Summary
from bot.ops.metrics import LLM_FALLBACKS, LLM_REQUEST_SECONDS, LLM_REQUESTS
from bot.text.clean import clean_text
from bot.text.summarize import ExtractiveSummarizer, Summarizer

log = logging.getLogger(__name__)

# Shorter cleaned text (a feed excerpt) gains nothing from a model: the extractive summary stands.
MIN_INPUT_CHARS = 300
# How long a fallback is remembered before the model is asked again about the same article.
TRANSIENT_TTL = 300.0
DETERMINISTIC_TTL = 3600.0
_TRANSIENT = frozenset({"timeout", "connection", "rate_limited", "server_error"})
_NOT_CACHED = frozenset({"budget", "busy"})
# A summary in the article's language shares at least this share of its content words with it.
_SAME_LANGUAGE_OVERLAP = 0.5


@dataclass(frozen=True, slots=True)
class LLMOutcome:
    """What the model contributed for one article: points, or the reason it contributed none."""

    key_points: tuple[str, ...] = ()
    headline: str | None = None
    fallback_reason: str | None = None


@dataclass
class LLMStats:
    """Per-instance counters (the Prometheus metrics are process-wide)."""

    requests: int = 0
    cache_hits: int = 0
    fallbacks: Counter[str] = field(default_factory=Counter)


class DailyBudget:
    """At most `limit` requests per UTC day."""

    def __init__(self, limit: int, today: Callable[[], date]) -> None:
        self.limit = limit
        self._today = today
        self._day: date | None = None
        self._used = 0

    def take(self) -> bool:
        """Spend one request if any are left today."""
        day = self._today()
        if day != self._day:
            self._day, self._used = day, 0
        if self._used >= self.limit:
            return False
        self._used += 1
        return True


def _utc_today() -> date:
    return datetime.now(UTC).date()


class LLMSummarizer:
    """The `Summarizer` protocol over an OpenAI-compatible chat model."""

    name = "llm"

    def __init__(
        self,
        client: ChatClient,
        settings: LLMSettings,
        *,
        fallback: Summarizer | None = None,
        default_points: int = DEFAULT_POINTS,
        today: Callable[[], date] = _utc_today,
    ) -> None:
        self.client = client
        self.settings = settings
        self.stats = LLMStats()
        self._fallback = fallback or ExtractiveSummarizer()
        self._default_points = default_points
        self._slots = asyncio.Semaphore(settings.max_concurrency)
        self._budget = DailyBudget(settings.daily_budget, today)
        self._cache: OutcomeCache[LLMOutcome] = OutcomeCache(settings.cache_size)

    async def summarize(self, article: Article, *, max_points: int) -> Summary:
        """The model's summary when it is usable and grounded, else the extractive one."""
        base = await self._fallback.summarize(article, max_points=max_points)
        text = cut_article(clean_text(article.text), self.settings.max_input_chars)
        if len(text) < MIN_INPUT_CHARS:
            return base
        requested = min(max(max_points, self._default_points, MIN_POINTS), MAX_POINTS)
        key = cache_key(
            text,
            article.title,
            base_url=self.client.url,
            model=self.client.model,
            prompt=PROMPT_VERSION,
            points=requested,
            language=self.settings.language,
            article_language=article.language,
            temperature=self.settings.temperature,
        )
        if self._cache.get(key) is not None:
            self.stats.cache_hits += 1
        try:
            outcome = await self._cache.get_or_compute(
                key, lambda: self._ask(article, text, requested)
            )
        except Exception:  # the bot must keep posting whatever goes wrong in here
            log.exception("LLM summariser failed unexpectedly; using the extractive summary")
            outcome = self._give_up("other")
        if outcome.fallback_reason is not None:
            return base
        return replace(
            base,
            headline=outcome.headline or base.headline,
            key_points=outcome.key_points[: max(max_points, MIN_POINTS)],
            language=self.settings.language or base.language,
            backend=self.name,
        )

    async def _ask(
        self, article: Article, text: str, points: int
    ) -> tuple[LLMOutcome, float | None]:
        """Ask the model (within the limits) and check its answer; never raises SummarizerError."""
        try:
            async with asyncio.timeout(self.settings.timeout):
                await self._slots.acquire()
        except TimeoutError:
            return self._give_up("busy"), 0
        try:
            if not self._budget.take():
                return self._give_up("budget"), 0
            return self._checked(article, text, points, await self._request(article, text, points))
        except SummarizerError as exc:
            log.warning("LLM summary fell back to extractive (%s): %s", exc.reason, exc)
            ttl = TRANSIENT_TTL if exc.reason in _TRANSIENT else DETERMINISTIC_TTL
            return self._give_up(exc.reason), ttl
        finally:
            self._slots.release()

    async def _request(self, article: Article, text: str, points: int) -> str:
        messages = build_messages(
            text, article.title, max_points=points, language=self.settings.language
        )
        self.stats.requests += 1
        started = time.monotonic()
        outcome = "failed"
        try:
            answer = await self.client.complete(messages, SUMMARY_SCHEMA)
            outcome = "ok"
        finally:
            LLM_REQUEST_SECONDS.observe(time.monotonic() - started)
            LLM_REQUESTS.labels(outcome).inc()
        return answer

    def _checked(
        self, article: Article, text: str, points: int, answer: str
    ) -> tuple[LLMOutcome, float | None]:
        raw = parse_answer(answer)
        evidence = ArticleEvidence(f"{article.title or ''}\n{text}")
        grounded = ground(
            raw.headline,
            raw.key_points,
            evidence,
            max_points=points,
            same_language=self._same_language(article, raw.key_points, evidence),
        )
        for reason, point in grounded.dropped:
            log.info("LLM point dropped (%s): %.120s", reason, point)
        return LLMOutcome(grounded.key_points, grounded.headline), None

    def _same_language(
        self, article: Article, points: tuple[str, ...], evidence: ArticleEvidence
    ) -> bool:
        wanted = self.settings.language
        if wanted is None:
            return True
        if article.language:
            return language_name(wanted).casefold() == language_name(article.language).casefold()
        return content_overlap(" ".join(points), evidence) >= _SAME_LANGUAGE_OVERLAP

    def _give_up(self, reason: str) -> LLMOutcome:
        self.stats.fallbacks[reason] += 1
        LLM_FALLBACKS.labels(reason).inc()
        return LLMOutcome(fallback_reason=reason)
