"""Bringing news in from the web: safe fetching, feed parsing, article extraction.

fetch.py      Fetcher: one httpx client, limits, retries, redirects, conditional GET
safety.py     URL safety: resolve, refuse private ranges, connect to the checked address
body.py       reading a body with a cap on its decoded size (gzip bombs stop early)
responses.py  what a fetch returns; media-type and Retry-After rules
charset.py    page bytes to text when the declared charset is wrong or missing
parse.py      feed bytes to Feed/Entry (feedparser), jsonfeed.py for JSON Feed
identity.py   stable entry identities (guid, canonical link, hash)
markup.py     feed snippets to plain text
extract.py    extract_article(html, url): trafilatura + bot.text.clean, with page metadata
pagemeta.py   title, site, date, author, language from the markup; language.py guesses
discover.py   a site's feeds from <link rel="alternate"> and common paths
policy.py     per-feed back-off and deactivation numbers, pure arithmetic
"""
