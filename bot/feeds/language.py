"""Guess an article's language when the page does not declare it.

Scripts settle Chinese, Japanese, Korean and Thai at once; for the rest, the share of words
found in jusText's stop-word lists (shipped with trafilatura's dependencies) picks the
language. Only consulted for pages without `<html lang>` or a language meta tag.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

import justext

# jusText stop-list name -> ISO 639-1 code, for the languages news mostly comes in.
STOPLISTS = {
    "Arabic": "ar", "Bulgarian": "bg", "Catalan": "ca", "Croatian": "hr", "Czech": "cs",
    "Danish": "da", "Dutch": "nl", "English": "en", "Estonian": "et", "Finnish": "fi",
    "French": "fr", "German": "de", "Greek": "el", "Hebrew": "he", "Hindi": "hi",
    "Hungarian": "hu", "Indonesian": "id", "Italian": "it", "Latvian": "lv",
    "Lithuanian": "lt", "Malay": "ms", "Norwegian_Bokmal": "no", "Persian": "fa",
    "Polish": "pl", "Portuguese": "pt", "Romanian": "ro", "Russian": "ru", "Serbian": "sr",
    "Slovak": "sk", "Slovenian": "sl", "Spanish": "es", "Swedish": "sv", "Turkish": "tr",
    "Ukrainian": "uk", "Vietnamese": "vi",
}  # fmt: skip
# At least this share of the words must be stop words of the winning language.
MIN_STOPWORD_SHARE = 0.15
_SAMPLE_CHARS = 4000
_WORD = re.compile(r"[^\W\d_]+")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_THAI = re.compile(r"[\u0e00-\u0e7f]")


@cache
def _stoplists() -> dict[str, frozenset[str]]:
    return {code: frozenset(justext.get_stoplist(name)) for name, code in STOPLISTS.items()}


def _by_script(sample: str) -> str | None:
    letters = max(1, len(_WORD.findall(sample)))
    if len(_HANGUL.findall(sample)) > letters:
        return "ko"
    if len(_KANA.findall(sample)) > letters // 2:
        return "ja"
    if len(_HAN.findall(sample)) > letters:
        return "zh"
    if len(_THAI.findall(sample)) > letters:
        return "th"
    return None


def guess_language(text: str) -> str | None:
    """An ISO 639-1 code for the text's language, or None when the evidence is too thin."""
    sample = text[:_SAMPLE_CHARS]
    if script := _by_script(sample):
        return script
    words = Counter(word.lower() for word in _WORD.findall(sample))
    total = sum(words.values())
    if total < 20:
        return None
    scores = {
        code: sum(count for word, count in words.items() if word in stoplist)
        for code, stoplist in _stoplists().items()
    }
    best = max(scores, key=scores.__getitem__)
    return best if scores[best] >= MIN_STOPWORD_SHARE * total else None
