"""What the conversation store keeps of the applicant's name, phone and ID number: masks only.

Applied to the events of a turn just before they are stored (``store.ConversationStore``):

- what the user typed while the bot was asking for one of them (``requested_slot``) is masked as a
  whole: the answer to "your name?" is a name, even when nothing in it looks like one;
- the values of those slots are masked;
- in every other user and bot text, phone and ID numbers are masked by their shape, and values
  known from this conversation (the name typed a moment ago) by their text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from rasa.shared.core.events import (
    AllSlotsReset,
    BotUttered,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)

from bot.privacy import PERSONAL_SLOTS, mask, mask_name, mask_strings, mask_text

REQUESTED_SLOT = "requested_slot"
# parse data that holds names of intents and entities, not what the user wrote
NLU_NAMES = frozenset({"intent", "intent_ranking", "response_selector", "entities"})


def is_masked(value: str) -> bool:
    """A value that went through one of the masks (``陳**``, ``+852 ****4567``, ``****4563``)."""
    return "**" in value or value.endswith("*")


def mask_answer(slot: str, value: str) -> str:
    """An answer to the question for ``slot``, masked as a whole."""
    return mask_name(value) if slot == "applicant_name" else mask(value.strip() or "?")


class _Conversation:
    """What the events so far say: the slot being asked for, and the clear values to mask."""

    def __init__(self) -> None:
        self.requested: str | None = None
        self.known: dict[str, str] = {}

    def asked_for(self, event: Event) -> str | None:
        """The personal-data slot a user message answers, if any."""
        if isinstance(event, UserUttered) and self.requested in PERSONAL_SLOTS:
            return self.requested
        return None

    def learn(self, event: Event) -> None:
        slot = self.asked_for(event)
        if slot and event.text and not event.text.startswith("/"):
            self.known[event.text] = mask_answer(slot, event.text)
        if isinstance(event, SlotSet):
            if event.key == REQUESTED_SLOT:
                self.requested = event.value
            elif (event.key in PERSONAL_SLOTS and isinstance(event.value, str) and event.value
                  and not is_masked(event.value)):
                self.known[event.value] = mask_answer(event.key, event.value)
        elif isinstance(event, (Restarted, AllSlotsReset, SessionStarted)):
            self.requested = None


def redact_events(events: Sequence[Event], first_new: int) -> list[Event]:
    """``events[first_new:]`` masked, using all of ``events`` as context."""
    # first every clear value the events reveal: an action's messages come before its slot events
    conversation = _Conversation()
    for event in events:
        conversation.learn(event)
    conversation.requested = None
    redacted: list[Event] = []
    for index, event in enumerate(events):
        if index >= first_new:
            redacted.append(_redact(event, conversation))
        conversation.learn(event)
    return redacted


def _redact(event: Event, conversation: _Conversation) -> Event:
    if not isinstance(event, (UserUttered, BotUttered, SlotSet)):
        return event
    data = event.as_dict()

    def masked(text: str) -> str:
        return mask_text(text, conversation.known)

    if isinstance(event, SlotSet):
        if event.key in PERSONAL_SLOTS and isinstance(event.value, str) and event.value:
            # the booking conversation already keeps masked values in these slots (its clear
            # values live in a short-lived draft): masking them again would change them
            data["value"] = event.value if is_masked(event.value) else mask_answer(event.key,
                                                                                event.value)
        else:  # a slot may hold what the user wrote (a question to come back to)
            data["value"] = mask_strings(event.value, masked)
        return Event.from_parameters(data) or event
    # what the user typed in answer to a personal-data question is masked as a whole
    slot = conversation.asked_for(event)
    typed = slot and not (event.text or "").startswith("/")
    answer: Callable[[str], str] = partial(mask_answer, slot) if typed else masked
    for key in ("text", "data", "metadata"):
        if data.get(key) is not None:
            data[key] = mask_strings(data[key], answer if key == "text" else masked)
    parse_data: dict[str, Any] | None = data.get("parse_data")
    if parse_data:
        # everything NLU derived from the text (its words, unknown words, negated words...) is
        # masked like the text; only the names of intents and entities stay as they are
        data["parse_data"] = {
            key: value if key in NLU_NAMES else mask_strings(value, answer)
            for key, value in parse_data.items()}
        data["parse_data"]["entities"] = [
            {**entity, "value": mask_strings(entity.get("value"), answer)}
            for entity in parse_data.get("entities") or []]
    return Event.from_parameters(data) or event
