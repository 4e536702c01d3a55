"""Where a fact of the knowledge base comes from and how sure we are of it.

A ``Provenance`` gives the level (official, reported, inferred) and the ids of the ``Source``s
that say so; ``bot.catalog.model`` keeps one with every fact that can be wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

OFFICIAL, REPORTED, INFERRED = "official", "reported", "inferred"
LEVELS = (OFFICIAL, REPORTED, INFERRED)  # strongest first
SOURCE_KINDS = ("official", "media", "secondary")  # most authoritative first


@dataclass(frozen=True)
class Provenance:
    level: str  # official | reported | inferred
    sources: tuple[str, ...] = ()
    reasoning: str | None = None

    @property
    def confirmed(self) -> bool:
        """Backed by an official or a reported source, not our own reasoning."""
        return self.level != INFERRED


@dataclass(frozen=True)
class Source:
    id: str
    title: Mapping[str, str]  # {zh, en}
    short: Mapping[str, str]
    kind: str  # official | media | secondary
    url: str | None
    copy_of: str | None
    year: int | None
    mentions: tuple[str, ...]
    areas: tuple[str, ...]

    @property
    def rank(self) -> int:
        return SOURCE_KINDS.index(self.kind)


def weakest(provenances: Iterable[Provenance]) -> Provenance:
    return max(provenances, key=lambda p: LEVELS.index(p.level))


def provenance_of(raw: Mapping[str, Any]) -> Provenance:
    return Provenance(raw["level"], tuple(raw.get("sources") or ()), raw.get("reasoning"))
