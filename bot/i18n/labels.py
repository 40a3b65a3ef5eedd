"""The post's own labels ("Source", "via", "Also") in the reader's language, for `render`."""

from __future__ import annotations

import functools

from bot.i18n import Translator, translator
from bot.text.render import Labels


def post_labels(_: Translator) -> Labels:
    """Render's labels translated; hashtags and the article's own words stay as they are."""
    return Labels(
        # TRANSLATORS: the label before a post's source name ("Source: Politico").
        source=_("Source"),
        # TRANSLATORS: "Source: Politico (via Ukrainska Pravda)": who carried the story.
        via=_("via"),
        # TRANSLATORS: the label before other sources of the same story ("Also: Reuters").
        also=_("Also"),
        read_article=_("read the article"),
        untitled=_("Untitled"),
        from_excerpt=_("Summarised from the feed excerpt; the full article was unavailable."),
    )


@functools.cache
def labels_for(language: str | None) -> Labels:
    """The labels of a chat's (or channel route's) language; English for None or unknown."""
    return post_labels(translator(language))
