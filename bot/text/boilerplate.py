"""Recognise publisher boilerplate and section labels by generic signals, in several languages.

Signals are calls to action (follow, subscribe, support, donate, share, read more), newsletter and
cookie prompts, copyright and image credits, bylines and timestamps: what any site adds around a
story, never one site's own phrases. Matching is case-insensitive so lower-cased text works too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_CALL_TO_ACTION = re.compile(
    r"""
    ©
    # prompts that address the reader, anywhere in a sentence
    | \b(?:
        (?:follow|join|support|contact|find)\s+us\b | like\s+us\s+on\b
      | become\s+(?:a|an|our)\s+(?:patron|member|subscriber|supporter)\b
      | (?:our|the|free|daily|weekly)\s+newsletters?\b
      | click\s+here\b | (?:we\s+use|accept|our)\s+cookies\b | cookie\s+(?:policy|settings)\b
      | all\s+rights\s+reserved\b | download\s+our\s+app\b | turn\s+on\s+notifications\b
      | our\s+(?:telegram|twitter|facebook|instagram|youtube|tiktok|whatsapp)\b
      | stay\s+(?:tuned|informed)\b | most\s+up-to-date\s+information\b
      # reprint, sponsorship, paywall, cookie and ad-blocker notices
      | for\s+your\s+personal,?\s+non-commercial\s+use\b | presentation-ready\s+copies\b
      | order\s+(?:reprints|copies)\b | has\s+been\s+compensated\s+by\b | (?<!\w)\#ad\b
      | affiliate\s+links?\b | earn\s+(?:a\s+)?(?:small\s+)?commission\b
      | already\s+a\s+(?:subscriber|member)\b | subscribers?\s+only\b
      | (?:subscribe|sign\s+in|log\s+in)\s+to\s+(?:continue|read)\b | ad\s?blocker\b
      | enable\s+javascript\b | use\s+of\s+cookies\b
      | підпишіться\s+на | читайте\s+також | підтримайте\s+нас | стати\s+(?:нашим\s+)?патроном
      | подпишитесь\s+на | читайте\s+также | поддержите\s+нас
      | folgen\s+sie\s+uns | lesen\s+sie\s+auch | mehr\s+zum\s+thema | abonnieren\s+sie
      | síguenos | suscríbete | lee\s+también
    )
    # imperatives that open a sentence (the gap before one never spans another sentence end,
    # so a run of ". . . ." is scanned once, not once per dot)
    | (?:^\W*+|[.!?]\s[^\w.!?]*+)(?:
        subscribe | sign\s+up | donate | share\s+(?:this|on|via) | read\s+(?:more|also|next)
      | follow\s+(?:us|@) | download | підписуйтесь | слідкуйте | подписывайтесь | следите
      | abonnieren | teilen\s+sie | comparte
    )\b
    """,
    re.VERBOSE,  # matched against lower-cased text: faster than IGNORECASE
)
_CREDIT = re.compile(
    r"""^(?:
        (?:photo|image|picture|video|illustration|credit|фото|відео|видео|foto|bild|imagen)
        (?:\s+\w+)?\s*:
      | (?:advertisement|reklama|реклама|anzeige|publicidad|sponsored)\W*$
      | (?:published|updated|last\s+updated|posted|опубліковано|оновлено|опубликовано|обновлено
         |veröffentlicht|aktualisiert|actualizado)\b[^.!?]{0,60}\d[^.!?]{0,30}$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_CAPITALISED = r"[A-ZА-ЯЁІЇЄҐ][\w.'’-]*"
# "By Jane Doe and John Roe, Reuters": a byline line, capitalised names only ("By then, …" is news)
_BYLINE = re.compile(
    rf"^(?:[Bb]y|BY|[Vv]on|Автор:?|Від|[Pp]or)\s+{_CAPITALISED}"
    rf"(?:,?\s+(?:and|und|і|и|y|{_CAPITALISED})){{0,5}}\.?$"
)
_ADVERT_TITLE = re.compile(
    r"""\W*(?:
        (?:featured\s+)?advertiser\W*$ | advertisement\W*$ | advertorial\W*$
      | (?:sponsored|paid|partner|promoted)(?:\s+(?:content|post|story|article|links?))?\W*$
      | (?:sponsored|advertisement|anzeige|werbung|реклама|publicidad|publicité|promoted)\s*[:|–—-]
      | anzeige\W*$ | werbung\W*$ | реклама\W*$ | publicidad\W*$ | publicité\W*$
    )""",
    re.VERBOSE,
)
_SHORT = 40  # words: a call to action makes a paragraph this short boilerplate outright
_LONG = 1000  # characters: a block this long is article text, whatever it mentions

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


def is_boilerplate(paragraph: str, sentences: Sequence[str]) -> bool:
    """True for a paragraph that only promotes, credits or bylines, not news."""
    if _CREDIT.match(paragraph.strip()) or _BYLINE.match(paragraph.strip()):
        return True
    if len(paragraph) > _LONG or not is_promotional(paragraph):
        return False
    promotional = sum(1 for sentence in sentences if is_promotional(sentence))
    if not promotional:
        return False
    return len(paragraph.split()) <= _SHORT or 2 * promotional >= len(sentences)


def is_advertisement(title: str) -> bool:
    """True for a feed entry that is an advert ("Featured Advertiser", "Sponsored: …")."""
    return bool(_ADVERT_TITLE.match(title.strip().lower()))


def is_promotional(sentence: str) -> bool:
    """True for text with a call to action (a sentence with one is never a key point)."""
    return bool(_CALL_TO_ACTION.search(sentence.lower()))
