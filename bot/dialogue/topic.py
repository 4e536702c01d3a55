"""Which service a message is about: one it names, the one the conversation is about (a follow-up
such as "使唔使親身返去？" or "where can I do it?"), or none, with the user's own words for what
the catalog does not know."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.catalog.model import Catalog, Service
from bot.catalog.search import resolve, search_services
from bot.dialogue.turn import (
    CONFIRM,
    PENDING,
    SUGGESTED,
    Turn,
    current_service,
    named_services,
)
from bot.nlu.reading import is_generic

ECHO_LIMIT = 24  # characters: longer "unknown words" are a sentence, not the name of a request
SHORT = 10  # characters (or SHORT_WORDS words): a message this short may be a name with a typo
SHORT_WORDS = 4


@dataclass(frozen=True)
class Topic:
    service: Service | None
    others: list[Service] = field(default_factory=list)  # more services the message names
    carried: bool = False  # the service comes from earlier in the conversation


def topic_of(catalog: Catalog, turn: Turn, *, follow_up: bool = True) -> Topic:
    """The service named first; else, with ``follow_up``, the conversation's current one (or the
    one the bot just asked "do you mean ...?" about), unless the message moves on to something the
    catalog does not know ("咁護照呢?")."""
    named = named_services(catalog, turn)
    if named:
        return Topic(named[0], named[1:])
    if not follow_up:
        return Topic(None)
    current = current_service(catalog, turn)
    suggested = turn.slots.get(SUGGESTED)
    if turn.slots.get(PENDING) == CONFIRM and suggested in catalog.services:
        current = catalog.services[suggested]
    if current and not (turn.shift and turn.unknown_words) and _same_subject(catalog, turn, current):
        return Topic(current, carried=True)
    return Topic(None)


def _same_subject(catalog: Catalog, turn: Turn, current: Service) -> bool:
    """A follow-up stays with the current service unless it names another category or negates
    the current one's ("我是問社保，不是公積金"). A category named by a word every question
    uses ("要帶甚麼證件": documents, not the identity-documents category) does not count."""
    named = [resolve(catalog, "categories", m.value) for m in turn.mentions
             if m.type == "category" and not m.negated and not is_generic(m.words)]
    negated = {resolve(catalog, "categories", v) for v in turn.negated("category")}
    return current.category not in negated and all(c == current.category for c in named)


def mistyped(catalog: Catalog, turn: Turn, category: str) -> Service | None:
    """A short message naming a category and an unknown word: a service name with a typo
    ("社保證名"), if one of that category's names is close."""
    if not (turn.unknown_words and is_short(turn)):
        return None
    near = [s for s in closest(catalog, turn.text) if s.category == category]
    return near[0] if near else None


def closest(catalog: Catalog, text: str) -> list[Service]:
    """Catalog services whose names are closest to some words: suggestions, never answers."""
    return search_services(catalog, text).suggestions if text.strip() else []


def echo(words: tuple[str, ...] | list[str]) -> str:
    """The user's own words to quote back: one short phrase, else nothing (never a patchwork)."""
    if len(words) == 1 and len(words[0]) <= ECHO_LIMIT:
        return words[0]
    return ""


def is_short(turn: Turn) -> bool:
    """Two or three words ("社保證名", "tax certficate"): a name, perhaps mistyped."""
    return len(turn.text.strip()) <= SHORT or len(turn.text.split()) <= SHORT_WORDS
