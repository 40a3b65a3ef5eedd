"""Pull the `{"headline": ..., "key_points": [...]}` object out of whatever the model said.

Servers without JSON mode (and some with it) wrap the object in a Markdown fence or chat around
it ("Sure! Here is the summary: ..."). We take the first JSON object that has the keys we need,
so a polite preamble (or a reasoning model's <think> block) costs nothing, and raise
`LLMOutputError` when there is none: a typed failure the summariser turns into an extractive
fallback.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.errors import LLMOutputError

# Reasoning models (DeepSeek-R1, Qwen3) think aloud first; drafts in there are not the answer.
_THINKING = re.compile(r"<think>.*?</think>", re.DOTALL)
_HEADLINE_KEYS = ("headline", "title")
_POINT_KEYS = ("key_points", "points", "keyPoints", "bullets", "summary")


@dataclass(frozen=True, slots=True)
class RawAnswer:
    """The model's answer before any checking: untrusted text."""

    headline: str
    key_points: tuple[str, ...]


def parse_answer(text: str) -> RawAnswer:
    """The first JSON object in `text` carrying key points, or `LLMOutputError`."""
    text = _THINKING.sub("", text)
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            value = None
        if isinstance(value, dict) and (answer := _answer_from(value)) is not None:
            return answer
        start = text.find("{", start + 1)
    raise LLMOutputError(f"no JSON object with key points in the answer ({len(text)} chars)")


def _answer_from(value: dict[str, Any]) -> RawAnswer | None:
    points = next((value[k] for k in _POINT_KEYS if k in value), None)
    if isinstance(points, str):
        points = [points]
    if not isinstance(points, list):
        return None
    texts = tuple(p.strip() for p in points if isinstance(p, str) and p.strip())
    if not texts:
        return None
    headline = next((value[k] for k in _HEADLINE_KEYS if isinstance(value.get(k), str)), "")
    return RawAnswer(headline=headline.strip(), key_points=texts)
