"""Only the sentence-level features go on to DIET: it reads nothing else in this pipeline.

DIET (config.yml) classifies intents only, with no transformer layers, no entity recognition and
no masked language model. Then the intent comes from the sentence position alone: with zero layers
Rasa's "transformer" is the identity (``prepare_transformer_layer``), and the intent is read from
the last position, which holds the sentence features (``DIETClassifier._last_token``). The token
features were still batched, densified and multiplied at every training step and every message,
then thrown away: about a third of DIET's training time. DIET refuses a signature without token
features (``TFLayerConfigException``), so one constant placeholder token stands in for them.
The count vectors of the text are therefore counted for the whole sentence only
(``SentenceCountVectorsFeaturizer``). tests/test_sentence_features.py keeps DIET's configuration to
what makes this true.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import CountVectorizer

from bot.nlu.components import StatelessComponent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceFeaturesOnly(StatelessComponent):
    """Replaces a message's token-level text features with one placeholder token."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            _keep_sentence_features(example)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            _keep_sentence_features(message)
        return messages


def _one_token() -> scipy.sparse.coo_matrix:
    """The placeholder's matrix, made once (a matrix costs 87 µs here) and read-only, so that
    every message can share it: writing to it raises instead of changing every message's."""
    matrix = scipy.sparse.coo_matrix(([1.0], ([0], [0])), shape=(1, 1))
    matrix.has_canonical_format = True  # one entry: nothing to sort or sum, ever
    for part in (matrix.data, matrix.row, matrix.col):
        part.flags.writeable = False
    return matrix


_ONE_TOKEN = _one_token()


def _placeholder() -> Features:
    return Features(_ONE_TOKEN, FEATURE_TYPE_SEQUENCE, TEXT, SentenceFeaturesOnly.__name__)


def _keep_sentence_features(message: Message) -> None:
    kept = [features for features in message.features
            if not (features.attribute == TEXT and features.type == FEATURE_TYPE_SEQUENCE)]
    if len(kept) < len(message.features):  # a message with text features (not an intent label)
        message.features = [*kept, _placeholder()]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceCountVectorsFeaturizer(CountVectorsFeaturizer):
    """Rasa's ``CountVectorsFeaturizer`` without the text's counts per token, which
    ``SentenceFeaturesOnly`` would replace: the same vocabulary, the same sentence counts, and the
    labels (intents) featurised as before. Counting each token was half of the featurizer's time
    at every message and training example.

    The sentence's counts are counted here, as scikit-learn's ``CountVectorizer.transform``
    counts them (the vectorizer's own analyzer and vocabulary), straight into the matrix Rasa
    keeps: ``transform`` builds a matrix for a batch of documents, sorts it and Rasa converts it,
    359 µs a message and featurizer here against 200. A test compares the two matrices."""

    def _create_features(self, attribute: str, all_tokens: list[list[str]]
                         ) -> tuple[list[Any], list[Any]]:
        if attribute != TEXT or not self.vectorizers.get(attribute):
            return super()._create_features(attribute, all_tokens)
        vectorizer = self.vectorizers[attribute]
        return [None] * len(all_tokens), [_sentence_counts(vectorizer, " ".join(tokens))
                                          if tokens else None for tokens in all_tokens]


def _sentence_counts(vectorizer: CountVectorizer, text: str) -> scipy.sparse.coo_matrix:
    """``vectorizer.transform([text])``, its indices sorted, as a COO matrix (Rasa's vectorizers
    count, they never set ``binary``)."""
    vocabulary = vectorizer.vocabulary_
    counts: dict[int, int] = {}
    for feature in _analyzer(vectorizer)(text):
        column = vocabulary.get(feature)
        if column is not None:
            counts[column] = counts.get(column, 0) + 1
    columns = sorted(counts)
    return scipy.sparse.coo_matrix(
        (np.array([counts[c] for c in columns], dtype=vectorizer.dtype),
         (np.zeros(len(columns), dtype=np.int32), np.array(columns, dtype=np.int32))),
        shape=(1, len(vocabulary)))


# a vectorizer's analyzer, built once (``transform`` builds it again at every call)
_ANALYZERS: weakref.WeakKeyDictionary[CountVectorizer, Callable[[str], list[str]]] = \
    weakref.WeakKeyDictionary()


def _analyzer(vectorizer: CountVectorizer) -> Callable[[str], list[str]]:
    if vectorizer not in _ANALYZERS:
        _ANALYZERS[vectorizer] = vectorizer.build_analyzer()
    return _ANALYZERS[vectorizer]
