"""Checks on the NLU data that Rasa itself only warns about, or not at all."""

from __future__ import annotations

import re
from pathlib import Path

import jieba
import pytest
from rasa.shared.nlu.training_data.loading import load_data

from bot.nlu.normaliser import normalise

REPO_ROOT = Path(__file__).resolve().parent.parent
DICTIONARY = REPO_ROOT / "data" / "generated" / "jieba" / "catalog.txt"


@pytest.fixture(scope="module")
def segmenter() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(DICTIONARY))
    return tokenizer


def annotated_examples(path: Path):
    for example in load_data(str(path)).training_examples:
        if example.get("entities"):
            yield example


@pytest.mark.parametrize("data", ["data/nlu", "tests/nlu"])
def test_entity_spans_fall_on_token_boundaries(data: str, segmenter: jieba.Tokenizer) -> None:
    """Rasa only warns about misaligned entities and then ignores them; here it fails."""
    misaligned = []
    for example in annotated_examples(REPO_ROOT / data):
        normalised = normalise(example.get("text"))
        boundaries = {0}
        for _, start, end in segmenter.tokenize(normalised.text):
            boundaries |= {start, end}
        for entity in example.get("entities"):
            start, end = normalised.to_normalised_span(entity["start"], entity["end"])
            if start not in boundaries or end not in boundaries:
                misaligned.append(f"{example.get('text')!r}: {normalised.text[start:end]!r}")
    assert misaligned == []


def _comparable(text: str) -> str:
    return re.sub(r"[^\w]+", "", normalise(text).text)


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)} or {text}


def near_copy(a: str, b: str) -> bool:
    """Same after normalisation; for sentences (8+ characters) also a close paraphrase:
    most character pairs shared, or one sentence inside the other."""
    if min(len(a), len(b)) < 8:
        return a == b
    shared = len(_bigrams(a) & _bigrams(b)) / len(_bigrams(a) | _bigrams(b))
    short, long_ = sorted((a, b), key=len)
    return shared >= 0.6 or (short in long_ and len(short) / len(long_) >= 0.6)


def test_held_out_set_is_never_trained_on() -> None:
    def texts(path: str) -> list[str]:
        return [_comparable(e.get("text"))
                for e in load_data(str(REPO_ROOT / path)).training_examples]

    held_out = texts("tests/nlu")
    copies = [(trained, test) for trained in texts("data/nlu") for test in held_out
              if near_copy(trained, test)]
    assert copies == []
