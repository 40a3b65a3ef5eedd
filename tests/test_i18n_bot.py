"""The bot speaks its reader's language, over the real bot and the fake Bot API: /start,
/help, an error and a post in each shipped language, the command menu per language, and
`/settings language` switching for good."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from bot.i18n import LANGUAGES, translator
from bot.tg.command_table import menu
from tests.fakes import Call, FakeTelegram
from tests.feedserver import Story
from tests.tg_app import USER, answer_to, ask, city_news, subscriber_bot
from tests.tg_harness import store_of

# What each language's reader must see: welcome, /help heading, the error for an unknown
# source, and the source label of a post.
EXPECTED = {
    "en": (
        "Hi! I turn the news into short posts",
        "What I can do",
        "is not a source id",
        "Source: ",
    ),
    "uk": ("Привіт! Я перетворюю новини", "Що я вмію", "це не id джерела", "Джерело: "),
    "ru": ("Привет! Я превращаю новости", "Что я умею", "это не id источника", "Источник: "),
    "de": (
        "Hallo! Ich mache aus Nachrichten",
        "Was ich kann",
        "ist weder eine Quellen-ID",
        "Quelle: ",
    ),
    "es": ("¡Hola! Convierto las noticias", "Lo que sé hacer", "no es un id de fuente", "Fuente: "),
    "fr": (
        "Je transforme l’actualité",
        "Ce que je sais faire",
        "n’est ni un id de source",
        "Source\u00a0: ",
    ),
}


async def say(tg: FakeTelegram, text: str, language_code: str | None, user: int = USER) -> Call:
    """A user whose Telegram app is set to `language_code` writes to the bot privately."""
    return await answer_to(
        tg, user, lambda: tg.send_message(user, text, language_code=language_code)
    )


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_reader_gets_start_help_errors_and_posts_in_their_language(
    language: str, tmp_path: Path, httpserver: HTTPServer
) -> None:
    welcome, heading, error, label = EXPECTED[language]
    site, sources = city_news(httpserver, Story("tram", "New tram line opens", topic="tram"))
    code = {"uk": "uk", "ru": "ru-RU", "de": "de-AT", "es": "es", "fr": "fr-CA"}.get(language)
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path, sources=sources) as app:
        start = await say(tg, "/start", code or "pt-BR")
        assert welcome in start.text
        # The catalogue buttons stay the sources' own names.
        assert "City News" in str(start.params["reply_markup"])
        assert heading in (await say(tg, "/help", code)).text
        refused = await say(tg, "/subscribe nosuchsource", code)
        assert refused.text.startswith("⚠️ ")
        assert error in refused.text
        post = await say(tg, f"/summarize {site.page_url('tram')}", code)
        assert post.text.startswith("<b>New tram line opens</b>")  # the article's own words
        assert label in post.text
        chat = await store_of(app).get_chat(USER)
        assert chat is not None
        assert chat.language == language


async def test_the_command_menu_is_published_in_every_language(tmp_path: Path) -> None:
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path):
        await ask(tg, USER, "/help")
        published = {c.params.get("language_code"): c for c in tg.calls_to("setMyCommands")}
    assert set(published) == {None, *(code for code in LANGUAGES if code != "en")}
    for code, call in published.items():
        pairs = [(c["command"], c["description"]) for c in call.params["commands"]]
        assert pairs == menu(translator(code or "en"))
    ukrainian = dict(menu(translator("uk")))
    assert ukrainian["sources"] == "Переглянути джерела новин"


async def test_settings_language_switches_the_chat_for_good(tmp_path: Path) -> None:
    """An English reader switches to Ukrainian by command, then back to English by button."""
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path):
        assert "What I can do" in (await say(tg, "/help", "en")).text
        switched = await say(tg, "/settings language uk", "en")
        assert "Мова: <b>Українська</b>" in switched.text
        # From now on Ukrainian, whatever the reader's app says.
        assert "Що я вмію" in (await say(tg, "/help", "en")).text
        assert "це не посилання" in (await say(tg, "/summarize nolink", "en")).text
        wrong = await say(tg, "/settings language xx", "en")
        assert "Мовою «xx» я не розмовляю" in wrong.text
        assert "en, uk, ru, de, es, fr" in wrong.text
        # The 🌐 button lists the languages by their own names; English switches back.
        shown = await say(tg, "/settings", "en")
        message = tg.last_message(USER)
        assert "🌐 Мова" in str(shown.params["reply_markup"])
        tg.press_button(message, "set:languages:list")
        await tg.wait_for(lambda c: c.method == "editMessageReplyMarkup")
        listed = tg.last_message(USER)["reply_markup"]["inline_keyboard"]
        names = [row[0]["text"] for row in listed]
        assert names == ["English", "✅ Українська", "Русский", "Deutsch", "Español", "Français"]
        tg.press_button(tg.last_message(USER), "set:language:en")
        edited = await tg.wait_for(lambda c: c.method == "editMessageText")
        assert "Language: <b>English</b>" in edited[-1].text
        assert "What I can do" in (await say(tg, "/help", "uk")).text


async def test_a_group_speaks_the_language_its_admins_set(tmp_path: Path) -> None:
    """A group takes its first writer's language; a member's own app language does not change
    it, and only an admin may set it."""
    group = -100777
    async with FakeTelegram() as tg, subscriber_bot(tg, tmp_path):
        tg.add_chat({"id": group, "type": "supergroup", "title": "Вечірні новини"})

        async def in_group(text: str, user: int, code: str) -> Call:
            return await answer_to(
                tg, group, lambda: tg.send_message(group, text, user_id=user, language_code=code)
            )

        assert "Що я вмію" in (await in_group("/help@newsbot_test_bot", 7, "uk")).text
        assert "Що я вмію" in (await in_group("/help@newsbot_test_bot", 8, "de")).text
        tg.set_member(group, 8, "member")
        refused = await in_group("/settings@newsbot_test_bot language de", 8, "de")
        assert "лише її адміністратори" in refused.text
        tg.set_member(group, 7, "administrator")
        changed = await in_group("/settings@newsbot_test_bot language de", 7, "uk")
        assert "Sprache: <b>Deutsch</b>" in changed.text
        assert "Was ich kann" in (await in_group("/help@newsbot_test_bot", 8, "uk")).text
