"""The real poll → summarise → deliver cycle (the demo's) with the LLM backend: posts carry the
model's points when it answers well, and every item is still posted whatever it does."""

from pathlib import Path

import pytest

from bot import config
from bot.offline.demo import SampleServer, demo_settings, run_cycle
from bot.text.sentences import split_sentences
from tests.fakes.openai_api import FakeOpenAI, Reply, chat_reply, error_reply, json_reply

SAMPLE_ITEMS = 6


def llm_settings(
    fake: FakeOpenAI, samples: SampleServer, database: Path, timeout: float = 10.0
) -> config.Settings:
    """Generous by default: on a loaded machine a good answer must not turn into a timeout."""
    base = config.parse(
        {
            "summarizer": {
                "backend": "llm",
                "llm": {"base_url": fake.base_url, "model": "fake", "timeout": timeout},
            }
        },
        environ={},
    )
    return demo_settings(samples.base_url, f"sqlite+aiosqlite:///{database}", base)


def leading_sentences(body: dict) -> Reply:
    """A faithful 'model': the first sentence of each of the article's first paragraphs."""
    article = body["messages"][1]["content"].split("<article>\n", 1)[1]
    paragraphs = [p for p in article.removesuffix("\n</article>").split("\n\n") if p.strip()]
    points = [split_sentences(p)[0] for p in paragraphs[:3]]
    return json_reply({"headline": "", "key_points": points})


async def test_posts_carry_the_models_points_when_it_answers_well(tmp_path: Path) -> None:
    with SampleServer() as samples:
        async with FakeOpenAI(responder=leading_sentences) as fake:
            posts = await run_cycle(llm_settings(fake, samples, tmp_path / "db.sqlite"))
    assert len(posts) == SAMPLE_ITEMS
    assert {post.summary.backend for post in posts} == {"llm"}
    assert len(fake.requests) == SAMPLE_ITEMS
    assert all(post.summary.key_points for post in posts)


@pytest.mark.parametrize(
    "reply",
    [error_reply(500), error_reply(429), Reply(delay=3), chat_reply("Sorry, I can't.")],
    ids=["500", "429", "slow", "prose"],
)
async def test_the_bot_keeps_posting_whatever_the_llm_does(tmp_path: Path, reply: Reply) -> None:
    with SampleServer() as samples:
        async with FakeOpenAI(default=reply) as fake:
            settings = llm_settings(fake, samples, tmp_path / "db.sqlite", timeout=0.3)
            posts = await run_cycle(settings)
    assert fake.requests, "the model was asked"
    assert len(posts) == SAMPLE_ITEMS
    assert {post.summary.backend for post in posts} == {"extractive"}
    assert all(len(post.summary.key_points) >= 3 for post in posts)
