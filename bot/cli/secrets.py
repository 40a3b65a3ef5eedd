"""Secrets the commands read from the environment and hand to the runtime (never to a log)."""

from __future__ import annotations

import os

from bot.config import Settings


def llm_api_key(settings: Settings) -> str | None:
    """The LLM summariser's API key, from the variable `summarizer.llm.api_key_env` names."""
    name = settings.summarizer.llm.api_key_env
    return os.environ.get(name) or None if name else None
