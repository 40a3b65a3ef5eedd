"""A feed's advert posted as an entry ("Featured Advertiser") never becomes a story."""

import pytest

from bot.feeds.parse import parse_feed
from bot.text.boilerplate import is_advertisement


def test_featured_advertiser_entries_of_a_real_feed_are_dropped(shared_data):
    body = (shared_data / "feeds" / "real" / "node-feedparser" / "wapowellness.xml").read_bytes()
    assert body.count(b"Featured Advertiser") >= 2
    titles = [entry.title for entry in parse_feed(body).entries]
    assert "Featured Advertiser" not in titles
    assert "Under Armour et al. make sweat-wicking clothes de rigueur these days" in titles


@pytest.mark.parametrize(
    "title",
    [
        "Featured Advertiser",
        "ADVERTISEMENT",
        "Sponsored",
        "Sponsored: Ten ways to save",
        "Anzeige",
        "Реклама",
        "Paid post",
        "Partner content",
    ],
)
def test_advert_titles_are_recognised(title):
    assert is_advertisement(title)


@pytest.mark.parametrize(
    "title",
    [
        "Advertisers flee the platform after boycott call",
        "Sponsored visas for nurses are cut",
        "Partner of the year award goes to Kyiv bakery",
        "Paid leave extended",
    ],
)
def test_news_about_advertising_is_not_an_advert(title):
    assert not is_advertisement(title)
