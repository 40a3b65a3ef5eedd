"""Split a paragraph into sentences, in any language written with spaces.

A rule-based splitter (no model, nothing downloaded): a boundary is terminal punctuation, optional
closing quotes, whitespace, and a plausible sentence start. Abbreviations (U.S., Dr., Jan., "т. е.",
"z. B."), initials, German ordinal dates ("3. Oktober"), decimals and mid-sentence ellipses are not
boundaries. Text that is (almost) all lower case has no capitals to confirm a boundary, so there any
next word may start a sentence; only known abbreviations and single letters still hold it together.
"""

from __future__ import annotations

import re


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Lower-cased, without the final dot. Dotted forms ("u.s", "z.b") are recognised by their inner dot.
_ABBREVIATIONS = _wordset(
    """
    mr mrs ms messrs dr prof sr sra srta jr st mt ft gen gov sen rep lt col sgt capt cmdr adm
    rev hon pres supt det insp cpl pvt maj brig no nos vs v approx dept est fig al ca cf ed
    eds vol pp op jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur
    thurs fri sat sun inc ltd co corp bros plc llc mass calif fla ariz colo conn ill kan mich
    minn nev okla penn tenn tex wash wis bzw usw evtl ggf vgl nr str abs bd hr fr jh mio mrd
    tsd т е д п г гг им ул см тыс млн млрд руб грн ст проф акад обл р с пр напр див др ін тис
    ud uds dña pág núm aprox
    inkl ggü sog bspw zzgl tel abb kap hrsg geb gest
    долл коп вул просп пл ген дж янв февр апр авг сент окт нояб дек січ лют бер квіт трав черв
    лип серп вер жовт лист груд
    janv févr avr juil déc env av
    ene abr ago dic ej lic ing
    """
)
# Abbreviations that often end a sentence: a capitalised next word means a new sentence.
_FINAL_ABBREVIATIONS = _wordset(
    """
    etc usw inc ltd co corp jr plc llc bros al
    """
)
# Frequent sentence openers: after an abbreviation such as "U.S." they signal a new sentence.
_STARTERS = _wordset(
    """
    the a an he she it they we i you this that these those there but and in on at as after
    when his her its their our if while however meanwhile yet so some many most der die das
    ein eine er sie es wir ich aber und im am als nach он она оно они мы я это но и в на а він
    вона воно вони ми це але та у el la los las un una pero y en
    """
)
# Abbreviations that are also words ("ill.", "no.", "sun."): in lower-case text they may end one.
_WORDLIKE = _wordset(
    "no nos ill mass wash sun sat mon wed est ed op det mar ca al v sen rep gen col pres"
)
# Before "16." these words make it a German ordinal ("des 16. Jahrhunderts", "in der 27. Minute").
_BEFORE_ORDINAL = _wordset(
    """
    der des dem den die das am im vom zum zur beim ab bis seit vor nach um ihr ihre ihrem ihres
    ihren sein seine seinem seines seiner seinen jeden jede jedes jedem zu seinem unserem
    """
)
# After "3." these words make it a German ordinal date ("am 3. Oktober", "12. bis 13. Mai").
_AFTER_ORDINAL = _wordset(
    """
    bis januar februar märz april mai juni juli august september oktober november dezember jänner
    feber
    """
)

# Terminal punctuation, closing quotes, whitespace. The look-behind starts a match only at the
# first mark of a run and the possessive quantifiers never give back, so a run of 40,000 dots
# without a space costs one pass, not one pass per dot (which made splitting quadratic).
# Closing quotes include German „…“ and ‚…‘ and French « … » (a space before the guillemet).
_CANDIDATE = re.compile(r"(?<![.!?…])([.!?…]++)((?:[\"'”’“‘»)\]]|\s[»›])*+)\s++")
_ORDINAL_DIGITS = 3
_LOWER_TEXT_CAPITALS = 0.005
_CASE_SAMPLE = 5000


def is_lower_case_text(text: str) -> bool:
    """True when almost no letter is a capital, so capitals cannot mark sentence starts.

    Judged on the first few thousand characters: enough to tell, and constant time.
    """
    text = text[:_CASE_SAMPLE]
    letters = sum(map(str.isalpha, text))
    return letters > 0 and sum(map(str.isupper, text)) < _LOWER_TEXT_CAPITALS * letters


def split_sentences(paragraph: str, *, lower_case: bool | None = None) -> list[str]:
    """Split one paragraph into sentences; `lower_case` defaults to a guess from the text."""
    text = " ".join(paragraph.split())
    if not text:
        return []
    if lower_case is None:
        lower_case = is_lower_case_text(text)
    sentences: list[str] = []
    start = 0
    for match in _CANDIDATE.finditer(text):
        if _is_boundary(text, match, lower_case=lower_case):
            sentence = text[start : match.end()].strip()
            if sentence:
                sentences.append(sentence)
            start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _is_boundary(text: str, match: re.Match[str], *, lower_case: bool) -> bool:
    """Decide whether the punctuation in `match` ends a sentence."""
    punct, end = match.group(1), match.end()
    if end >= len(text):
        return True
    space = text.find(" ", end)  # slices stay local: no copying the rest of a huge text
    next_word = text[end : space if space >= 0 else len(text)].lstrip("\"'“‘«„([—–-")
    first = next_word[:1]
    starts_like_sentence = (
        first.isupper() or first.isdigit() or text[end] in "\"'“‘«„([—–-" or not first.isalpha()
    )
    if not lower_case and not starts_like_sentence:
        return False
    if punct[0] in "!?":
        return True
    if punct != ".":  # an ellipsis ends a sentence only before a capital
        return not lower_case and first.isupper()
    if match.group(2):  # closing quote after the dot: 'he said "stop." Then'
        return True
    word_start = text.rfind(" ", 0, match.start()) + 1
    word = text[word_start : match.start()].lstrip("\"'“‘«„([")
    return not (
        _is_ordinal(text, word, word_start, next_word)
        or _holds_together(word, next_word, lower_case=lower_case)
    )


def _is_ordinal(text: str, word: str, word_start: int, next_word: str) -> bool:
    """ "des 16. Jahrhunderts", "in der 27. Minute", "1. FC Köln" opening the text."""
    if not (word.isdigit() and len(word) <= _ORDINAL_DIGITS and next_word[:1].isupper()):
        return False
    previous = text[text.rfind(" ", 0, max(word_start - 1, 0)) + 1 : word_start].strip()
    return not previous or previous.lower() in _BEFORE_ORDINAL


def _holds_together(word: str, next_word: str, *, lower_case: bool) -> bool:
    """True when `word.` is an abbreviation, an initial or an ordinal, not a sentence end."""
    lowered = word.lower()
    next_lower = next_word.lower().rstrip('.,;:)»“"')
    if lowered.isdigit():
        return len(lowered) <= 2 and next_lower in _AFTER_ORDINAL
    is_abbreviation = (
        lowered in _ABBREVIATIONS
        or (len(word) == 1 and word.isalpha())
        or (
            "." in lowered and all(part.isalpha() and len(part) <= 3 for part in lowered.split("."))
        )
    )
    if not is_abbreviation:
        return False
    if lower_case:
        return lowered not in _WORDLIKE
    if not next_word[:1].isupper():
        return True
    if lowered in _FINAL_ABBREVIATIONS:
        return False
    return next_lower not in _STARTERS
