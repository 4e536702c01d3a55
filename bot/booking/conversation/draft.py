"""The applicant's name, phone and ID number, kept in clear only in a short-lived server-side
draft (contract 5): the channel state (memory for one process, Redis for several), under a random
id that the conversation holds in the ``booking_draft`` slot. The slots hold masked values, so the
conversation store never sees the clear ones; a draft left alone for DRAFT_MINUTES is gone, and
the form asks again."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping

from bot.state import ChannelState, channel_state

DRAFT_MINUTES = 30
_PREFIX = "booking-draft:"


def new_draft_id() -> str:
    return secrets.token_hex(16)


class Drafts:
    def __init__(self, state: ChannelState | None = None) -> None:
        self._state = state

    @property
    def state(self) -> ChannelState:
        return self._state or channel_state()

    async def load(self, draft_id: str | None) -> dict[str, str]:
        if not draft_id:
            return {}
        stored = await self.state.get(_PREFIX + draft_id)
        return json.loads(stored) if stored else {}

    async def update(self, draft_id: str, changes: Mapping[str, str | None]) -> None:
        """Applies ``changes`` (None forgets a value); every write restarts the time to live."""
        draft = {**await self.load(draft_id), **changes}
        kept = {name: value for name, value in draft.items() if value is not None}
        if kept:
            await self.state.set(_PREFIX + draft_id, json.dumps(kept), DRAFT_MINUTES * 60)
        else:
            await self.state.delete(_PREFIX + draft_id)
