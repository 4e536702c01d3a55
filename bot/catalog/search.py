"""Finding services, categories, regions and points in what a user typed.

Matching runs on normalised text (bot.nlu.normaliser), so a Traditional, Cantonese or English
mention finds the same entry. Two passes:

- exact: a name or alias appears in the message (longest first; English words on word boundaries);
- closest: when nothing appears, entries whose words share the most informative character pairs
  (Chinese) or words (English) with the message, for "did you mean" suggestions.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from bot.catalog.model import Catalog, Service
from bot.nlu.normaliser import normalise, normalise_term

_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
_LATIN_WORD = re.compile(r"[a-z0-9]+")
_ENGLISH_STOPWORDS = {"a", "an", "the", "of", "for", "to", "in", "on", "and", "or", "my", "i"}
MIN_CLOSENESS = 0.34
# the kinds of entry looked for in messages (each a mapping of the catalog, by id)
_KINDS = ("services", "categories", "regions", "points")


@dataclass(frozen=True)
class Match:
    id: str
    term: str
    score: float


def _features(text: str) -> set[str]:
    """Character pairs of Chinese runs (single characters for one-character runs), English words."""
    features: set[str] = set()
    for run in _HAN_RUN.findall(text):
        features.update(run if len(run) == 1 else (run[i:i + 2] for i in range(len(run) - 1)))
    features.update(w for w in _LATIN_WORD.findall(text) if w not in _ENGLISH_STOPWORDS)
    return features


def contains_term(text: str, term: str) -> bool:
    if term.isascii():
        return _whole_word(term).search(text) is not None
    return term in text


@cache
def catalog_term(word: str) -> str:
    """``normalise_term`` of a word from the catalog or the bot's own word lists, worked out once:
    they are a bounded set, looked for in every message. Not for what a user typed."""
    return normalise_term(word)


@lru_cache(maxsize=4096)
def _whole_word(term: str) -> re.Pattern[str]:
    # compiled once: the catalog has more English terms than re's own cache holds
    return re.compile(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])")


class TermIndex:
    """Normalised words of entries, each pointing at the entry id."""

    def __init__(self, entries: Iterable[tuple[str, Iterable[str]]]) -> None:
        pairs = {(normalise_term(word), entry_id) for entry_id, words in entries for word in words}
        self._terms = sorted((p for p in pairs if p[0]), key=lambda p: (-len(p[0]), p))
        self._features = {term: _features(term) for term, _ in self._terms}
        document_frequency = Counter(f for feats in self._features.values() for f in feats)
        total = max(len(self._terms), 1)
        self._weight = {f: math.log(1 + total / n) for f, n in document_frequency.items()}

    def find(self, normalised_text: str) -> list[Match]:
        """Entries named in the text, longest name first; a name inside a longer match is skipped."""
        matches: list[Match] = []
        taken: list[tuple[int, int]] = []
        for term, entry_id in self._terms:
            if not contains_term(normalised_text, term):
                continue
            start = normalised_text.find(term)
            span = (start, start + len(term))
            if any(s <= span[0] and span[1] <= e for s, e in taken):
                continue
            taken.append(span)
            if all(m.id != entry_id for m in matches):
                matches.append(Match(entry_id, term, float(len(term))))
        return matches

    def closest(self, normalised_text: str, limit: int = 3) -> list[Match]:
        """Entries whose words best overlap the text, at least MIN_CLOSENESS."""
        text_features = _features(normalised_text)
        best: dict[str, Match] = {}
        for term, entry_id in self._terms:
            features = self._features[term]
            if not features:
                continue
            shared = sum(self._weight[f] for f in features & text_features)
            score = shared / sum(self._weight[f] for f in features)
            if score >= MIN_CLOSENESS and (entry_id not in best or score > best[entry_id].score):
                best[entry_id] = Match(entry_id, term, score)
        return sorted(best.values(), key=lambda m: (-m.score, m.id))[:limit]


def _index(catalog: Catalog, kind: str) -> TermIndex:
    if kind not in catalog._cache:
        catalog._cache[kind] = TermIndex(_entries(catalog, kind))
    return catalog._cache[kind]


def prepare_lookups(catalog: Catalog) -> None:
    """Builds what turns look things up in (each kind's term index, which points handle which
    service) at a server's start, instead of during the first resident's question."""
    for kind in _KINDS:
        _index(catalog, kind)
    catalog.points_by_service()


def _entries(catalog: Catalog, kind: str) -> Iterable[tuple[str, Iterable[str]]]:
    for entry_id, entry in getattr(catalog, kind).items():
        yield entry_id, (entry.name["zh"], entry.name["en"], *entry.aliases)


@dataclass(frozen=True)
class ServiceSearch:
    """Services named in a message, or, when none is, the closest ones."""

    found: list[Service]
    suggestions: list[Service]


def search_services(catalog: Catalog, text: str) -> ServiceSearch:
    normalised = normalise(text).text
    index = _index(catalog, "services")
    found = [catalog.services[m.id] for m in index.find(normalised)]
    if found:
        return ServiceSearch(found, [])
    return ServiceSearch([], [catalog.services[m.id] for m in index.closest(normalised)])


def find_ids(catalog: Catalog, kind: str, text: str) -> list[str]:
    """Ids of the services, categories, regions or points ("services", "categories", "regions",
    "points") named in text, longest name first."""
    return [m.id for m in _index(catalog, kind).find(normalise(text).text)]


def resolve(catalog: Catalog, kind: str, value: object) -> str | None:
    """The id an entity value or slot value stands for: an id already, or a name or alias."""
    if not isinstance(value, str) or not value:
        return None
    collection = {"services": catalog.services, "categories": catalog.categories,
                  "regions": catalog.regions, "points": catalog.points}[kind]
    if value in collection:
        return value
    matches = find_ids(catalog, kind, value)
    return matches[0] if matches else None
