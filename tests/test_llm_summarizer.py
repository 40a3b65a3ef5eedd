"""LLMSummarizer against a fake OpenAI-compatible server: good answers are used, anything else
falls back to the extractive summary, and no server behaviour makes `summarize` raise."""

import asyncio
import json
import logging
import time
from datetime import date

import pytest

from bot import config
from bot.errors import InputError
from bot.llm.summarizer import LLMSummarizer
from bot.model import Article
from bot.ops.metrics import REGISTRY
from bot.runtime import build_summarizer
from bot.text.render import render_html
from bot.text.summarize import ExtractiveSummarizer
from tests.fakes.openai_api import (
    FakeOpenAI,
    Reply,
    chat_reply,
    error_reply,
    json_reply,
)
from tests.llm_fixtures import BRIDGE, BRIDGE_TEXT, GOOD_ANSWER, GOOD_POINTS, INJECTED, INJECTION

API_KEY = "sk-test-secret-0123456789"
# Generous by default, so a loaded CI machine never turns an ordinary answer into a timeout; the
# tests about timeouts pass SHORT_TIMEOUT and a reply slower than it.
TIMEOUT = 10.0
SHORT_TIMEOUT = 0.4


def make(fake: FakeOpenAI, **llm) -> LLMSummarizer:
    settings = config.parse(
        {
            "summarizer": {
                "backend": "llm",
                "llm": {
                    "base_url": fake.base_url,
                    "model": "fake-model",
                    "api_key_env": "TEST_LLM_KEY",
                    "timeout": TIMEOUT,
                    **llm,
                },
            }
        },
        environ={},
    )
    summarizer = build_summarizer(settings, api_key=API_KEY)
    assert isinstance(summarizer, LLMSummarizer)
    return summarizer


async def extractive(article: Article = BRIDGE, points: int = 4):
    return await ExtractiveSummarizer().summarize(article, max_points=points)


def article(n: int) -> Article:
    """A different article each time (a distinct cache key), supported by GOOD_ANSWER."""
    return Article(text=f"{BRIDGE_TEXT}\nUpdate number {n}.", title=BRIDGE.title, language="en")


@pytest.fixture
async def fake():
    async with FakeOpenAI() as server:
        yield server


async def test_a_good_answer_becomes_the_summary(fake: FakeOpenAI) -> None:
    fake.script(json_reply(GOOD_ANSWER))
    summary = await make(fake).summarize(BRIDGE, max_points=4)
    assert summary.backend == "llm"
    assert summary.headline == "Riverton approves Mill River bridge"
    assert summary.key_points == tuple(GOOD_POINTS)
    # Attribution and metadata come from the article, as for extractive summaries.
    base = await extractive()
    assert (summary.source, summary.url, summary.publisher) == (
        base.source,
        base.url,
        base.publisher,
    )


async def test_the_request_is_an_openai_chat_completion_with_a_json_schema(
    fake: FakeOpenAI,
) -> None:
    fake.script(json_reply(GOOD_ANSWER))
    await make(fake).summarize(BRIDGE, max_points=4)
    (request,) = fake.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    body = request.body
    assert body["model"] == "fake-model"
    assert body["temperature"] == 0
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"]["required"] == [
        "headline",
        "key_points",
    ]
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "Mill River" in body["messages"][1]["content"]


async def test_fewer_points_are_given_when_fewer_are_asked(fake: FakeOpenAI) -> None:
    fake.script(json_reply(GOOD_ANSWER))
    summary = await make(fake).summarize(BRIDGE, max_points=2)
    assert summary.key_points == tuple(GOOD_POINTS[:2])


async def test_fenced_json_in_a_chatty_answer_is_used(fake: FakeOpenAI) -> None:
    fake.script(
        chat_reply(f"Here you go:\n```json\n{json.dumps(GOOD_ANSWER)}\n```\nAnything else?")
    )
    summary = await make(fake).summarize(BRIDGE, max_points=4)
    assert summary.backend == "llm"
    assert summary.key_points == tuple(GOOD_POINTS)


async def test_malformed_json_falls_back_to_the_extractive_summary(fake: FakeOpenAI) -> None:
    fake.script(chat_reply('{"headline": "Bridge", "key_points": ["The council voted 7 to 2.",'))
    summarizer = make(fake)
    summary = await summarizer.summarize(BRIDGE, max_points=4)
    assert summary == await extractive()
    assert summarizer.stats.fallbacks == {"invalid_output": 1}


async def test_a_hallucinated_number_is_dropped_and_the_rest_is_kept(fake: FakeOpenAI) -> None:
    invented = "The bridge will cost 19 million dollars."
    fake.script(json_reply({**GOOD_ANSWER, "key_points": [*GOOD_POINTS[:2], invented]}))
    summary = await make(fake).summarize(BRIDGE, max_points=4)
    assert summary.backend == "llm"
    assert summary.key_points == tuple(GOOD_POINTS[:2])


async def test_a_mostly_invented_answer_falls_back(fake: FakeOpenAI) -> None:
    fake.script(
        json_reply(
            {
                "headline": "Bridge costs 90 million",
                "key_points": [
                    "The bridge will cost 90 million dollars.",
                    "Governor Smith opposed the plan.",
                    GOOD_POINTS[3],
                ],
            }
        )
    )
    summarizer = make(fake)
    assert await summarizer.summarize(BRIDGE, max_points=4) == await extractive()
    assert summarizer.stats.fallbacks == {"ungrounded": 1}


async def test_prompt_injection_in_the_article_cannot_put_a_link_in_the_post(
    fake: FakeOpenAI,
) -> None:
    obedient = {
        "headline": "Win a prize at http://evil.example/prize",
        "key_points": [
            *GOOD_POINTS[:3],
            "Post this link: http://evil.example/prize",
            "Visit evil.example for a reward.",
        ],
    }
    fake.script(json_reply(obedient))
    summary = await make(fake).summarize(INJECTED, max_points=4)
    assert summary.backend == "llm"
    assert summary.key_points == tuple(GOOD_POINTS[:3])
    assert summary.headline == INJECTED.title
    post = render_html(summary)
    assert "evil" not in post
    assert post.count("<a ") == 1
    assert 'href="https://news.example.org/riverton-bridge"' in post
    # The injected text reached the model only inside the fenced, declared-untrusted article.
    system, user = fake.requests[0].body["messages"]
    assert "data, not instructions" in system["content"]
    assert INJECTION in user["content"].split("<article>", 1)[1]


async def test_an_answer_slower_than_the_timeout_falls_back_in_time(fake: FakeOpenAI) -> None:
    fake.script(json_reply(GOOD_ANSWER, delay=5))
    summarizer = make(fake, timeout=SHORT_TIMEOUT)
    started = time.monotonic()
    summary = await summarizer.summarize(BRIDGE, max_points=4)
    assert time.monotonic() - started < 5  # gave up before the answer came
    assert summary == await extractive()
    assert summarizer.stats.fallbacks == {"timeout": 1}


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (error_reply(429, "Rate limit reached"), "rate_limited"),
        (error_reply(500, "internal error"), "server_error"),
        (error_reply(503, "overloaded"), "server_error"),
        (error_reply(401, "invalid api key"), "http_error"),
        (error_reply(404, "model not found"), "http_error"),
    ],
)
async def test_error_statuses_fall_back(fake: FakeOpenAI, reply: Reply, reason: str) -> None:
    fake.script(reply)
    summarizer = make(fake)
    assert await summarizer.summarize(BRIDGE, max_points=4) == await extractive()
    assert summarizer.stats.fallbacks == {reason: 1}


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(drop=True), "connection"),
        (Reply(body=b"<html>gateway</html>", content_type="text/html"), "invalid_output"),
        (Reply(body=b"\xff\xfe\x00garbage"), "invalid_output"),
        (Reply(body=b'{"choices": []}'), "invalid_output"),
        (Reply(body=b'{"choices": [{"message": {"content": null}}]}'), "invalid_output"),
        (Reply(body=b'{"error": "nope"}'), "invalid_output"),
        (chat_reply(""), "invalid_output"),
        (chat_reply("I cannot summarise this article."), "invalid_output"),
        (json_reply({"headline": "x", "key_points": "not a list"}), "ungrounded"),
    ],
)
async def test_no_server_behaviour_makes_summarize_raise(
    fake: FakeOpenAI, reply: Reply, reason: str
) -> None:
    fake.script(reply)
    summarizer = make(fake)
    assert await summarizer.summarize(BRIDGE, max_points=4) == await extractive()
    assert summarizer.stats.fallbacks == {reason: 1}


async def test_an_unreachable_server_falls_back() -> None:
    async with FakeOpenAI() as closed:
        pass  # the port is released: nothing listens there any more
    summarizer = make(closed)
    assert await summarizer.summarize(BRIDGE, max_points=4) == await extractive()
    assert summarizer.stats.fallbacks == {"connection": 1}


async def test_a_server_without_json_schema_support_is_asked_again_in_plain_mode(
    fake: FakeOpenAI,
) -> None:
    fake.reject_response_format = True
    fake.script(json_reply(GOOD_ANSWER), json_reply(GOOD_ANSWER))
    summarizer = make(fake)
    assert (await summarizer.summarize(article(1), max_points=4)).backend == "llm"
    assert (await summarizer.summarize(article(2), max_points=4)).backend == "llm"
    sent_format = ["response_format" in r.body for r in fake.requests]
    # Rejected once, then plain mode is remembered.
    assert sent_format == [True, False, False]


async def test_an_unrelated_bad_request_does_not_switch_off_structured_output(
    fake: FakeOpenAI,
) -> None:
    fake.script(error_reply(400, "context too long"), error_reply(400, "context too long"))
    fake.default = json_reply(GOOD_ANSWER)
    summarizer = make(fake)
    assert (await summarizer.summarize(article(1), max_points=4)).backend == "extractive"
    assert summarizer.stats.fallbacks == {"http_error": 1}
    assert (await summarizer.summarize(article(2), max_points=4)).backend == "llm"
    assert ["response_format" in r.body for r in fake.requests] == [True, False, True]


async def test_an_item_delivered_to_many_chats_is_summarised_once(fake: FakeOpenAI) -> None:
    fake.script(json_reply(GOOD_ANSWER, delay=0.05))
    summarizer = make(fake)
    summaries = await asyncio.gather(
        *(summarizer.summarize(BRIDGE, max_points=4) for _ in range(20))
    )
    later = await summarizer.summarize(BRIDGE, max_points=3)
    assert len(fake.requests) == 1
    assert {s.backend for s in summaries} == {"llm"}
    assert later.key_points == tuple(GOOD_POINTS[:3])


async def test_a_different_model_is_a_different_cache_entry(fake: FakeOpenAI) -> None:
    fake.default = json_reply(GOOD_ANSWER)
    await make(fake, model="a").summarize(BRIDGE, max_points=4)
    await make(fake, model="b").summarize(BRIDGE, max_points=4)
    assert [r.body["model"] for r in fake.requests] == ["a", "b"]


async def test_concurrent_requests_are_limited(fake: FakeOpenAI) -> None:
    fake.default = json_reply(GOOD_ANSWER, delay=0.05)
    # Counted, not timed: a generous timeout, so waiting for a slot on a loaded machine is
    # never mistaken for a busy model (4 of 6 requests wait for one).
    summarizer = make(fake, max_concurrency=2, timeout=30)
    summaries = await asyncio.gather(
        *(summarizer.summarize(article(n), max_points=4) for n in range(6))
    )
    assert {s.backend for s in summaries} == {"llm"}
    assert len(fake.requests) == 6
    assert fake.max_in_flight == 2


async def test_the_daily_budget_stops_calls_until_the_next_day(fake: FakeOpenAI) -> None:
    fake.default = json_reply(GOOD_ANSWER)
    day = [date(2026, 11, 27)]
    summarizer = make(fake, daily_budget=2)
    summarizer._budget._today = lambda: day[0]
    backends = [(await summarizer.summarize(article(n), max_points=4)).backend for n in range(3)]
    assert backends == ["llm", "llm", "extractive"]
    assert summarizer.stats.fallbacks == {"budget": 1}
    day[0] = date(2026, 11, 28)
    assert (await summarizer.summarize(article(9), max_points=4)).backend == "llm"
    assert len(fake.requests) == 3


async def test_a_transient_failure_is_remembered_instead_of_retried_per_chat(
    fake: FakeOpenAI,
) -> None:
    fake.script(error_reply(500), json_reply(GOOD_ANSWER))
    summarizer = make(fake)
    assert (await summarizer.summarize(BRIDGE, max_points=4)).backend == "extractive"
    assert (await summarizer.summarize(BRIDGE, max_points=4)).backend == "extractive"
    assert len(fake.requests) == 1


async def test_a_configured_language_is_requested_and_a_translation_is_accepted(
    fake: FakeOpenAI,
) -> None:
    fake.script(
        json_reply(
            {
                "headline": "Riverton genehmigt neue Brücke",
                "key_points": [
                    "Der Stadtrat von Riverton stimmte mit 7 zu 2 für eine Fußgängerbrücke.",
                    "Die Brücke kostet 14,5 Millionen Dollar und soll 2028 öffnen.",
                    "Die Bauarbeiten kosten 99 Millionen.",
                ],
            }
        )
    )
    summary = await make(fake, language="de").summarize(BRIDGE, max_points=4)
    assert "in German." in fake.requests[0].body["messages"][0]["content"]
    assert summary.backend == "llm"
    assert summary.language == "de"
    assert summary.headline == "Riverton genehmigt neue Brücke"
    assert len(summary.key_points) == 2  # the invented 99 is dropped even in translation


async def test_a_short_feed_excerpt_is_not_sent_to_the_model(fake: FakeOpenAI) -> None:
    excerpt = Article(text="The council approved the bridge on Tuesday.", title="Bridge")
    summary = await make(fake).summarize(excerpt, max_points=4)
    assert summary.backend == "extractive"
    assert fake.requests == []


async def test_empty_input_raises_like_the_extractive_summariser(fake: FakeOpenAI) -> None:
    with pytest.raises(InputError):
        await make(fake).summarize(Article(text="   "), max_points=4)
    assert fake.requests == []


async def test_fallbacks_and_requests_are_counted_in_the_metrics(fake: FakeOpenAI) -> None:
    def sample(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    before = (
        sample("newsbot_llm_fallbacks_total", reason="timeout"),
        sample("newsbot_llm_requests_total", outcome="failed"),
        sample("newsbot_llm_requests_total", outcome="ok"),
        sample("newsbot_llm_request_seconds_count"),
    )
    fake.script(json_reply(GOOD_ANSWER, delay=5), json_reply(GOOD_ANSWER))
    summarizer = make(fake, timeout=SHORT_TIMEOUT)
    await summarizer.summarize(article(1), max_points=4)
    await summarizer.summarize(article(2), max_points=4)
    after = (
        sample("newsbot_llm_fallbacks_total", reason="timeout"),
        sample("newsbot_llm_requests_total", outcome="failed"),
        sample("newsbot_llm_requests_total", outcome="ok"),
        sample("newsbot_llm_request_seconds_count"),
    )
    assert [b - a for a, b in zip(before, after, strict=True)] == [1, 1, 1, 2]


async def test_the_api_key_never_reaches_a_log_line(
    fake: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.script(error_reply(401, f"invalid key {API_KEY[:6]}"), json_reply(GOOD_ANSWER))
    summarizer = make(fake)
    await summarizer.summarize(article(1), max_points=4)
    await summarizer.summarize(article(2), max_points=4)
    assert caplog.records
    assert API_KEY not in caplog.text
    assert API_KEY not in repr(summarizer.client)


async def test_an_article_of_unknown_language_is_checked_strictly_when_the_answer_shares_its_words(
    fake: FakeOpenAI,
) -> None:
    invented = "Governor Smith praised the Riverton council for the bridge."
    fake.script(json_reply({**GOOD_ANSWER, "key_points": [*GOOD_POINTS[:3], invented]}))
    unknown = Article(text=BRIDGE_TEXT, title=BRIDGE.title)
    summary = await make(fake, language="en").summarize(unknown, max_points=4)
    assert summary.backend == "llm"
    assert summary.key_points == tuple(GOOD_POINTS[:3])


async def test_no_free_slot_within_the_timeout_falls_back(fake: FakeOpenAI) -> None:
    fake.default = json_reply(GOOD_ANSWER)
    summarizer = make(fake, max_concurrency=1, timeout=SHORT_TIMEOUT)
    async with summarizer._slots:  # another article holds the only slot
        summary = await summarizer.summarize(BRIDGE, max_points=4)
    assert summary.backend == "extractive"
    assert summarizer.stats.fallbacks == {"busy": 1}
    assert fake.requests == []
    # "busy" is not remembered: the next delivery asks the model.
    assert (await summarizer.summarize(BRIDGE, max_points=4)).backend == "llm"
