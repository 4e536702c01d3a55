"""The words the booking conversation recognises in answers (words.yml), matched on normalised
text so one list serves every script."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from bot.catalog.model import Catalog
from bot.catalog.search import contains_term
from bot.nlu.normaliser import normalise, normalise_term

WORDS_FILE = Path(__file__).with_name("words.yml")


@dataclass(frozen=True)
class Words:
    id_types: tuple[tuple[str, str], ...]
    fields: tuple[tuple[str, str], ...]
    change_verbs: tuple[str, ...]
    yes_idioms: tuple[str, ...]
    no_markers: tuple[str, ...]
    yes_words: tuple[str, ...]
    request_words_zh: tuple[str, ...]  # longest first
    request_words_en: frozenset[str]


@cache
def words() -> Words:
    raw = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))
    pairs = {key: tuple((str(word), value) for word, value in raw[key])
             for key in ("id_types", "fields")}
    request = raw["request_words"]
    return Words(pairs["id_types"], pairs["fields"], tuple(raw["change_verbs"]),
                 *(tuple(map(str, raw[key])) for key in ("yes_idioms", "no_markers", "yes_words")),
                 tuple(sorted(map(str, request["zh"]), key=len, reverse=True)),
                 frozenset(map(str, request["en"])))


def _first(text: str, table: tuple[tuple[str, str], ...]) -> str | None:
    normalised = normalise(text).text
    return next((value for word, value in table if contains_term(normalised, word)), None)


def id_type_in(text: str) -> str | None:
    return _first(text, words().id_types)


def field_in(text: str) -> str | None:
    return _first(text, words().fields)


def yes_or_no(text: str, intent: str) -> bool | None:
    """True, False, or None when the answer is neither a clear yes nor a no. A button's payload
    (no text) is its intent; typed text is read by its words first."""
    if not text:
        return {"affirm": True, "deny": False}.get(intent)
    normalised = normalise(text).text
    def says(table: tuple[str, ...]) -> bool:
        return any(contains_term(normalised, word) for word in table)

    if says(words().yes_idioms):
        return True
    if says(words().no_markers):
        return False
    if says(words().yes_words):
        return True
    return False if intent == "deny" else None


def asks_for_change(text: str) -> bool:
    normalised = normalise(text).text
    return any(contains_term(normalised, verb) for verb in words().change_verbs)


_TIME_ZH = re.compile(r"[0-9一二两三四五六七八九十]+\s*(点钟|点|月|日|号|分)?|星期[一二三四五六日天]|"
                      r"周[一二三四五六日天]")
_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
_LATIN_WORD = re.compile(r"[a-z]+")


def _catalog_terms(catalog: Catalog) -> list[str]:
    """Every service's and category's names and aliases, normalised, longest first."""
    key = "booking_request_terms"
    if key not in catalog._cache:
        named = (*catalog.services.values(), *catalog.categories.values())
        terms = {normalise_term(w) for item in named
                 for w in (item.name["zh"], item.name["en"], *item.aliases)}
        catalog._cache[key] = sorted(terms - {""}, key=len, reverse=True)
    return catalog._cache[key]


def unnamed_words(catalog: Catalog, text: str) -> list[str]:
    """What a booking request asks for besides catalog names, times and the words of asking to
    book: whole English words, and Chinese runs of two characters or more."""
    remaining = normalise(text).text
    for term in _catalog_terms(catalog):
        if contains_term(remaining, term):
            pattern = re.escape(term) if not term.isascii() else (
                rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])")
            remaining = re.sub(pattern, " ", remaining)
    english = [w for w in _LATIN_WORD.findall(remaining)
               if len(w) > 1 and w not in words().request_words_en]
    chinese = " ".join(_HAN_RUN.findall(_TIME_ZH.sub(" ", remaining)))
    for word in words().request_words_zh:
        chinese = chinese.replace(word, " ")
    return english + [piece for piece in chinese.split() if len(piece) > 1]
