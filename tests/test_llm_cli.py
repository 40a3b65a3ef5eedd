"""`newsbot summarize` honours `summarizer.backend: llm` from --config or $NEWSBOT_CONFIG, and
still prints the extractive summary (exit 0) when the endpoint fails."""

import asyncio
import json
import os
import sys
from pathlib import Path

from bot.cli.summarize import load_article
from bot.model import Summary
from bot.text.summarize import summarize_article
from tests.fakes.openai_api import FakeOpenAI, error_reply, json_reply

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "bot" / "samples" / "articles" / "harbour-bridge.txt"
ANSWER = {
    "headline": "Port Allerby opens tidal bridge",
    "key_points": [
        "Port Allerby opened its new tidal bridge on Saturday after six years of construction.",
        "The bridge cost 148 million euros, about 19 million more than first budgeted.",
        "Mayor Ilse Brandt said the walk to the ferry terminal drops from 35 minutes to 12.",
    ],
}


def extractive() -> Summary:
    """What the default backend makes of the sample, computed in-process."""
    return summarize_article(load_article(str(SAMPLE)), max_points=4)


def write_config(path: Path, base_url: str) -> Path:
    path.write_text(
        "summarizer:\n"
        "  backend: llm\n"
        "  llm:\n"
        f"    base_url: {base_url}\n"
        "    model: fake-model\n"
        "    api_key_env: TEST_CLI_LLM_KEY\n"
        "    timeout: 2\n",
        encoding="utf-8",
    )
    return path


async def summarize(*args: str, env: dict[str, str]) -> tuple[int, dict]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "summarize",
        str(SAMPLE),
        "--format",
        "json",
        *args,
        cwd=REPO,
        env={**os.environ, "TEST_CLI_LLM_KEY": "sk-cli-secret-123456", **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    assert b"sk-cli-secret" not in err
    return process.returncode, json.loads(out)


async def test_summarize_uses_the_llm_backend_from_the_config_flag(tmp_path: Path) -> None:
    async with FakeOpenAI() as fake:
        fake.script(json_reply(ANSWER))
        config = write_config(tmp_path / "newsbot.yaml", fake.base_url)
        _, summary = await summarize("--config", str(config), env={})
    assert summary["backend"] == "llm"
    assert summary["key_points"] == ANSWER["key_points"]
    assert summary["source"] == extractive().source
    assert fake.requests[0].headers["authorization"] == "Bearer sk-cli-secret-123456"


async def test_summarize_falls_back_when_the_configured_endpoint_fails(tmp_path: Path) -> None:
    async with FakeOpenAI() as fake:
        fake.script(error_reply(500))
        config = write_config(tmp_path / "newsbot.yaml", fake.base_url)
        _, summary = await summarize(env={"NEWSBOT_CONFIG": str(config)})
    assert len(fake.requests) == 1
    assert summary["backend"] == "extractive"
    expected = extractive()
    assert summary["headline"] == expected.headline
    assert summary["key_points"] == list(expected.key_points)
