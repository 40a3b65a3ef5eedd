"""Recognise publisher boilerplate and section labels by generic signals, in several languages.

Signals are calls to action (follow, subscribe, support, donate, share, read more), newsletter and
cookie prompts, copyright and image credits, bylines and timestamps: what any site adds around a
story, never one site's own phrases. Matching is case-insensitive so lower-cased text works too.
"""

from __future__ import annotations

import re

_CALL_TO_ACTION = re.compile(
    r"""
    \b(?:follow|like|join|support|contact|find)\s+us\b
    | \bsubscrib(?:e|ing)\b | \bsign\s+up\b | \bnewsletters?\b | \bdonat(?:e|ion)s?\b
    | \bbecome\s+(?:a|an|our)\s+(?:patron|member|subscriber|supporter)\b
    | \bshare\s+(?:this|on|via|with\s+your)\b | \bread\s+(?:more|also|next)\b
    | \bclick\s+here\b | \bcookies?\b | \ball\s+rights\s+reserved\b | ©
    | \bdownload\s+(?:our|the)\s+app\b | \bturn\s+on\s+notifications\b
    | \bour\s+(?:telegram|twitter|facebook|instagram|youtube|tiktok|whatsapp)\b
    | \bstay\s+(?:tuned|informed|up\s+to\s+date)\b | \bmost\s+up-to-date\s+information\b
    | підпис\w*ся | підпишіться | читайте\s+також | слідкуйте | підтримайте | патрон\w*
    | подписывайтесь | подпишитесь | читайте\s+также | следите\s+за | поддержите
    | \babonnier\w* | folgen\s+sie\s+uns | lesen\s+sie\s+auch | mehr\s+zum\s+thema | \bteilen\s+sie
    | síguenos | suscríbete | lee\s+también | comparte\s+(?:esta|en)
    """,
    re.IGNORECASE | re.VERBOSE,
)
_CREDIT = re.compile(
    r"""^(?:
        (?:photo|image|picture|video|illustration|credit|фото|відео|видео|foto|bild|imagen)
        (?:\s+\w+)?\s*:
      | (?:advertisement|reklama|реклама|anzeige|publicidad|sponsored)\W*$
      | (?:by|von|автор|від|por)\s+\S+(?:\s+\S+){0,4}$
      | (?:published|updated|last\s+updated|posted|опубліковано|оновлено|опубликовано|обновлено
         |veröffentlicht|aktualisiert|actualizado)\b.{0,60}$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_SHORT = 40  # words: a call to action makes a paragraph this short boilerplate outright

# Labels that introduce old context rather than news.
BACKGROUND_LABELS = frozenset(
    {
        "background",
        "context",
        "reminder",
        "recall",
        "history",
        "earlier",
        "previously",
        "for reference",
        "контекст",
        "передісторія",
        "нагадаємо",
        "нагадуємо",
        "довідка",
        "раніше",
        "предыстория",
        "напомним",
        "справка",
        "ранее",
        "hintergrund",
        "vorgeschichte",
        "zur erinnerung",
        "antecedentes",
        "contexto",
    }
)
SOURCE_LABELS = frozenset(
    {"source", "sources", "джерело", "джерела", "источник", "quelle", "fuente"}
)
_OTHER_LABELS = frozenset(
    {
        "details",
        "detail",
        "quote",
        "quotes",
        "update",
        "updated",
        "note",
        "editor's note",
        "what is known",
        "key points",
        "summary",
        "подробиці",
        "деталі",
        "цитата",
        "подробности",
        "детали",
        "details zum thema",
        "zitat",
        "einzelheiten",
        "detalles",
        "cita",
    }
)
_ALL_LABELS = BACKGROUND_LABELS | SOURCE_LABELS | _OTHER_LABELS
_LABEL = re.compile(r"^\s*([^\W\d][\w' ]{1,30}?)\s*:\s*(.*)$", re.DOTALL)


def split_label(paragraph: str) -> tuple[str | None, str]:
    """Split a known section label ("Details:", "Background:") off a paragraph's start."""
    match = _LABEL.match(paragraph)
    if match and match.group(1).lower() in _ALL_LABELS:
        return match.group(1).lower(), match.group(2).strip()
    return None, paragraph


def is_boilerplate(paragraph: str, sentences: list[str]) -> bool:
    """True for a paragraph that only promotes, credits or bylines, not news."""
    if _CREDIT.match(paragraph.strip()):
        return True
    promotional = sum(1 for sentence in sentences if _CALL_TO_ACTION.search(sentence))
    if not promotional:
        return False
    return len(paragraph.split()) <= _SHORT or 2 * promotional >= len(sentences)


def is_promotional(sentence: str) -> bool:
    """True for a sentence with a call to action: never a key point."""
    return bool(_CALL_TO_ACTION.search(sentence))
