"""News organisations: who published a page, and whether a credited name is a news outlet at all.

The publisher is named as readers know it. Pages offer several names (og:site_name, the JSON-LD
publisher, application-name, the tail of the <title>) and some are wrong: a section ("U.S."), a
slogan ("Expert how-to for English Riders"), a platform ("Hosted"), a foreign edition. A name is
believed only when it resembles the page's host; among equal names the best-formed one wins
("The Detroit News" over "detroitnews"); a small table names well-known hosts; the registrable
domain is the last resort. A credited original source must be a news organisation: a known one,
or a name ending like one ("… News", "… Times", "… Agency") — never a person, company or place.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import urlsplit

# Canonical name first, then other names readers use for the same outlet.
_KNOWN = """
AP|Associated Press|The Associated Press|AP News
Reuters|Thomson Reuters
Handelsblatt
Tagesschau|ARD
ZDF
Die Welt|Welt
AFP|Agence France-Presse|Agence France Presse
Bloomberg|Bloomberg News
dpa|Deutsche Presse-Agentur
EFE|Agencia EFE
ANSA
PTI|Press Trust of India
Kyodo|Kyodo News
Yonhap|Yonhap News Agency
Xinhua|Xinhua News Agency
TASS|ТАСС
Interfax|Интерфакс|Інтерфакс-Україна|Interfax-Ukraine
RIA Novosti|РИА Новости
Ukrinform|Укрінформ
UNIAN|УНІАН
Ukrainska Pravda|Українська правда|Украинская правда
Kyiv Independent|The Kyiv Independent
Suspilne|Суспільне
Meduza|Медуза
RBC|РБК
Kommersant|Коммерсантъ
Vedomosti|Ведомости
Novaya Gazeta|Новая газета
CNN|CNN Business|CNN Politics
CNBC
NBC News|NBC
CBS News|CBS
ABC News|ABC
Fox News
NPR
PBS
BBC|BBC News
Sky News
Al Jazeera
Deutsche Welle|DW
Euronews
Politico|Politico Europe
Axios
The New York Times|New York Times|NYT
The Washington Post|Washington Post
The Wall Street Journal|Wall Street Journal|WSJ
Financial Times|FT
The Guardian|Guardian
The Times
The Telegraph|Telegraph|The Daily Telegraph
The Independent|Independent
The Economist
Los Angeles Times|LA Times
USA Today
Business Insider
Rolling Stone
Variety
Deadline
The Hollywood Reporter
The Wrap|TheWrap
The Verge
TechCrunch
Wired
Futurism
Vice|Vice News
BuzzFeed News
HuffPost
Le Monde
Le Figaro|Figaro
Libération
Der Spiegel|Spiegel
Die Zeit|Zeit Online
Süddeutsche Zeitung
Frankfurter Allgemeine|FAZ
Bild
El País
El Mundo
Corriere della Sera
Haaretz
Kan
The Times of Israel|Times of Israel
Radio Free Europe|RFE/RL|Radio Liberty|Радіо Свобода|Радио Свобода
Voice of America|VOA
Sputnik|Sputnik International
RT
"""
# Hosts whose pages often name themselves wrongly or not at all.
_HOSTS = {
    "ap.org": "AP",
    "apnews.com": "AP",
    "reuters.com": "Reuters",
    "nytimes.com": "The New York Times",
    "washingtonpost.com": "The Washington Post",
    "wsj.com": "The Wall Street Journal",
    "businessinsider.com": "Business Insider",
    "cbsnews.com": "CBS News",
    "nbcnews.com": "NBC News",
    "bbc.com": "BBC News",
    "bbc.co.uk": "BBC News",
    "pravda.com.ua": "Ukrainska Pravda",
    "politico.com": "Politico",
    "politico.eu": "Politico Europe",
    "theguardian.com": "The Guardian",
    "ft.com": "Financial Times",
    "bloomberg.com": "Bloomberg",
}
# A name whose last word is one of these is a news outlet ("Sioux Falls Gazette", "Kan News").
_NEWS_WORDS = frozenset(
    """
     news times post journal herald tribune gazette telegraph guardian chronicle observer
     independent inquirer examiner reporter standard mirror express mail agency press wire radio
     tv television magazine daily bulletin register dispatch courier monitor today zeitung
     nachrichten presse новости новини известия правда ведомости газета агентство diario noticias
     périodique journal quotidien
    """.split()  # noqa: SIM905 - a word list reads best as words
)
# Broadcasters whose local stations are named "CBS DFW", "NBC 5", "Fox 2".
_NETWORKS = frozenset({"cbs", "nbc", "abc", "fox", "cnn", "bbc", "sky", "ctv", "cbc", "pbs"})
# Trailing words that name an edition or a section of the same outlet.
_EDITIONS = re.compile(
    r"(?:international|deutschland|india|uk|us|usa|australia|canada|online|business|politics|"
    r"news|world|europe|global|editorial|staff|sport|sports)+$"
)
_SEPARATORS = re.compile(r"\s+[|–—-]\s+|\s+::\s+|\s+[«»]\s+|\s*\|\s*")
_DOMAIN_SUFFIX = re.compile(r"\.(?:com|net|org|info|co|ca|in|ru|ua|de|fr|es|it|br|uk|kr|jp)\b.*$")
_NOT_ALNUM = re.compile(r"[\W_]+")
_TITLE_TAIL_WORDS = 4
_LATIN = 0x24F  # the last Latin letter: beyond it, another script
_MIN_SHARED = 4  # letters a name and a host must share to count as resembling


def normalise(name: str) -> str:
    """Lower-case letters and digits only, without accents, "the", or a ".com"-type ending."""
    text = unicodedata.normalize("NFKD", name.strip().lstrip("@"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = _DOMAIN_SUFFIX.sub("", text.removeprefix("www."))
    text = _NOT_ALNUM.sub("", text)
    return text.removeprefix("the") if len(text) > len("the") + 2 else text


def _parse_known() -> dict[str, str]:
    table: dict[str, str] = {}
    for line in _KNOWN.strip().splitlines():
        names = line.split("|")
        for name in names:
            table.setdefault(normalise(name), names[0])
    return table


_CANONICAL = _parse_known()


def canonical(name: str) -> str:
    """The usual name of a known outlet ("Agence France-Presse" → "AFP"), else `name`."""
    return _CANONICAL.get(normalise(name), name)


def is_known_outlet(name: str) -> bool:
    """True for a news organisation in the table (by any of its names)."""
    return normalise(name) in _CANONICAL


def is_news_organisation(name: str) -> bool:
    """Known, a broadcaster's station, or a name that ends like a news outlet's."""
    words = name.split()
    if not words:
        return False
    last = _NOT_ALNUM.sub("", words[-1]).casefold()
    first = _NOT_ALNUM.sub("", words[0]).casefold()
    return is_known_outlet(name) or last in _NEWS_WORDS or (first in _NETWORKS and len(words) > 1)


def same_outlet(one: str | None, other: str | None) -> bool:
    """True when both name one outlet ("CNN Business" and "CNN", "TheHill" and "The Hill")."""
    if not one or not other:
        return False
    a, b = normalise(canonical(one)), normalise(canonical(other))
    if a == b:
        return True
    shorter, longer = sorted((a, b), key=len)
    return (
        bool(shorter)
        and longer.startswith(shorter)
        and not _EDITIONS.sub("", longer[len(shorter) :])
    )


def host_labels(url: str | None) -> tuple[str, str | None]:
    """The host's registrable domain ("comwrap.com", "bbc.co.uk") and its full host name."""
    try:
        host = urlsplit(url).hostname if url else None
    except ValueError:
        return "", None
    if not host:
        return "", None
    host = host.removeprefix("www.")
    if host.replace(".", "").isdigit() or ":" in host:
        return host, host  # an IP address has no registrable domain
    parts = host.split(".")
    second_level = len(parts) > 2 and parts[-2] in {"co", "com", "org", "net", "gov", "ac"}
    keep = 3 if second_level else 2
    return ".".join(parts[-keep:]), host


def resembles(name: str, url: str | None) -> bool:
    """True when `name` could be the site at `url` (shares its host's letters or initials)."""
    domain, host = host_labels(url)
    if not host or "." not in domain or host.replace(".", "").isdigit():
        return True  # no host, a bare name or an address: nothing to compare with
    if any(c.isalpha() and ord(c) > _LATIN for c in name):
        return True  # a name in another script cannot be matched to an ASCII host
    labels = [_NOT_ALNUM.sub("", part) for part in host.split(".")[:-1] if part != "www"]
    return any(_shares_letters(name, label) for label in labels if label)


def _shares_letters(name: str, label: str) -> bool:
    """The name is the host label, contains it, is in it, or shares initials or a word."""
    full = _NOT_ALNUM.sub("", name.casefold())
    plain = normalise(name)
    words = [_NOT_ALNUM.sub("", w) for w in name.casefold().split()]
    initials = "".join(w[:1] for w in words if w)
    return (
        label in (full, plain)
        or (len(plain) >= _MIN_SHARED and plain in label)
        or (len(label) >= _MIN_SHARED and label in full)
        or (len(initials) >= 2 and label.startswith(initials))
        or any(len(w) >= _MIN_SHARED and w in label for w in words)
        or (len(plain) >= 3 and label[:3] == plain[:3])
    )


def title_tail(title: str | None) -> str | None:
    """The last part of a page title after a separator ("… - The New York Times"), if short."""
    parts = [p.strip() for p in _SEPARATORS.split(" ".join((title or "").split())) if p.strip()]
    if len(parts) < 2 or len(parts[-1].split()) > _TITLE_TAIL_WORDS:
        return None
    return parts[-1]


def _split_names(names: Iterable[str | None]) -> list[str]:
    """Each offered name, URLs turned into hosts and "Site | Slogan" cut into its parts."""
    found: list[str] = []
    for offered in names:
        name = " ".join((offered or "").split()).lstrip("@")
        if name.startswith(("http://", "https://")):
            name = host_labels(name)[0]
        found.extend(part.strip() for part in _SEPARATORS.split(name) if part.strip())
    return found


def _form(name: str) -> tuple[int, int, int]:
    """How well-formed a name looks: spaces, capitals, a dot or apostrophe ("NJ.com")."""
    return (name.count(" "), sum(map(str.isupper, name[:1])), int("." in name or "'" in name))


def choose_publisher(
    site_names: Iterable[str | None], title: str | None, url: str | None
) -> str | None:
    """The publisher's name: a site name resembling the host, a known host, else the domain."""
    domain, host = host_labels(url)
    if domain in _HOSTS:
        return _HOSTS[domain]
    offered = _split_names(site_names)
    tail = title_tail(title)
    plausible = [n for n in offered if resembles(n, url)]
    if tail and any("a" <= c <= "z" for c in tail.casefold()) and resembles(tail, url):
        plausible.append(tail)
    if not plausible:
        return host or (offered[0] if offered else None)
    best = plausible[0]
    for other in plausible[1:]:
        if normalise(other) == normalise(best) and _form(other) > _form(best):
            best = other
    return best
