"""Broadcast drafts: the preview an admin confirms with a button, kept where every instance sees it.

Behind a load balancer the *Send* press may reach another instance than the `/broadcast` that
made the preview, so the draft lives in the database, not in one process's memory. Confirming
deletes the draft and creates the broadcast in one transaction: a double press (even on two
instances at once) creates one broadcast, and only the draft's author can do it.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, select

from bot.model import Broadcast, BroadcastDraft
from bot.store.broadcasts import BroadcastsMixin
from bot.store.schema import broadcast_drafts

_DRAFT = broadcast_drafts.c


class DraftsMixin(BroadcastsMixin):
    """Save, read, confirm and drop broadcast drafts."""

    async def save_broadcast_draft(
        self, author_id: int, text: str, now: datetime | None = None
    ) -> BroadcastDraft:
        key = secrets.token_hex(8)
        async with self._begin() as connection:
            await connection.execute(
                broadcast_drafts.insert().values(
                    key=key, author_id=author_id, text=text, created_at=self._now(now)
                )
            )
        return BroadcastDraft(key=key, author_id=author_id, text=text)

    async def get_broadcast_draft(self, key: str) -> BroadcastDraft | None:
        async with self._connect() as connection:
            row = (
                await connection.execute(select(broadcast_drafts).where(_DRAFT.key == key))
            ).first()
        return BroadcastDraft(key=row.key, author_id=row.author_id, text=row.text) if row else None

    async def confirm_broadcast_draft(
        self, key: str, author_id: int, include_groups: bool = False
    ) -> Broadcast | None:
        taken = (
            delete(broadcast_drafts)
            .where(_DRAFT.key == key, _DRAFT.author_id == author_id)
            .returning(_DRAFT.text)
        )
        async with self._begin() as connection:
            text = (await connection.execute(taken)).scalar_one_or_none()
            if text is None:
                return None
            broadcast_id = await self._insert_broadcast(connection, text, author_id, include_groups)
        return await self.get_broadcast(broadcast_id)

    async def drop_broadcast_draft(self, key: str, author_id: int) -> bool:
        statement = delete(broadcast_drafts).where(_DRAFT.key == key, _DRAFT.author_id == author_id)
        async with self._begin() as connection:
            return bool((await connection.execute(statement)).rowcount)

    async def _prune_drafts(self, older_than: datetime) -> int:
        statement = delete(broadcast_drafts).where(_DRAFT.created_at < older_than)
        async with self._begin() as connection:
            return int((await connection.execute(statement)).rowcount)
