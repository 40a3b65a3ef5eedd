"""Normalised keys the store compares: titles for cross-feed de-duplication."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_title(title: str) -> str:
    """Case-fold, strip accents' compatibility forms and punctuation, collapse spaces.

    "Breaking: Markets FALL!" and "breaking — markets fall" give the same key.
    """
    folded = unicodedata.normalize("NFKC", title).casefold()
    return _NON_WORD.sub(" ", folded).strip()
