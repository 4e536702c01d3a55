"""Text normalisation for understanding: one Simplified-Mandarin form for every way people write.

Full-width -> half-width, ASCII lowercase, Traditional -> Simplified (OpenCC, Hong Kong variants),
Cantonese -> Mandarin (``cantonese.yml``). The result keeps an alignment with the original text, so
entity spans found in the normalised text can be mapped back to what the user typed and annotated
training spans can be mapped forward. It also lists the booking references in the text, with their
canonical form ("ＪＭ－４ＨＫＴ－９ＣＸＡ", "jm 4hkt9cxa" -> JM-4HKT-9CXA).
"""

from __future__ import annotations

import bisect
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


def _half_width(char: str) -> str:
    code = ord(char)
    if _FULLWIDTH_FIRST <= code <= _FULLWIDTH_LAST:
        return chr(code - _FULLWIDTH_OFFSET)
    if char == _IDEOGRAPHIC_SPACE:
        return " "
    return char


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
def _cantonese_phrases() -> tuple[dict[str, str], int]:
    phrases = yaml.safe_load(CANTONESE_TABLE.read_text(encoding="utf-8"))["phrases"]
    return phrases, max(len(key) for key in phrases)


def normalise(text: str) -> NormalisedText:
    """Normalises a user message for NLU; see the module docstring."""
    same_length = _to_simplified_same_length("".join(_half_width(c) for c in text).lower())
    phrases, longest = _cantonese_phrases()
    matches = {match.start(): match for match in REFERENCE_PATTERN.finditer(same_length)}
    pieces: list[Piece] = []
    references: list[Reference] = []
    output: list[str] = []
    out_len = 0
    position = 0
    while position < len(same_length):
        if position in matches:  # kept whole, as typed: no Cantonese phrase inside a reference
            replacement = matches[position].group(0)
            consumed = len(replacement)
            references.append(Reference(out_len, out_len + consumed, canonical(matches[position])))
        else:
            replacement, consumed = _match_phrase(same_length, position, phrases, longest)
        pieces.append(Piece(position, position + consumed, out_len, out_len + len(replacement)))
        output.append(replacement)
        out_len += len(replacement)
        position += consumed
    return NormalisedText(original=text, text="".join(output), pieces=tuple(_merge(pieces)),
                          references=tuple(references))


def _match_phrase(text: str, position: int, phrases: dict[str, str], longest: int
                  ) -> tuple[str, int]:
    for length in range(min(longest, len(text) - position), 0, -1):
        candidate = text[position:position + length]
        if candidate in phrases:
            return phrases[candidate], length
    return text[position], 1


def _merge(pieces: list[Piece]) -> list[Piece]:
    """Joins neighbouring one-to-one pieces so lookups stay short."""
    merged: list[Piece] = []
    for piece in pieces:
        last = merged[-1] if merged else None
        if (last and _is_identity(last) and _is_identity(piece)):
            merged[-1] = Piece(last.orig_start, piece.orig_end, last.start, piece.end)
        else:
            merged.append(piece)
    return merged


def _is_identity(piece: Piece) -> bool:
    return piece.orig_end - piece.orig_start == piece.end - piece.start


def normalise_term(term: str) -> str:
    """The normalised form of a catalog word, as it will appear in normalised messages."""
    return normalise(term).text.strip()
