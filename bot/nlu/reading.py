"""Reading a normalised message word by word: what it negates, whether it asks, whether it moves to
a new topic, which of its words nobody understood, and the phrases (phrases.yml) that name things.

Everything here works on the normalised text (bot.nlu.normaliser) and jieba's tokens of it, and
returns spans of that text; the pipeline components (bot.nlu.components) map them back onto what the
user typed. The word lists are data: words.yml and phrases.yml next to this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.nlu.normaliser import normalise_term

WORDS_FILE = Path(__file__).with_name("words.yml")
PHRASES_FILE = Path(__file__).with_name("phrases.yml")
NEGATED = "negated"  # the entity role of a negated mention
# What MessageReader adds to the parse data (the actions read them from the latest message):
QUESTION = "question"  # the message asks something
SHIFT = "shift"  # "X呢", "what about X": it moves on to X
UNKNOWN_WORDS = "unknown_words"  # the user's own words that no entity or known word covers
NEGATED_TEXT = "negated_text"  # the user's own words that a negation covers ("not the ...")
Span = tuple[int, int]
Token = tuple[str, int, int]  # text, start, end

_BREAK = re.compile(r"[,，。.!?？！;；:：\n()（）]")
_LATIN = re.compile(r"[a-z']+")
_NEGATION_REACH = 16  # characters a Chinese negation reaches at most
_NEGATION_REACH_WORDS = 6  # words an English one does


@dataclass(frozen=True)
class Words:
    question: frozenset[str]
    negation_zh: tuple[str, ...]
    negation_en: frozenset[str]
    breaks_zh: tuple[str, ...]
    breaks_en: frozenset[str]
    shift_end_zh: str
    shift_start_en: re.Pattern[str]
    known: frozenset[str]  # function and aspect words, question and negation words
    whole: tuple[str, ...]  # words jieba must not cut
    longest_known: int
    reference_framing: re.Pattern[str]


def _split(text: str) -> list[str]:
    return text.split()


@cache
def words() -> Words:
    raw = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))
    question = {*_split(raw["question"]["chinese"]), *_split(raw["question"]["english"])}
    negation_zh = sorted(_split(raw["negation"]["chinese"]), key=len, reverse=True)
    negation_en = set(_split(raw["negation"]["english"]))
    known = {*question, *negation_zh, *negation_en,
             *(w for section in ("function", "aspects") for lang in ("chinese", "english")
               for w in _split(raw[section][lang]))}
    return Words(
        question=frozenset(question), negation_zh=tuple(negation_zh),
        negation_en=frozenset(negation_en),
        breaks_zh=tuple(sorted(_split(raw["clause_breaks"]["chinese"]), key=len, reverse=True)),
        breaks_en=frozenset(_split(raw["clause_breaks"]["english"])),
        shift_end_zh=raw["shift"]["chinese_end"],
        shift_start_en=re.compile(
            rf"^(?:(?:ok|okay|so|and|then|hmm)[ ,]+)*(?:{raw['shift']['english_start']})\b"),
        known=frozenset(known), longest_known=max(len(w) for w in known),
        whole=tuple(_split(raw["whole"]["chinese"])),
        reference_framing=_framing(_split(raw["reference_framing"]["chinese"]),
                                   _split(raw["reference_framing"]["english"])))


def _framing(chinese: list[str], english: list[str]) -> re.Pattern[str]:
    """Any of the words: Chinese ones anywhere, longest first; English ones as whole words."""
    alternatives = [*map(re.escape, sorted(chinese, key=len, reverse=True)),
                    *(rf"(?<![a-z']){re.escape(word)}(?![a-z'])"
                      for word in sorted(english, key=len, reverse=True))]
    return re.compile("|".join(alternatives))


def only_references(text: str, references: Sequence[Span]) -> bool:
    """Whether the text is the references and nothing else but words that hand them over
    (words.yml ``reference_framing``), spaces and punctuation."""
    rest, end = [], 0
    for start, stop in sorted(references):
        rest.append(text[end:start])
        end = stop
    rest.append(text[end:])
    unframed = words().reference_framing.sub(" ", " ".join(rest))
    return not any(char.isalnum() for char in unframed)


# --- phrases that name things -------------------------------------------------------------------

@dataclass(frozen=True)
class Phrase:
    entity: str
    value: str
    pattern: re.Pattern[str]


@cache
def phrases() -> tuple[Phrase, ...]:
    raw = yaml.safe_load(PHRASES_FILE.read_text(encoding="utf-8"))
    return tuple(Phrase(entity, value, re.compile(pattern))
                 for entity, values in raw.items() if entity != "version"
                 for value, entry in values.items() for pattern in entry["patterns"])


def phrase_examples() -> Iterable[tuple[str, str, str]]:
    """(entity, value, example) for every example written in phrases.yml."""
    raw = yaml.safe_load(PHRASES_FILE.read_text(encoding="utf-8"))
    for entity, values in raw.items():
        if entity == "version":
            continue
        for value, entry in values.items():
            for example in entry.get("examples") or []:
                yield entity, value, example


def find_phrases(text: str) -> list[dict[str, Any]]:
    """Entities named by phrases.yml in a normalised text (spans on that text)."""
    found = []
    for phrase in phrases():
        for match in phrase.pattern.finditer(text):
            if match.end() > match.start():
                found.append({"entity": phrase.entity, "value": phrase.value,
                              "start": match.start(), "end": match.end()})
    return found


def on_word_boundaries(text: str, start: int, end: int) -> bool:
    """False for a Latin entity found inside a longer word ("hk" in "hkid")."""
    if not text[start:end].isascii():
        return True
    def letter(position: int) -> bool:
        return 0 <= position < len(text) and text[position].isascii() and text[position].isalnum()

    plural = end < len(text) and text[end] == "s" and not letter(end + 1)  # "traffic fines"
    return not letter(start - 1) and (not letter(end) or plural)


# --- negation ------------------------------------------------------------------------------------

def negated_spans(text: str) -> list[Span]:
    """The parts of a normalised text that a negation covers, up to the end of its clause."""
    spans = [_zh_scope(text, end) for end in _zh_cues(text)]
    spans += [_en_scope(text, match.end()) for match in _LATIN.finditer(text)
              if match.group() in words().negation_en]
    return [span for span in spans if span[1] > span[0]]


def _zh_cues(text: str) -> list[int]:
    """Where Chinese negations end; "有没有", "要不要", "需不需要" ask, they do not negate."""
    ends = []
    position = 0
    while position < len(text):
        cue = next((c for c in words().negation_zh if text.startswith(c, position)), None)
        if not cue:
            position += 1
            continue
        verb_first = cue.lstrip("不没无唔")[:1]
        asks = position > 0 and verb_first and text[position - 1] == verb_first
        if not asks:
            ends.append(position + len(cue))
        position += len(cue)
    return ends


def _zh_scope(text: str, start: int) -> Span:
    # a space after the negation sets off what it negates ("唔係 參保證明"); one after that ends it
    start += len(text[start:]) - len(text[start:].lstrip())
    end = start
    limit = min(len(text), start + _NEGATION_REACH)
    while end < limit and not _BREAK.match(text[end]) and not text[end].isspace():
        if any(text.startswith(b, end) for b in words().breaks_zh):
            break
        end += 1
    return start, end


def _en_scope(text: str, start: int) -> Span:
    start += len(text[start:]) - len(text[start:].lstrip())
    end = start
    pieces = re.finditer(r"[^\s,.;:!?()]+|[,.;:!?()]", text[start:])
    for count, piece in enumerate(pieces):
        word = piece.group()
        if _BREAK.fullmatch(word) or word in words().breaks_en or count >= _NEGATION_REACH_WORDS:
            break
        end = start + piece.end()
    return start, end


def inside(span: Span, spans: Iterable[Span]) -> bool:
    return any(s <= span[0] and span[1] <= e for s, e in spans)


# --- questions, topic shifts, unknown words ------------------------------------------------------

def is_question(text: str, tokens: Sequence[Token]) -> bool:
    """A question mark, a question word, or an A-not-A form wherever jieba cut it ("要不要")."""
    return (text.rstrip().endswith(("?", "？")) or any(t[0] in words().question for t in tokens)
            or any(w in text for w in words().question if len(w) > 2 and not w.isascii()))


def shifts_topic(text: str) -> bool:
    """"X呢", "what about X": the message moves on to X."""
    stripped = text.strip().rstrip("?？!！ ")
    return stripped.endswith(words().shift_end_zh) or bool(words().shift_start_en.match(stripped))


def unknown_spans(tokens: Sequence[Token], entity_spans: Iterable[Span]) -> list[Span]:
    """Runs of tokens that are neither part of an entity nor a known word."""
    entity_spans = list(entity_spans)
    unknown: list[Span] = []
    for text, start, end in tokens:
        if _is_known(text) or inside((start, end), entity_spans):
            continue
        if unknown and start - unknown[-1][1] <= 1:
            unknown[-1] = (unknown[-1][0], end)
        else:
            unknown.append((start, end))
    return unknown


def is_generic(typed: str) -> bool:
    """Words every question uses ("证件", "documents"), whatever else they may name."""
    return normalise_term(typed) in words().known


def _is_known(token: str) -> bool:
    token = token.strip().lower()
    if not token or not any(c.isalpha() for c in token):
        return True
    if token.isascii():
        return len(token) == 1 or token.strip("'") in words().known
    return _covered(token)


@cache
def _covered(token: str) -> bool:
    """Whether a Chinese token is made of known words only ("我想" = 我 + 想)."""
    reachable = [True] + [False] * len(token)
    for end in range(1, len(token) + 1):
        for length in range(1, min(words().longest_known, end) + 1):
            if reachable[end - length] and token[end - length:end] in words().known:
                reachable[end] = True
                break
    return reachable[-1]
