"""The Rasa pipeline components, on real Rasa messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import components
from bot.nlu import normaliser as normalisation
from bot.nlu.components import (
    ChineseNormaliser,
    MessageReader,
    OriginalTextRestorer,
    WhitespaceSafeJiebaTokenizer,
)

REPO_ROOT = Path(__file__).resolve().parent.parent


def normaliser() -> ChineseNormaliser:
    return ChineseNormaliser.create({}, None, None, None)


def test_training_entity_spans_follow_the_normalised_text() -> None:
    text = "使唔使親身去辦物業登記"
    start = text.index("物業登記")
    example = Message.build(text=text, intent="ask_eligibility", entities=[
        {"entity": "service", "start": start, "end": start + 4, "value": "物業登記"}])
    normaliser().process_training_data(TrainingData([example]))
    (entity,) = example.get(ENTITIES)
    assert example.get(TEXT) == "需不需要本人亲自去办物业登记"
    assert example.get(TEXT)[entity["start"]:entity["end"]] == "物业登记"
    assert entity["value"] == "物业登记"


def test_an_explicit_entity_value_is_kept() -> None:
    example = Message.build(text="澳門", intent="inform", entities=[
        {"entity": "region", "start": 0, "end": 2, "value": "macau"}])
    normaliser().process_training_data(TrainingData([example]))
    assert example.get(ENTITIES)[0]["value"] == "macau"


def test_prediction_keeps_the_original_and_its_script() -> None:
    message = Message({TEXT: "使唔使親身去辦物業登記"})
    normaliser().process([message])
    assert message.get(TEXT) == "需不需要本人亲自去办物业登记"
    assert message.get("script") == "zh-Hant"
    normalised_start = message.get(TEXT).index("物业登记")
    message.set(ENTITIES, [
        {"entity": "service", "start": normalised_start, "end": normalised_start + 4,
         "value": "property_registration"},
        {"entity": "category", "start": normalised_start, "end": normalised_start + 2,
         "value": "property"},  # inside the service: the longer one wins
    ])
    OriginalTextRestorer.create({}, None, None, None).process([message])
    assert message.get(TEXT) == "使唔使親身去辦物業登記"
    (entity,) = message.get(ENTITIES)
    assert message.get(TEXT)[entity["start"]:entity["end"]] == "物業登記"


def read(text: str, classified_as: str) -> Message:
    """The message after the pipeline's own components, the classifier having said
    ``classified_as``."""
    message = Message({TEXT: text})
    normaliser().process([message])
    tokenizer(None).process([message])
    message.set(INTENT, {"name": classified_as, "confidence": 0.86})
    MessageReader.create({}, None, None, None).process([message])
    OriginalTextRestorer.create({}, None, None, None).process([message])
    return message


def test_a_booking_reference_is_an_entity_in_the_users_own_text() -> None:
    """Read once, in understanding: the lookup form takes its canonical value, and the characters
    are no unknown words."""
    message = read("幫我取消 jm pvxn 7gtg 唔該", "cancel_booking")
    (entity,) = message.get(ENTITIES)
    assert (entity["entity"], entity["value"]) == ("booking_reference", "JM-PVXN-7GTG")
    assert message.get(TEXT)[entity["start"]:entity["end"]] == "jm pvxn 7gtg"
    assert "pvxn" not in " ".join(message.get("unknown_words"))
    assert message.get(INTENT)["name"] == "cancel_booking"  # words that ask: the classifier decides


@pytest.mark.parametrize("typed", ["JM-PVXN-7GTG", " ＪＭ－ＰＶＸＮ－７ＧＴＧ。", "jm pvxn7gtg!",
                                   "編號係 jm pvxn 7gtg 唔該", "參考號碼：JM-PVXN-7GTG",
                                   "JM-PVXN-7GTG is my booking number", "it's JM-PVXN-7GTG, thanks"])
def test_a_reference_handed_over_is_an_answer_whatever_the_classifier_says(typed: str) -> None:
    """Eight random characters once read as goodbye, which ended the lookup that asked for them;
    the words that hand a reference over ("參考號碼", "it's") were read as a request for a person
    or as nothing."""
    message = read(typed, "goodbye")
    assert message.get(INTENT) == {"name": "inform", "confidence": 1.0}
    assert [i["name"] for i in message.get("intent_ranking")] == ["inform"]


def test_button_payloads_are_left_alone() -> None:
    payload = '/ask_eligibility{"service":"property_registration"}'
    message = Message({TEXT: payload})
    normaliser().process([message])
    assert message.get(TEXT) == payload


def tokenizer(dictionary: Path | None) -> WhitespaceSafeJiebaTokenizer:
    config = {**WhitespaceSafeJiebaTokenizer.get_default_config(),
              "dictionary_path": str(dictionary) if dictionary else None}
    return WhitespaceSafeJiebaTokenizer.create(config, None, None, None)


def test_no_blank_tokens_between_chinese_and_english() -> None:
    tokens = tokenizer(None).tokenize(Message({TEXT: "我想预约 video 视频服务"}), TEXT)
    assert [t.text for t in tokens if not t.text.strip()] == []
    assert "video" in [t.text for t in tokens]


def test_the_dictionary_is_part_of_the_fingerprint(tmp_path: Path) -> None:
    config = {"dictionary_path": str(tmp_path)}
    (tmp_path / "catalog.txt").write_text("物业登记 20000 n\n", encoding="utf-8")
    before = WhitespaceSafeJiebaTokenizer.fingerprint_addon(config)
    (tmp_path / "catalog.txt").write_text("物业登记 20000 n\n住房网签 20000 n\n",
                                          encoding="utf-8")
    assert WhitespaceSafeJiebaTokenizer.fingerprint_addon(config) != before


def test_a_dictionary_is_loaded_once_as_training_then_serving_would(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A training from scratch loads the dictionary where it is, then the copy in the model; the
    server loads only the copy. jieba would count the words twice in the first case."""
    loaded: list[str] = []
    monkeypatch.setattr(components.jieba, "load_userdict", loaded.append)
    monkeypatch.setattr(components, "_LOADED_DICTIONARIES", set())
    source, copy, other = tmp_path / "generated", tmp_path / "model", tmp_path / "other"
    for directory, words in ((source, "物业登记 20000 n\n"), (copy, "物业登记 20000 n\n"),
                             (other, "住房网签 20000 n\n")):
        directory.mkdir()
        (directory / "catalog.txt").write_text(words, encoding="utf-8")
    for directory in (source, copy, copy, other):
        WhitespaceSafeJiebaTokenizer._load_custom_dictionary(str(directory))
    assert loaded == [str(source / "catalog.txt"), str(other / "catalog.txt")]


def test_the_normalisation_files_are_part_of_the_fingerprint(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit to the Cantonese table retrains the classifier instead of restoring it from Rasa's
    cache, which keys a component by its class's source alone."""
    table = tmp_path / "cantonese.yml"
    table.write_text(normalisation.CANTONESE_TABLE.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(normalisation, "CANTONESE_TABLE", table)
    before = ChineseNormaliser.fingerprint_addon({})
    table.write_text(table.read_text(encoding="utf-8") + "  嚟緊: 下一个\n", encoding="utf-8")
    assert ChineseNormaliser.fingerprint_addon({}) != before
