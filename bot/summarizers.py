"""Choose the summariser backend from configuration: the one place that wires `bot.llm`.

The bot, `newsbot demo` and `newsbot summarize` all call `build_summarizer(settings)`, so the
`summarizer.backend` key applies everywhere summaries are made.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import httpx

from bot.config import Settings
from bot.llm.client import ChatClient
from bot.llm.summarizer import LLMSummarizer
from bot.ops.logs import register_secret
from bot.text.summarize import ExtractiveSummarizer, Summarizer


def build_summarizer(
    settings: Settings,
    http_client: httpx.AsyncClient | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> Summarizer:
    """The configured backend; `llm` reads its API key from the variable `api_key_env` names.

    Without `http_client` the LLM backend opens a short-lived connection per request, so the
    result needs no closing; long-running processes pass their shared client.
    """
    if settings.summarizer.backend == "extractive":
        return ExtractiveSummarizer()
    llm = settings.summarizer.llm
    env = os.environ if environ is None else environ
    api_key = env.get(llm.api_key_env) or None if llm.api_key_env else None
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
