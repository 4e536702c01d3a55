"""Noticing Hong Kong and Macau systems (MPF, 央积金, Macau 社保) in a question about services.

A definite mention ("強積金") is explained; a word that could mean either side ("公積金" from a Hong
Kong writer) is asked about; a question with a mainland word ("跨境办理公积金提取") goes ahead.
The words and the rule live in bot/knowledge/systems.yml.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalog.model import AmbiguousTerm, Catalog, System
from bot.catalog.search import catalog_term, contains_term
from bot.nlu.normaliser import normalise


@dataclass(frozen=True)
class SystemCheck:
    system: System | None = None  # the message is about this non-mainland system
    ambiguous: AmbiguousTerm | None = None  # ask whether this word means mainland or not
    term: str = ""  # the word that triggered either


def check_systems(catalog: Catalog, text: str, script: str | None) -> SystemCheck:
    normalised = normalise(text).text
    for system in catalog.systems.values():
        for term in system.terms:
            if contains_term(normalised, catalog_term(term)):
                return SystemCheck(system=system, term=term)
    if any(contains_term(normalised, catalog_term(word)) for word in catalog.mainland_words):
        return SystemCheck()
    for rule in catalog.ambiguous_terms:
        term = next((t for t in rule.terms if contains_term(normalised, catalog_term(t))), None)
        if term and (script in rule.ask_when_scripts or any(
                contains_term(normalised, catalog_term(w)) for w in rule.ask_when_words)):
            return SystemCheck(ambiguous=rule, term=term)
    return SystemCheck()
