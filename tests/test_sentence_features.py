"""SentenceFeaturesOnly (bot/nlu/sentence_features.py): what it does to a message, and the
configuration under which DIET reads nothing it removes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse
import yaml
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.rasa_layers import prepare_transformer_layer

from bot.nlu.sentence_features import SentenceFeaturesOnly

REPO_ROOT = Path(__file__).resolve().parent.parent
COMPONENT = "bot.nlu.sentence_features.SentenceFeaturesOnly"
# after it, components that read no features at all
FEATURE_FREE = {"RegexEntityExtractor", "EntitySynonymMapper", "FallbackClassifier",
                "bot.nlu.components.PhrasePatternExtractor", "bot.nlu.components.MessageReader",
                "bot.nlu.components.OriginalTextRestorer"}


def _features(kind: str, attribute: str, rows: int, origin: str) -> Features:
    return Features(scipy.sparse.coo_matrix(np.ones((rows, 5))), kind, attribute, origin)


def _featurised_message() -> Message:
    message = Message({TEXT: "社保 证明", INTENT: "ask_eligibility"})
    for origin in ("RegexFeaturizer", "CountVectorsFeaturizer"):
        message.add_features(_features(FEATURE_TYPE_SEQUENCE, TEXT, 2, origin))
        message.add_features(_features(FEATURE_TYPE_SENTENCE, TEXT, 1, origin))
    message.add_features(_features(FEATURE_TYPE_SENTENCE, INTENT, 1, "CountVectorsFeaturizer"))
    return message


def test_token_features_become_one_placeholder_and_the_rest_is_kept() -> None:
    message = _featurised_message()
    kept = [f for f in message.features if f.type == FEATURE_TYPE_SENTENCE]
    SentenceFeaturesOnly.create({}, None, None, None).process([message])
    sequence, sentence = message.get_sparse_features(TEXT)
    assert sequence.features.shape == (1, 1)
    assert sentence.features.shape == (1, 10)
    assert [f for f in message.features if f.type == FEATURE_TYPE_SENTENCE] == kept


def test_training_examples_too_and_a_message_without_text_features_is_untouched() -> None:
    example, label = _featurised_message(), Message({INTENT: "greet"})
    label.add_features(_features(FEATURE_TYPE_SENTENCE, INTENT, 1, "CountVectorsFeaturizer"))
    label_features = list(label.features)
    SentenceFeaturesOnly.create({}, None, None, None).process_training_data(
        TrainingData([example, label]))
    assert example.get_sparse_features(TEXT)[0].features.shape == (1, 1)
    assert label.features == label_features


def test_diet_reads_only_the_sentence_position() -> None:
    """With zero transformer layers Rasa's transformer is the identity, so the intent, read at the
    sentence position, never sees the token positions; entity recognition and the masked language
    model would read them."""
    pipeline = yaml.safe_load((REPO_ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    names = [component["name"] for component in pipeline]
    after = pipeline[names.index(COMPONENT) + 1:]
    (diet,) = [component for component in after if component["name"] == "DIETClassifier"]
    assert diet["number_of_transformer_layers"] == 0
    assert diet["entity_recognition"] is False
    assert not diet.get("use_masked_language_model", False)
    assert {c["name"] for c in after} - {"DIETClassifier"} <= FEATURE_FREE

    identity = prepare_transformer_layer("text", {}, 0, 128, 0.1, False)
    inputs = np.ones((2, 3, 4), dtype=np.float32)
    outputs, _ = identity(inputs, None, False)
    assert outputs is inputs
