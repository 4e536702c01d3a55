"""A tracker duplicated from its state instead of by replaying its events.

Rasa copies the conversation before every action it runs (``MessageProcessor._run_action``: the
copy takes the prediction's events and is dropped if the action is rejected), and forms copy it
again. ``DialogueStateTracker.copy`` replays every event onto a fresh tracker: about 75 events
of the windowed conversation, 2-3 copies a message, 0.5 ms of each message here.

By Rasa's own rule a tracker's state is what replaying its events gives ("current state of the
tracker - MUST be re-creatable by processing all the events", in its ``__init__``): only events
change it. So the duplicate takes the state as it is, as the replay would leave it:

- a fresh tracker as ``init_copy`` makes one (same sender, rule flag; no model or assistant id,
  no sender source), with the same events in a new deque;
- each slot copied as ``init_copy`` copies them (``copy.copy``, here its fast path
  ``bot.patches.slots.copy_slot``), keeping its value and whether it was set (a replay sets the
  same value objects again);
- the pause, the follow-up action, the latest action (a new dict), the latest user message and
  bot utterance (the same event objects a replay would point at), the active loop (a copy: events
  change its flags in place).

``Patch.reproduces`` checks the functions whose fields this lists, and a test compares the
duplicate with Rasa's replayed copy over conversations of every kind of event. Trackers of another
class, with a capped event history (a replay of the kept events alone would differ) or without
declared slots take Rasa's replay.
"""

from __future__ import annotations

import copy
from collections import deque

from rasa.shared.constants import DEFAULT_SENDER_ID
from rasa.shared.core.trackers import AnySlotDict, DialogueStateTracker

from bot.patches.slots import copy_slot

# Rasa's own, taken when this module is imported: before bot.patches replaces it
_rasas_copy = DialogueStateTracker.copy


def copy_from_state(self: DialogueStateTracker) -> DialogueStateTracker:
    if (type(self) is not DialogueStateTracker or self._max_event_history is not None
            or isinstance(self.slots, AnySlotDict)):
        return _rasas_copy(self)
    duplicate = DialogueStateTracker(self.sender_id or DEFAULT_SENDER_ID, (),
                                     is_rule_tracker=self.is_rule_tracker)
    duplicate.slots = {slot.name: copy_slot(slot) for slot in self.slots.values()}
    duplicate.events = deque(self.events, self._max_event_history)
    duplicate._paused = self._paused
    duplicate.followup_action = self.followup_action
    duplicate.latest_action = dict(self.latest_action) if self.latest_action is not None else None
    duplicate.latest_message = self.latest_message
    duplicate.latest_bot_utterance = self.latest_bot_utterance
    duplicate.active_loop = copy.copy(self.active_loop)
    return duplicate
