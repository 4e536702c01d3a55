"""Reading a message word by word (bot/nlu/reading.py) and the phrases residents name things with
(bot/nlu/phrases.yml): negations, questions, topic shifts, unknown words."""

from __future__ import annotations

from pathlib import Path

import jieba
import pytest

from bot.nlu import reading
from bot.nlu.normaliser import normalise, normalise_term

DICTIONARY = Path(__file__).resolve().parent.parent / "data" / "generated" / "jieba" / "catalog.txt"


@pytest.fixture(scope="module")
def segmenter() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(DICTIONARY))
    return tokenizer


def tokens(segmenter: jieba.Tokenizer, text: str) -> list[reading.Token]:
    return [(w, s, e) for w, s, e in segmenter.tokenize(text) if w.strip()]


def negated(text: str) -> list[str]:
    normalised = normalise(text).text
    return [normalised[s:e] for s, e in reading.negated_spans(normalised)]


@pytest.mark.parametrize(("text", "words"), [
    ("我问的是社保缴费记录 不是参保证明", ["参保证明"]),
    ("I'm asking about social insurance, not the provident fund", ["the provident fund"]),
    ("I have no flat in Jiangmen, I just want to know about social insurance",
     ["flat in jiangmen"]),
    ("我冇屋喺大陸㗎 我想問下點樣買社保", ["屋在大陆㗎"]),
    ("唔係 參保證明 係繳費記錄", ["参保证明"]),  # a space sets the object off, the next one ends it
    ("唔係 JM-4HKT-9CXA，係 JM-7GTG-PVXN", ["jm-4hkt-9cxa"]),
    # A-not-A questions ask, they do not negate
    ("使唔使親身去", []),
    ("有冇得網上辦", []),
    ("要唔要體檢", []),
    ("是不是要本人去", []),
    ("can I do it without going to Jiangmen", []),
])
def test_negation_reaches_to_the_end_of_its_clause(text: str, words: list[str]) -> None:
    assert negated(text) == words


def test_questions_and_shifts(segmenter: jieba.Tokenizer) -> None:
    def question(text: str) -> bool:
        normalised = normalise(text).text
        return reading.is_question(normalised, tokens(segmenter, normalised))

    assert question("香港邊度有得辦呀") and question("使唔使親身返去") and question("where is it")
    assert not question("唔該晒") and not question("ok thanks")
    assert reading.shifts_topic(normalise("咁回鄉證呢？").text)
    assert reading.shifts_topic("ok what about the temporary entry permit")
    assert not reading.shifts_topic(normalise("我想問物業登記").text)


def test_unknown_words_are_whole_words(segmenter: jieba.Tokenizer) -> None:
    """Word by word, never characters cut out of words (issue 6 item 3)."""
    def unknown(text: str, entity_words: tuple[str, ...] = ()) -> list[str]:
        normalised = normalise(text).text
        spans = [(normalised.find(normalise_term(w)),
                  normalised.find(normalise_term(w)) + len(normalise_term(w)))
                 for w in entity_words]
        return [normalised[s:e] for s, e in
                reading.unknown_spans(tokens(segmenter, normalised), spans)]

    assert unknown("我想辦護照可唔可以") == ["护照"]
    assert unknown("要咩materials? 要唔要體檢") == []
    assert unknown("使唔使我親身返去台山？", ("台山",)) == []
    assert unknown("I live in Macau and want to withdraw my provident fund",
                   ("macau", "withdraw my provident fund")) == []


@pytest.mark.parametrize(("entity", "value", "example"), list(reading.phrase_examples()))
def test_every_phrase_example_is_found(entity: str, value: str, example: str) -> None:
    """Found, and on whole words (MessageReader drops a Latin match that ends inside a word)."""
    text = normalise(example).text
    found = [f for f in reading.find_phrases(text)
             if reading.on_word_boundaries(text, f["start"], f["end"])]
    assert {"entity": entity, "value": value} in [
        {"entity": f["entity"], "value": f["value"]} for f in found], found


@pytest.mark.parametrize("text", [
    "我想問下物業登記", "I live in Hong Kong", "今日天氣點呀", "what documents do I need",
    "我想轉去香港讀書", "can I do it by video"])
def test_phrases_do_not_fire_on_ordinary_messages(text: str) -> None:
    found = reading.find_phrases(normalise(text).text)
    assert [f for f in found if f["entity"] in ("concern", "unlisted")] == []


def test_latin_entities_must_be_whole_words() -> None:
    assert not reading.on_word_boundaries("my hkid number", 3, 5)  # "hk" in "hkid"
    assert reading.on_word_boundaries("i live in hk now", 10, 12)
    assert reading.on_word_boundaries("我在香港", 2, 4)


@pytest.mark.parametrize(("typed", "handed_over"), [
    ("預約編號係JM-4HKT-9CXA", True),
    ("單號 JM-4HKT-9CXA 呀", True),
    ("reference: JM-4HKT-9CXA, thanks", True),
    ("this is JM-4HKT-9CXA", True),
    ("JM-4HKT-9CXA JM-7GTG-PVXN", True),
    ("取消 JM-4HKT-9CXA", False),  # a word that asks for something: the classifier decides
    ("查下 JM-4HKT-9CXA 幾時", False),
    ("唔係 JM-4HKT-9CXA", False),
    ("cancel JM-4HKT-9CXA please", False),
    ("is JM-4HKT-9CXA still on", False),
    ("thistle JM-4HKT-9CXA", False),  # English words are whole words, "this" is not in "thistle"
])
def test_a_reference_handed_over(typed: str, handed_over: bool) -> None:
    normalised = normalise(typed)
    spans = [(found.start, found.end) for found in normalised.references]
    assert reading.only_references(normalised.text, spans) is handed_over
