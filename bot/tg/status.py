"""A status message a background job keeps up to date: cosmetic, so it never stops the job.

Editing can fail for reasons that say nothing about the work itself: the admin deleted the
message, it is too old to edit, a 429, a timeout, an answer PTB cannot parse. Each failure is
logged; when the message itself is unusable a fresh one is sent and edited from then on, and
when Telegram is merely busy this update is skipped.
"""

from __future__ import annotations

import logging

from bot.errors import ChatGoneError, DeliveryRejectedError
from bot.service.ports import Messenger

log = logging.getLogger(__name__)


class StatusMessage:
    """One chat's status message for a job; `show` never raises."""

    def __init__(self, messenger: Messenger, chat_id: int, message_id: int | None) -> None:
        self._messenger = messenger
        self._chat_id = chat_id
        self._message_id = message_id

    @property
    def message_id(self) -> int | None:
        """The message now shown (None until one could be sent)."""
        return self._message_id

    async def show(self, html: str) -> None:
        """Edit the message to `html`, or send it afresh if the old one cannot be edited."""
        if self._message_id is not None and await self._edited(self._message_id, html):
            return
        try:
            self._message_id = await self._messenger.send(self._chat_id, html)
        except Exception as exc:  # noqa: BLE001 - cosmetic, as above
            log.info("no status message in chat %d: %s", self._chat_id, exc)

    async def _edited(self, message_id: int, html: str) -> bool:
        """True when the message shows `html`, or should stay as it is for now (busy, odd)."""
        try:
            await self._messenger.edit(self._chat_id, message_id, html)
        except (ChatGoneError, DeliveryRejectedError) as exc:
            log.info("status message %d not editable (%s): sending a new one", message_id, exc)
            return False
        except Exception as exc:  # noqa: BLE001 - cosmetic: any failure is logged, never raised
            log.info("status message %d not updated: %s", message_id, exc)
        return True
