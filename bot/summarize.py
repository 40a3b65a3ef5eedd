"""The stable public name of the summariser: `bot.summarize.summarize_text` and friends.

The implementation lives in the pure text core (`bot.text.summarize`); this face keeps the
documented import path working for users and independent evaluations.
"""

from bot.model import MAX_POINTS, MIN_POINTS
from bot.text.summarize import (
    ExtractiveSummarizer,
    Summarizer,
    article_from_text,
    summarize_article,
    summarize_text,
)

__all__ = [
    "MAX_POINTS",
    "MIN_POINTS",
    "ExtractiveSummarizer",
    "Summarizer",
    "article_from_text",
    "summarize_article",
    "summarize_text",
]
