"""A conversation the store cannot load is not answered as a new one.

Rasa wraps every tracker store in ``FailSafeTrackerStore``, whose ``retrieve`` answers any error
with no conversation: the processor then starts a new one and answers the message out of context
(a date typed in the middle of a booking read as a first message), and when the save fails too,
keeps the turn in one process's memory. The conversation store waits out a short outage first
(``bot.conversations.window.WaitForDatabase``); when its database stays away longer, or does not
answer before the deadline, it raises ``ConversationsUnavailable``. This ``retrieve`` lets that
error through: the turn fails before any action runs or anything is stored, and the channel
sends its apology, with a button that sends the message again and a person to contact
(``bot.channels.reliable.never_silent``). Any other error keeps Rasa's handling, as before.

Unlike the other patches, this one changes what a resident sees, and only in an outage.
"""

from __future__ import annotations

from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from bot.conversations.window import ConversationsUnavailable


async def retrieve_unless_unavailable(self: FailSafeTrackerStore,
                                      sender_id: str) -> DialogueStateTracker | None:
    try:
        return await self._tracker_store.retrieve(sender_id)
    except ConversationsUnavailable:
        raise
    except Exception as error:  # Rasa's handling: no conversation, the error logged
        self.on_tracker_store_retrieve_error(error)
        return None
