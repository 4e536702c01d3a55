"""Checks on the NLU data that Rasa itself only warns about, or not at all."""

from __future__ import annotations

import re
from pathlib import Path

import jieba
import pytest
import yaml
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


def _user_texts(document: object) -> list[str]:
    """The `user:` texts of stories, rules or realistic conversations, anywhere in a document."""
    found: list[str] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "user" and isinstance(value, str):
                found.append(value)
            else:
                found += _user_texts(value)
    elif isinstance(document, list):
        for item in document:
            found += _user_texts(item)
    return found


def _sentences(paths: list[Path]) -> list[str]:
    """Every example sentence and user text in these YAML files (lookups and synonyms are catalog
    vocabulary, not sentences, so they are left out)."""
    texts: list[str] = []
    for path in paths:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if document.get("nlu"):
            texts += [e.get("text") for e in load_data(str(path)).training_examples]
        texts += [re.sub(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})", r"\1", t)
                  for t in _user_texts({k: v for k, v in document.items() if k != "nlu"})]
    return [t for t in texts if t and _comparable(t)]


def training_sentences() -> list[str]:
    """All of data/: NLU examples and the user texts of stories and rules."""
    return _sentences(sorted((REPO_ROOT / "data").rglob("*.yml")))


def held_out_sentences() -> list[str]:
    """The held-out NLU set, the realistic conversations, and the end-to-end test stories."""
    paths = [*sorted((REPO_ROOT / "tests" / "nlu").glob("*.yml")),
             *sorted((REPO_ROOT / "tests" / "realistic" / "conversations").glob("*.yml")),
             *sorted((REPO_ROOT / "tests" / "stories").glob("test_*.yml"))]
    return _sentences(paths)


def _sentence_keys(texts: list[str]) -> list[str]:
    """The comparable form of each text of more than two words (Chinese characters plus Latin
    words): shorter messages ("是", "好的", "thanks", "HKID") are vocabulary every training set
    has, not sentences to keep apart."""
    keys = []
    for text in texts:
        normalised = normalise(text).text
        size = len(re.findall(r"[\u3400-\u9fff]", normalised)) + \
            len(re.findall(r"[a-z]+", normalised))
        if size > 2:
            keys.append(_comparable(text))
    return keys


def near_copies(trained: list[str], tests: list[str]) -> list[tuple[str, str]]:
    """Every (training, test) pair that near_copy() finds, through an index of character pairs
    (every near copy of 8+ characters shares at least one pair)."""
    exact = set(trained)
    index: dict[str, set[int]] = {}
    for i, sentence in enumerate(trained):
        if len(sentence) >= 8:
            for pair in _bigrams(sentence):
                index.setdefault(pair, set()).add(i)
    copies = []
    for test in tests:
        if test in exact:
            copies.append((test, test))
            continue
        if len(test) < 8:
            continue
        candidates = set().union(*(index.get(pair, set()) for pair in _bigrams(test)))
        copies += [(trained[i], test) for i in sorted(candidates) if near_copy(trained[i], test)]
    return copies


def test_held_out_and_realistic_sets_are_never_trained_on() -> None:
    """No test sentence is a near-copy of a training sentence."""
    trained = _sentence_keys(training_sentences())
    tests = _sentence_keys(held_out_sentences())
    assert len(trained) > 1000 and len(tests) > 900, "one of the sets is empty or not found"
    assert near_copies(trained, tests) == []


def test_near_copies_are_found() -> None:
    assert near_copies(["我想预约视频办公积金提取", "谢谢你"], ["我想预约视频办理公积金提取"])
    assert near_copies(["谢谢你"], ["谢谢你"]) == [("谢谢你", "谢谢你")]
    assert near_copies(["物业登记要什么材料"], ["今天天气怎么样啊"]) == []
