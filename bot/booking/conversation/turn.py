"""What every step of the booking conversation works on: the latest message with the slots and
the personal-data draft (``FormTurn``), and what to do about it (``Step``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.booking.identity import ID_TYPES
from bot.catalog.model import Catalog
from bot.replies import Phrases, Reply, payload

# the booking form's questions, in order (domain/booking.yml lists the same)
REQUIRED = ("booking_service", "booking_slot", "applicant_name", "contact_phone", "id_type",
            "id_number", "booking_confirmed")
# kept clear only in the draft (contract 5); the slots hold masked values
PERSONAL = ("applicant_name", "contact_phone", "id_number")
# cleared when a booking is made or stopped; the reference and the (masked) phone stay so that
# "check my booking" can use them
BOOKING_SLOTS = (*REQUIRED, "booking_service_candidate", "booking_slot_choices", "booking_when",
                 "booking_change_pending", "booking_idempotency_key")
# what the check / cancel / move conversation collects, by purpose
LOOKUP_REQUIRED = {
    "check": ("booking_reference", "contact_phone"),
    "cancel": ("booking_reference", "contact_phone", "lookup_confirmed"),
    "move": ("booking_reference", "contact_phone", "booking_slot", "lookup_confirmed"),
}
# the intent that starts each purpose again (a "Try again" button)
PURPOSE_INTENTS = {"check": "check_booking", "cancel": "cancel_booking", "move": "change_booking"}
LOOKUP_SLOTS = ("booking_found", "booking_slot", "booking_slot_choices", "booking_when",
                "lookup_confirmed")
# intents that leave a form answer unfilled so their own rule answers, then the form resumes
INTERRUPTIONS = frozenset({"ask_eligibility", "ask_materials", "list_services",
                           "find_service_point", "human_handoff", "bot_challenge", "greet",
                           "thank", "out_of_scope", "show_more"})
STOPS = frozenset({"stop", "cancel_booking", "goodbye"})
# inside the lookup: stopping, or asking to book instead (its rule switches forms)
LOOKUP_LEAVES = frozenset({"stop", "goodbye", "book_video_service"})


@dataclass(frozen=True)
class FormTurn:
    """The latest user message inside a booking conversation, and what is known so far."""

    text: str  # what the user typed; "" for a button press
    intent: str
    entities: Mapping[str, Any]
    slots: Mapping[str, Any]
    language: str
    now: datetime
    draft: Mapping[str, str] = field(default_factory=dict)  # clear personal values (draft.py)

    @property
    def requested(self) -> str | None:
        return self.slots.get("requested_slot")

    @property
    def phrases(self) -> Phrases:
        return Phrases(self.language)

    def after(self, step: Step) -> FormTurn:
        """This turn as the next check sees it, once ``step`` is applied."""
        draft = {**self.draft, **step.draft}
        return replace(self, slots={**self.slots, **step.slots},
                       draft={k: v for k, v in draft.items() if v is not None})


@dataclass
class Step:
    """Slot updates, what to say, and clear personal values to keep (None: forget one)."""

    slots: dict[str, Any] = field(default_factory=dict)
    replies: list[Reply] = field(default_factory=list)
    draft: dict[str, str | None] = field(default_factory=dict)

    def then(self, other: Step) -> Step:
        return Step({**self.slots, **other.slots}, [*self.replies, *other.replies],
                    {**self.draft, **other.draft})


def button(phrases: Phrases, key: str, intent_payload: str, **values: Any) -> dict[str, str]:
    """A button whose title is one of the booking phrases (messages.yml, booking.buttons)."""
    return {"title": phrases(f"booking.buttons.{key}", **values), "payload": intent_payload}


def stop_button(phrases: Phrases) -> dict[str, str]:
    return phrases.button("stop", payload("stop"))


def human_button(phrases: Phrases) -> dict[str, str]:
    return phrases.button("human", payload("human_handoff"))


def hotline(catalog: Catalog) -> dict[str, str]:
    """The hotline as the phrases quote it (bot/knowledge/service_points.yml)."""
    line = catalog.hotline
    return {"hotline": line.number, "from_abroad": line.from_hk_macau or line.number}


def document_name(id_type: str, turn: FormTurn) -> str:
    return turn.phrases.word(f"booking.documents.{id_type}") if id_type in ID_TYPES else ""
