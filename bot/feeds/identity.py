"""Stable identities for feed entries, so the same story is never delivered twice.

An entry is known by its guid/id; without one, by its canonical link (host lower-cased,
default port, fragment and tracking parameters such as `utm_*`, `fbclid`, `gclid` removed);
without a link, by a hash of its title and date.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ocid",
        "cmpid",
        "wt_mc",
        "wt_zmc",
    }
)
TRACKING_PREFIXES = ("utm_", "__hs", "pk_", "mtm_")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonical_link(url: str) -> str:
    """The link without tracking noise: same story, same string."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    ]
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query, doseq=True), ""))


def entry_identity(
    guid: str | None, link: str | None, title: str, published: datetime | None
) -> str:
    """guid, else canonical link, else a hash of title and date."""
    if guid and guid.strip():
        return guid.strip()
    if link and link.strip():
        return canonical_link(link)
    stamp = published.isoformat() if published else ""
    digest = hashlib.sha256(f"{title.strip()}\n{stamp}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"
