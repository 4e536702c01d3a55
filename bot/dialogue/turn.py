"""The user's latest message as the decisions see it, and what a decision returns.

A Turn holds what NLU recognised once (bot/nlu): the intent and its ranking, the entities with the
user's own words and whether a negation covers them, whether the message asks something or moves to
a new topic, and the words nobody understood. The dialogue trusts these; it does not search the text
again for what NLU already found.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.catalog.model import Catalog, Region, Service
from bot.catalog.search import resolve
from bot.language import detect_script
from bot.replies import Phrases, Reply

# Slots the dialogue reads and writes (domain/services.yml).
SERVICE = "service"  # the service the conversation is about
REGION = "region"
POINT = "service_point"  # the service point the bot last described on its own
PENDING = "pending_question"  # what the bot asked: an intent, or one of the two below
SUGGESTED = "suggested_service"  # the service the bot asked "do you mean ...?" about
WHICH_SYSTEM = "which_system"  # pending: the bot asked which provident fund/social insurance
CONFIRM = "confirm_service"  # pending: the bot asked "do you mean <suggested service>?"

CATALOG_KINDS = {"service": "services", "category": "categories", "region": "regions"}


@dataclass(frozen=True)
class Mention:
    """One entity of the message: its type, value, the words as typed, and whether negated."""

    type: str
    value: Any
    words: str = ""
    negated: bool = False


@dataclass(frozen=True)
class Turn:
    """The user's latest message, as the actions see it."""

    text: str  # what the user typed; "" for a button press
    entities: Mapping[str, Any]  # entity type -> value (or values), the mentions not negated
    slots: Mapping[str, Any]
    language: str  # the language to answer in (bot.language.reply_language)
    intent: str = ""
    confidence: float = 1.0
    ranking: tuple[tuple[str, float], ...] = ()  # other intents NLU considered, best first
    mentions: tuple[Mention, ...] = ()
    question: bool = False  # the message asks something
    shift: bool = False  # "X呢", "what about X": it moves on to X
    unknown_words: tuple[str, ...] = ()  # the user's words no entity or known word covers
    negated_text: tuple[str, ...] = ()  # the user's words a negation covers
    # the script of the message as the NLU recorded it (bot.language.SCRIPT); "" if it did not
    recorded_script: str | None = ""

    @property
    def script(self) -> str | None:
        return detect_script(self.text) if self.recorded_script == "" else self.recorded_script

    @property
    def text_not_negated(self) -> str:
        """The message without what it negates ("..., not the provident fund")."""
        text = self.text
        for words in self.negated_text:
            text = text.replace(words, " ")
        return text

    def values(self, entity_type: str) -> list[Any]:
        """The values of one entity type the message names and does not negate, in order."""
        value = self.entities.get(entity_type)
        values = value if isinstance(value, list) else [value]
        return [v for v in values if v not in (None, "")]

    def words(self, entity_type: str) -> list[str]:
        """The user's own words for the mentions of one entity type that are not negated."""
        return [m.words for m in self.mentions
                if m.type == entity_type and m.words and not m.negated]

    def negated(self, entity_type: str) -> list[Any]:
        return [m.value for m in self.mentions if m.type == entity_type and m.negated]


@dataclass
class Outcome:
    reply: Reply | None = None  # None: use the domain response named in `response`
    response: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)


def phrases_for(turn: Turn) -> Phrases:
    return Phrases(turn.language)


def named_ids(catalog: Catalog, turn: Turn, entity_type: str) -> list[str]:
    """Catalog ids the message names (not negated), without repeats."""
    ids: list[str] = []
    for value in turn.values(entity_type):
        entry_id = resolve(catalog, CATALOG_KINDS[entity_type], value)
        if entry_id and entry_id not in ids:
            ids.append(entry_id)
    return ids


def named_services(catalog: Catalog, turn: Turn) -> list[Service]:
    return [catalog.services[i] for i in named_ids(catalog, turn, "service")]


def current_service(catalog: Catalog, turn: Turn) -> Service | None:
    """The service the conversation is about, unless this message negates it."""
    service_id = resolve(catalog, "services", turn.slots.get(SERVICE))
    if not service_id or service_id in {resolve(catalog, "services", v)
                                        for v in turn.negated("service")}:
        return None
    return catalog.services[service_id]


def region_of(catalog: Catalog, turn: Turn, *, use_slot: bool = True) -> Region | None:
    """Where the user is or asks about: named now, or said before.

    Hong Kong and Macau win over the city when both are named ("我喺香港…辦江門嘅…"), and a
    district over its area ("香港中環").
    """
    named = catalog.most_specific_region(named_ids(catalog, turn, "region"))
    if named:
        return catalog.regions[named]
    if use_slot:
        region_id = resolve(catalog, "regions", turn.slots.get(REGION))
        return catalog.regions[region_id] if region_id else None
    return None


def category_of(catalog: Catalog, turn: Turn) -> str | None:
    named = named_ids(catalog, turn, "category")
    return named[0] if named else None


def first(values: list[Any]) -> Any:
    return values[0] if values else None
