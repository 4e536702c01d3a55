"""A form's temporary tracker duplicated from the conversation's state instead of replayed.

Before it validates what the user said, and again before it asks its next question, a form makes
a temporary tracker (``FormAction._temporary_tracker``): the conversation's events since its
latest restart, then ``requested_slot`` set to the slot being filled, the form's own action and
the events of this run so far, all replayed onto a fresh tracker with the domain's slots. That is
about 75 events of the windowed conversation, twice in a form's turn: 1.8 % of a Rasa worker's
busy time at 50 senders.

When no restart is among the events, the events since the latest restart are all of them, and
replaying them gives the conversation's own state (Rasa's rule; ``bot.patches.copies``). So the
temporary tracker is the conversation duplicated from its state (``DialogueStateTracker.copy``,
patched there), with the same extra events applied after. A conversation with a restart in it,
or whose slots are not the domain's, gets Rasa's replay. ``Patch.reproduces`` checks the function
the replay starts from, and a test compares the two over conversations of every kind of event.
"""

from __future__ import annotations

from rasa.core.actions.forms import FormAction
from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, Restarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

# Rasa's own, taken when this module is imported: before bot.patches replaces it
_rasas_temporary_tracker = FormAction._temporary_tracker


def temporary_tracker_from_state(self: FormAction, current_tracker: DialogueStateTracker,
                                 additional_events: list[Event], domain: Domain
                                 ) -> DialogueStateTracker:
    if (any(isinstance(event, Restarted) for event in current_tracker.events)
            or current_tracker.slots.keys() != {slot.name for slot in domain.slots}):
        return _rasas_temporary_tracker(self, current_tracker, additional_events, domain)
    temporary = current_tracker.copy()
    for event in [SlotSet(REQUESTED_SLOT, self.get_slot_to_fill(current_tracker)),
                  ActionExecuted(self.name()), *additional_events]:
        temporary.update(event)
    return temporary
