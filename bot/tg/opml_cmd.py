"""/export and /import: a chat's subscriptions as an OPML file, and back."""

from __future__ import annotations

from typing import Any

from telegram import Document, Update
from telegram.ext import Application, MessageHandler, filters

from bot.errors import OPMLError, UsageError
from bot.i18n import N_, Translator
from bot.service import opml
from bot.tg import texts
from bot.tg.bot_data import services
from bot.tg.common import (
    Context,
    arguments,
    ensure_may_change,
    message_of,
    reply,
    reply_long,
    translator_of,
)
from bot.tg.texts import GENERIC_FAILURE

EXPORT_FILENAME = "newsbot-subscriptions.opml"
# An import report names at most this many feeds that could not be added.
LISTED_FAILURES = 20
# A feed URL in the report is cut to this many characters.
URL_LIMIT = 200


async def export(update: Update, context: Context) -> None:
    """Send the chat's subscriptions as an OPML document."""
    arguments(context, "export", most=0)
    svc = services(context)
    message = message_of(update)
    found = await svc.store.list_subscriptions(message.chat_id)
    _ = await translator_of(update, context)
    if not found:
        await reply(update, _(texts.NOTHING_FOLLOWED))
        return
    data = opml.export_opml(found, svc.settings, "newsbot subscriptions")
    await message.reply_document(
        data,
        filename=EXPORT_FILENAME,
        caption=_.ngettext(
            "Your {n} subscription. Send this file back to me to /import it.",
            "Your {n} subscriptions. Send this file back to me to /import it.",
            len(found),
        ),
        do_quote=False,
    )


def _reason(failure: opml.FeedImported, _: Translator) -> str:
    # error_handler -> command_table -> this module: imported here to break the cycle.
    from bot.tg.error_handler import explain  # noqa: PLC0415

    explained = explain(failure.error, _) if failure.error is not None else None
    return explained or _(GENERIC_FAILURE)


def _import_report(report: opml.ImportReport, _: Translator) -> str:
    lines = [_("📥 Imported: <b>{count}</b> new", count=len(report.added))]
    if report.already:
        lines.append(_("Already followed: {count}", count=len(report.already)))
    if report.over_limit:
        lines.append(_("Skipped, over this chat's limit: {count}", count=report.over_limit))
    if report.failed:
        lines.append(_("Could not add {count}:", count=len(report.failed)))
        # Explained as /subscribe would: the raw reason may reveal which internal names resolve.
        lines.extend(
            f"• {texts.escape(texts.clip(failure.url, URL_LIMIT))} — {_reason(failure, _)}"
            for failure in report.failures[:LISTED_FAILURES]
        )
        if len(report.failed) > LISTED_FAILURES:
            lines.append(_("…and {count} more", count=len(report.failed) - LISTED_FAILURES))
    return "\n".join(lines)


async def _import_document(update: Update, context: Context, document: Document) -> None:
    await ensure_may_change(update, context)
    if document.file_size is not None and document.file_size > opml.MAX_OPML_BYTES:
        raise OPMLError(N_("the file is larger than {size} KiB"), size=opml.MAX_OPML_BYTES // 1024)
    svc = services(context)
    file = await context.bot.get_file(document.file_id)
    data = bytes(await file.download_as_bytearray())
    report = await opml.import_opml(
        svc.store, svc.settings, svc.fetcher, message_of(update).chat_id, data
    )
    await reply_long(update, _import_report(report, await translator_of(update, context)))


async def import_command(update: Update, context: Context) -> None:
    """`/import` as a reply to an .opml file (or as the file's caption)."""
    message = message_of(update)
    replied = message.reply_to_message
    document = message.document or (replied.document if replied is not None else None)
    if document is None:
        raise UsageError(command="import")
    await _import_document(update, context, document)


async def opml_document(update: Update, context: Context) -> None:
    """An .opml file sent in a private chat is imported."""
    document = message_of(update).document
    if document is not None:
        await _import_document(update, context, document)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add `/import` as a document caption (the commands themselves are in `command_table`)."""
    application.add_handler(
        MessageHandler(
            filters.Document.ALL & filters.CaptionRegex(r"^/import(@\w+)?\b"), import_command
        )
    )


def register_document_handler(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Import any .opml file sent to the bot in a private chat."""
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.Document.FileExtension("opml"), opml_document
        )
    )
