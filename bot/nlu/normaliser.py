"""Text normalisation for understanding: one Simplified-Mandarin form for every way people write.

Full-width -> half-width, ASCII lowercase, Traditional -> Simplified (OpenCC, Hong Kong variants),
Cantonese -> Mandarin (``cantonese.yml``). The result keeps an alignment with the original text, so
entity spans found in the normalised text can be mapped back to what the user typed and annotated
training spans can be mapped forward. It also lists the booking references in the text, with their
canonical form ("ＪＭ－４ＨＫＴ－９ＣＸＡ", "jm 4hkt9cxa" -> JM-4HKT-9CXA).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from bot.booking.reference import PATTERN as REFERENCE_PATTERN
from bot.booking.reference import canonical
from bot.language import converter

CANTONESE_TABLE = Path(__file__).with_name("cantonese.yml")

_FULLWIDTH_FIRST, _FULLWIDTH_LAST, _FULLWIDTH_OFFSET = 0xFF01, 0xFF5E, 0xFEE0
_IDEOGRAPHIC_SPACE = "\u3000"


@dataclass(frozen=True)
class Piece:
    """A run of the original text [orig_start, orig_end) that became [start, end) of the output."""

    orig_start: int
    orig_end: int
    start: int
    end: int


@dataclass(frozen=True)
class Reference:
    """A booking reference: where it is in the normalised text, and its canonical value."""

    start: int
    end: int
    value: str  # canonical: JM-4HKT-9CXA


@dataclass(frozen=True)
class NormalisedText:
    original: str
    text: str
    pieces: tuple[Piece, ...]
    references: tuple[Reference, ...] = ()

    def to_normalised_span(self, start: int, end: int) -> tuple[int, int]:
        """Maps a span of the original text onto the normalised text."""
        return _map_span([_oriented(p, "orig") for p in self.pieces], start, end)

    def to_original_span(self, start: int, end: int) -> tuple[int, int]:
        """Maps a span of the normalised text back onto the original text."""
        return _map_span([_oriented(p, "out") for p in self.pieces], start, end)


Segment = tuple[int, int, int, int]  # source start, source end, target start, target end


def _oriented(piece: Piece, source: str) -> Segment:
    if source == "orig":
        return piece.orig_start, piece.orig_end, piece.start, piece.end
    return piece.start, piece.end, piece.orig_start, piece.orig_end


def _map_span(segments: list[Segment], start: int, end: int) -> tuple[int, int]:
    """Maps [start, end) through the segments.

    A position inside a replaced phrase (使唔使 -> 需不需要) widens to the whole phrase: the phrase
    is the smallest unit that still means something on the other side.
    """
    if not segments:
        return 0, 0
    starts = [segment[0] for segment in segments]
    ends = [segment[1] for segment in segments]
    first = segments[max(bisect.bisect_right(starts, start) - 1, 0)]
    last = segments[min(bisect.bisect_left(ends, end), len(segments) - 1)]
    mapped_start = _position(first, start, at_end=False)
    mapped_end = _position(last, end, at_end=True)
    return mapped_start, max(mapped_start, mapped_end)


def _position(segment: Segment, position: int, at_end: bool) -> int:
    src_start, src_end, dst_start, dst_end = segment
    position = min(max(position, src_start), src_end)
    if src_end - src_start == dst_end - dst_start:
        return dst_start + (position - src_start)
    if position == src_start:
        return dst_start
    if position == src_end:
        return dst_end
    return dst_end if at_end else dst_start


_HALF_WIDTH = {code: code - _FULLWIDTH_OFFSET for code in range(_FULLWIDTH_FIRST, _FULLWIDTH_LAST + 1)}
_HALF_WIDTH[ord(_IDEOGRAPHIC_SPACE)] = ord(" ")


def _to_simplified_same_length(text: str) -> str:
    """Traditional -> Simplified, keeping one output character per input character.

    OpenCC converts by phrase, which keeps lengths in practice; when it does not, convert character
    by character so the alignment with the original stays exact.
    """
    to_simplified = converter("hk2s")
    converted = to_simplified.convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(
        single if len(single := to_simplified.convert(char)) == 1 else char for char in text
    )


@cache
def _cantonese_phrases() -> dict[str, str]:
    return yaml.safe_load(CANTONESE_TABLE.read_text(encoding="utf-8"))["phrases"]


@cache
def _rewrites() -> re.Pattern[str]:
    """What normalise rewrites, in one pattern: a booking reference, else the longest Cantonese
    phrase at that position (the alternatives are tried in order)."""
    phrases = sorted(_cantonese_phrases(), key=len, reverse=True)
    return re.compile(f"(?P<reference>{REFERENCE_PATTERN.pattern})|"
                      + "|".join(map(re.escape, phrases)), REFERENCE_PATTERN.flags)


def normalise(text: str) -> NormalisedText:
    """Normalises a user message for NLU; see the module docstring."""
    same_length = _to_simplified_same_length(text.translate(_HALF_WIDTH).lower())
    phrases = _cantonese_phrases()
    output: list[str] = []
    pieces: list[Piece] = []
    references: list[Reference] = []
    position = out_len = 0
    run_start = run_out_start = 0  # where the text copied one for one since the last resize began
    for found in _rewrites().finditer(same_length):
        output.append(same_length[position:found.start()])
        out_len += found.start() - position
        if found.lastgroup == "reference":  # kept whole, as typed
            replacement = found.group()
            value = canonical(REFERENCE_PATTERN.match(same_length, found.start()))
            references.append(Reference(out_len, out_len + len(replacement), value))
        else:
            replacement = phrases[found.group()]
        if len(replacement) != len(found.group()):
            if found.start() > run_start:
                pieces.append(Piece(run_start, found.start(), run_out_start, out_len))
            pieces.append(Piece(found.start(), found.end(), out_len, out_len + len(replacement)))
            run_start, run_out_start = found.end(), out_len + len(replacement)
        output.append(replacement)
        out_len += len(replacement)
        position = found.end()
    output.append(same_length[position:])
    out_len += len(same_length) - position
    if len(same_length) > run_start:
        pieces.append(Piece(run_start, len(same_length), run_out_start, out_len))
    return NormalisedText(original=text, text="".join(output), pieces=tuple(pieces),
                          references=tuple(references))


def normalise_term(term: str) -> str:
    """The normalised form of a catalog word, as it will appear in normalised messages."""
    return normalise(term).text.strip()
