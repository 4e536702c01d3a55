"""Grouping what residents asked in many ways ("點樣辦物業登記？", "点样办物业登记") into one line:
the same text once normalised (Simplified, half-width, no punctuation), or close to it by shared
character pairs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.nlu.normaliser import normalise

SIMILAR = 0.6  # Jaccard similarity of character bigrams above which two messages are one question


def key_of(text: str) -> str:
    return "".join(c for c in normalise(text).text.lower() if c.isalnum())


def _bigrams(key: str) -> set[str]:
    return {key[i:i + 2] for i in range(len(key) - 1)} or {key}


@dataclass
class Group:
    text: str  # the most frequent form, as written (masked)
    count: int = 0
    variants: Counter[str] = field(default_factory=Counter)
    intents: Counter[str] = field(default_factory=Counter)
    channels: Counter[str] = field(default_factory=Counter)
    first_seen: float = float("inf")
    last_seen: float = 0.0


@dataclass(frozen=True)
class Asked:
    text: str  # masked
    intent: str
    channel: str
    timestamp: float


def group(messages: list[Asked]) -> list[Group]:
    """Groups, the most frequent first."""
    by_key: dict[str, list[Asked]] = {}
    for message in messages:
        by_key.setdefault(key_of(message.text) or message.text, []).append(message)
    groups: list[tuple[set[str], Group]] = []
    for key, same in sorted(by_key.items(), key=lambda item: -len(item[1])):
        grams = _bigrams(key)
        target = next((g for grams_of, g in groups
                       if len(grams & grams_of) / len(grams | grams_of) >= SIMILAR), None)
        if target is None:
            target = Group(text=same[0].text)
            groups.append((grams, target))
        for message in same:
            target.count += 1
            target.variants[message.text] += 1
            target.intents[message.intent] += 1
            target.channels[message.channel] += 1
            target.first_seen = min(target.first_seen, message.timestamp)
            target.last_seen = max(target.last_seen, message.timestamp)
    for _, found in groups:
        found.text = found.variants.most_common(1)[0][0]
    return sorted((g for _, g in groups), key=lambda g: (-g.count, g.text))
