"""Rasa 3.6 pipeline components for Chinese as Hong Kong, Macau and mainland people write it.

The pipeline (config.yml) runs::

    ChineseNormaliser -> WhitespaceSafeJiebaTokenizer -> featurizers -> SentenceFeaturesOnly
    -> DIET (intents)
    -> RegexEntityExtractor -> EntitySynonymMapper -> PhrasePatternExtractor -> MessageReader
    -> FallbackClassifier -> OriginalTextRestorer

``ChineseNormaliser`` rewrites the message text into one Simplified-Mandarin form and remembers the
original; ``PhrasePatternExtractor`` finds what residents name in their own words (phrases.yml);
``MessageReader`` marks negated mentions and says whether the message asks, moves to a new topic,
and which of its words nobody understood; ``OriginalTextRestorer`` puts the original back and maps
entity spans onto it, so the tracker, the actions and the replies see what the user typed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import jieba
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_ROLE,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import language
from bot.booking import reference
from bot.language import SCRIPT, detect_script
from bot.nlu import normaliser, reading
from bot.nlu.normaliser import normalise
from bot.nlu.reading import NEGATED_TEXT, QUESTION, SHIFT, UNKNOWN_WORDS

ORIGINAL_TEXT = "original_text"
BOOKING_REFERENCE = "booking_reference"  # the entity, and the lookup form's slot it fills
ANSWER_INTENT = "inform"


def _is_user_text(message: Message) -> bool:
    text = message.get(TEXT)
    return bool(text) and not text.startswith(INTENT_MESSAGE_PREFIX)


# the contents (digests) of the user dictionaries this process's jieba has loaded
_LOADED_DICTIONARIES: set[str] = set()


def _digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class StatelessComponent(GraphComponent):
    """A component with nothing to configure, train or load: the pipeline's own steps."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> StatelessComponent:
        return cls()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class ChineseNormaliser(StatelessComponent):
    """Rewrites message text for understanding and keeps the original and its script."""

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str:
        """Rasa's training cache keys a component by its class's source alone; the normalisation
        lives in other files, and an edit to them must retrain the classifier, not restore it."""
        return _digest([Path(normaliser.__file__), normaliser.CANTONESE_TABLE,
                        Path(reference.__file__), Path(language.__file__)])

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            if _is_user_text(example):
                self._normalise_example(example)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if _is_user_text(message):
                original = message.get(TEXT)
                message.set(ORIGINAL_TEXT, original)
                message.set(SCRIPT, detect_script(original), add_to_output=True)
                message.set(TEXT, normalise(original).text)
        return messages

    @staticmethod
    def _normalise_example(example: Message) -> None:
        normalised = normalise(example.get(TEXT))
        for entity in example.get(ENTITIES) or []:
            start, end = normalised.to_normalised_span(
                entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END])
            annotated_words = normalised.original[
                entity[ENTITY_ATTRIBUTE_START]:entity[ENTITY_ATTRIBUTE_END]]
            if entity.get(ENTITY_ATTRIBUTE_VALUE) == annotated_words:
                # a value that only repeats the words is the words, in their normalised form
                entity[ENTITY_ATTRIBUTE_VALUE] = normalised.text[start:end]
            entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END] = start, end
        example.set(TEXT, normalised.text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class WhitespaceSafeJiebaTokenizer(JiebaTokenizer):
    """Rasa's JiebaTokenizer with two fixes for Rasa 3.6.

    - jieba returns " " tokens between Chinese and English words; they break featurizers that skip
      them (RasaHQ/rasa#7910), so they are dropped.
    - The user dictionary is part of the fingerprint, so editing the catalog retrains the model
      instead of restoring a stale tokenizer from the cache.
    - Each user dictionary is loaded once per process. jieba adds a loaded word's frequency to
      its total again on every load, and the total decides how every text is cut. A training
      from scratch loaded it twice (when the component is created to train, then loaded to
      process the examples), the server once: the model learnt cuts the server never makes
      ("想问少少东西" was cut 问 / 少少 in training and kept 问少少 when served).
    """

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        directory = config.get("dictionary_path")
        return _digest(sorted(Path(directory).glob("*"))) if directory else None

    @staticmethod
    def _load_custom_dictionary(path: str) -> None:
        for dictionary in sorted(Path(path).glob("*")):
            contents = _digest([dictionary])
            if contents not in _LOADED_DICTIONARIES:
                _LOADED_DICTIONARIES.add(contents)
                jieba.load_userdict(str(dictionary))

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        return [token for token in super().tokenize(message, attribute) if token.text.strip()]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class PhrasePatternExtractor(StatelessComponent):
    """Entities named in residents' own words: the patterns of bot/nlu/phrases.yml."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if not _is_user_text(message):
                continue
            found = [{**entity, EXTRACTOR: type(self).__name__}
                     for entity in reading.find_phrases(message.get(TEXT))]
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), *found], add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class MessageReader(StatelessComponent):
    """Reads the message word by word (bot/nlu/reading.py).

    - adds each booking reference the normaliser found as the entity ``booking_reference``, in its
      canonical form ("jm 4hkt 9cxa" -> JM-4HKT-9CXA); a message that is only references and words
      that hand them over ("參考號碼：JM-…", "it's JM-…") is the answer the lookup asks for
      (``inform``), whatever the classifier made of the eight random characters ("JM-PVXN-7GTG"
      read as goodbye ended a lookup; 1 reference in 25 was misread);
    - drops Latin entities found inside longer words ("hk" in "hkid");
    - gives the role "negated" to entities a negation covers ("不是参保证明", "not the ...");
    - adds QUESTION, SHIFT, UNKNOWN_WORDS and NEGATED_TEXT to the parse data.
    """

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if _is_user_text(message) and message.get(ORIGINAL_TEXT) is not None:
                self._read(message)
        return messages

    @staticmethod
    def _read(message: Message) -> None:
        text = message.get(TEXT)
        original = normalise(message.get(ORIGINAL_TEXT))  # the normaliser's reading of TEXT
        tokens = [(t.text, t.start, t.end) for t in message.get(TOKENS_NAMES[TEXT]) or []]
        negated = reading.negated_spans(text)
        references = [{ENTITY_ATTRIBUTE_TYPE: BOOKING_REFERENCE, ENTITY_ATTRIBUTE_VALUE: found.value,
                       ENTITY_ATTRIBUTE_START: found.start, ENTITY_ATTRIBUTE_END: found.end,
                       EXTRACTOR: MessageReader.__name__} for found in original.references]
        if references and reading.only_references(
                text, [(found.start, found.end) for found in original.references]):
            answer = {INTENT_NAME_KEY: ANSWER_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.set(INTENT, answer, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [answer], add_to_output=True)
        entities = []
        for entity in [*(message.get(ENTITIES) or []), *references]:
            span = (entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END])
            if not reading.on_word_boundaries(text, *span):
                continue
            if reading.inside(span, negated) and entity[ENTITY_ATTRIBUTE_TYPE] != "concern":
                entity = {**entity, ENTITY_ATTRIBUTE_ROLE: reading.NEGATED}
            entities.append(entity)
        message.set(ENTITIES, entities, add_to_output=True)
        spans = [(e[ENTITY_ATTRIBUTE_START], e[ENTITY_ATTRIBUTE_END]) for e in entities]

        def as_typed(found: list[tuple[int, int]]) -> list[str]:
            typed = [original.original[slice(*original.to_original_span(*span))].strip()
                     for span in found]
            return [words for words in typed if words]

        message.set(QUESTION, reading.is_question(text, tokens), add_to_output=True)
        message.set(SHIFT, reading.shifts_topic(text), add_to_output=True)
        message.set(UNKNOWN_WORDS, as_typed(reading.unknown_spans(tokens, spans)),
                    add_to_output=True)
        message.set(NEGATED_TEXT, as_typed(negated), add_to_output=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class OriginalTextRestorer(StatelessComponent):
    """Gives the message its original text back, with entity spans mapped onto it.

    Where two extracted catalog entities overlap, the longer one wins: "社保参保证明" is the
    service, not the category "社保" inside it.
    """

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            original = message.get(ORIGINAL_TEXT)
            if original is None:
                continue
            normalised = normalise(original)
            entities = _without_overlaps(message.get(ENTITIES) or [])
            for entity in entities:
                entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END] = (
                    normalised.to_original_span(entity[ENTITY_ATTRIBUTE_START],
                                                entity[ENTITY_ATTRIBUTE_END]))
            message.set(ENTITIES, entities, add_to_output=True)
            message.set(TEXT, original)
        return messages


def _without_overlaps(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Among overlapping mentions of the same family, the longest. A concern or a request the
    catalog lacks ("香港身份證") does not hide the catalog words inside it ("香港")."""
    def length(entity: dict[str, Any]) -> int:
        return entity[ENTITY_ATTRIBUTE_END] - entity[ENTITY_ATTRIBUTE_START]

    def family(entity: dict[str, Any]) -> str:
        kind = entity[ENTITY_ATTRIBUTE_TYPE]
        return kind if kind in ("concern", "unlisted") else "catalog"

    kept: list[dict[str, Any]] = []
    for entity in sorted(entities, key=length, reverse=True):
        if all(entity[ENTITY_ATTRIBUTE_END] <= other[ENTITY_ATTRIBUTE_START]
               or entity[ENTITY_ATTRIBUTE_START] >= other[ENTITY_ATTRIBUTE_END]
               or family(entity) != family(other)
               for other in kept):
            kept.append(entity)
    return sorted(kept, key=lambda entity: entity[ENTITY_ATTRIBUTE_START])
