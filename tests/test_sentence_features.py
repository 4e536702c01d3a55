"""SentenceFeaturesOnly and SentenceCountVectorsFeaturizer (bot/nlu/sentence_features.py): what
they do to a message, and the configuration under which DIET reads nothing they leave out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.rasa_layers import prepare_transformer_layer

from bot.nlu.sentence_features import SentenceCountVectorsFeaturizer, SentenceFeaturesOnly

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
    # every message shares the placeholder's one matrix, which nothing can write to
    other = _featurised_message()
    SentenceFeaturesOnly.create({}, None, None, None).process([other])
    shared = {id(f.features) for m in (message, other) for f in m.features
              if f.origin == SentenceFeaturesOnly.__name__}
    assert len(shared) == 1
    placeholder = next(f.features for f in other.features
                       if f.origin == SentenceFeaturesOnly.__name__)
    with pytest.raises(ValueError, match="read-only"):
        placeholder.data[0] = 2.0


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


def _trained(featurizer_class: type, tmp_path: Path, config: dict) -> tuple[object, list[Message]]:
    (tmp_path / featurizer_class.__name__).mkdir()
    storage = LocalModelStorage(tmp_path / featurizer_class.__name__)
    featurizer = featurizer_class.create({**featurizer_class.get_default_config(), **config},
                                         storage, Resource(featurizer_class.__name__),
                                         ExecutionContext(GraphSchema({})))
    texts = [("how do I transfer my property", "ask_materials"),
             ("where is the service point", "find_service_point"), ("hello there", "greet")]
    examples = [Message({TEXT: text, INTENT: intent}) for text, intent in texts]
    data = TrainingData(examples)
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process_training_data(data)
    featurizer.train(data)
    featurizer.process_training_data(data)
    # words it knows, words again, words and characters it has never seen
    messages = [Message({TEXT: text}) for text in (
        "where do I transfer property", "where where is is the the point point hello",
        "點樣辦 property 喺邊度", "zzz")]
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process(messages)
    featurizer.process(messages)
    return featurizer, [*examples, *messages]


@pytest.mark.parametrize("config", [{}, {"analyzer": "char_wb", "min_ngram": 1, "max_ngram": 3}])
def test_sentence_count_vectors_are_rasas_without_the_token_counts(tmp_path: Path,
                                                                    config: dict) -> None:
    _, rasas = _trained(CountVectorsFeaturizer, tmp_path, config)
    _, ours = _trained(SentenceCountVectorsFeaturizer, tmp_path, config)
    for theirs, mine in zip(rasas, ours, strict=True):
        expected = [f for f in theirs.features
                    if not (f.attribute == TEXT and f.type == FEATURE_TYPE_SEQUENCE)]
        assert len(mine.features) == len(expected) and mine.get_sparse_features(TEXT)[0] is None
        for want, got in zip(expected, mine.features, strict=True):
            assert (want.type, want.attribute) == (got.type, got.attribute)
            assert (want.features != got.features).nnz == 0  # the same counts
            if got.type == FEATURE_TYPE_SENTENCE and got.attribute == TEXT:  # counted here
                assert isinstance(got.features, scipy.sparse.coo_matrix)
                for part in ("data", "row", "col"):  # the same matrix, entry by entry
                    mine_part, want_part = getattr(got.features, part), getattr(
                        want.features.tocsr().tocoo(), part)
                    assert mine_part.dtype == want_part.dtype
                    assert mine_part.tolist() == want_part.tolist()
