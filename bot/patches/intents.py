"""DIET's intent scores for a message worked out with numpy (``DIETClassifier._predict``).

config.yml's DIET classifies intents only, with no transformer layers and no hidden layers, from
sparse sentence features (``bot/nlu/sentence_features.py``), with dot-product similarities and
softmax confidences. Its prediction for a message is then three matrix products:

    scores = softmax(((sentence @ K + b) @ E + c) @ labels.T)

- ``sentence``: the message's sparse sentence features, as DIET reads them (the sentence half of
  ``Message.get_sparse_features`` with DIET's featurizers);
- ``K``, ``b``: the sentence features' ``DenseForSparse`` layer (``RasaFeatureCombiningLayer``);
  the token features go through layers of their own into other positions of the sequence, and
  with no transformer nothing carries them into the sentence's position, the one the intent is
  read from (``DIET._last_token``); the feed-forward layers, none here, act on each position alone;
- ``E``, ``c``: the text's embedding layer (``Embed``);
- ``labels``: the intents' embeddings, which Rasa computes once when the model loads
  (``DIET.all_labels_embed``).

Rasa got there through its model data, a batch generator and a call of the traced TensorFlow
graph: 3.5 ms of each message here, half of understanding it. Joining the sentence features and
the products take 0.3–0.5 ms, in float32 as TensorFlow computes them. A model of another shape,
a message without sparse sentence features or with dense ones, and a run that records diagnostic
data go Rasa's way.
``Patch.reproduces`` checks that the Rasa functions these steps come from are the ones they were
read from, and ``tests/performance/test_patches.py`` compares the scores with Rasa's.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse
import tensorflow as tf
from rasa.nlu.classifiers.diet_classifier import DIET, DIETClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.constants import (
    ENTITY_RECOGNITION,
    FEATURIZERS,
    HIDDEN_LAYERS_SIZES,
    INNER,
    INTENT_CLASSIFICATION,
    MODEL_CONFIDENCE,
    NUM_TRANSFORMER_LAYERS,
    SENTENCE,
    SIMILARITY_TYPE,
    SOFTMAX,
)
from rasa.utils.tensorflow.rasa_layers import (
    ConcatenateSparseDenseFeatures,
    RasaFeatureCombiningLayer,
    RasaSequenceLayer,
)

# Rasa's own, taken when this module is imported: before bot.patches replaces it
_rasas_predict = DIETClassifier._predict


@dataclass(frozen=True)
class IntentProducts:
    """The weights of a DIET model whose intent scores are the products above."""

    sentence_kernel: np.ndarray  # (sentence features, dense dimension)
    sentence_bias: np.ndarray
    embed_kernel: np.ndarray  # (dense dimension, embedding dimension)
    embed_bias: np.ndarray
    label_embeddings: np.ndarray  # (intents, embedding dimension)

    def scores(self, sentence: scipy.sparse.coo_matrix) -> np.ndarray:
        """The intents' confidences for one message's sentence features (one row): shape
        (1, intents). The kernel's rows of the features present, weighted by their values: a
        sentence holds a few dozen of its 10,000 features."""
        values = sentence.data.astype(np.float32)[np.newaxis, :]
        hidden = values @ self.sentence_kernel[sentence.col] + self.sentence_bias
        embedded = hidden @ self.embed_kernel + self.embed_bias
        similarities = embedded @ self.label_embeddings.T
        exponentials = np.exp(similarities - similarities.max(axis=-1, keepdims=True))
        return exponentials / exponentials.sum(axis=-1, keepdims=True)

    @classmethod
    def of(cls, model: DIET) -> IntentProducts | None:
        """The products for ``model`` (prepared for prediction), or None when its prediction is
        not just these."""
        if type(model) is not DIET:
            return None
        config = model.config
        if (not config[INTENT_CLASSIFICATION] or config[ENTITY_RECOGNITION]
                or config[NUM_TRANSFORMER_LAYERS] != 0 or config[HIDDEN_LAYERS_SIZES][TEXT]
                or config[SIMILARITY_TYPE] != INNER or config[MODEL_CONFIDENCE] != SOFTMAX):
            return None
        signature = model.predict_data_signature[TEXT][SENTENCE]
        if len(signature) != 1 or not signature[0].is_sparse:
            return None
        sequence_layer = model._tf_layers[f"sequence_layer.{TEXT}"]
        combining = sequence_layer._tf_layers[RasaSequenceLayer.FEATURE_COMBINING]
        if (sequence_layer._has_transformer
                or sequence_layer._tf_layers[RasaSequenceLayer.FFNN].weights
                or not isinstance(combining, RasaFeatureCombiningLayer)
                or f"unify_dims_before_seq_sent_concat.{SENTENCE}" in combining._tf_layers):
            return None
        sentence_layer = combining._tf_layers[f"sparse_dense.{SENTENCE}"]
        to_dense = sentence_layer._tf_layers[ConcatenateSparseDenseFeatures.SPARSE_TO_DENSE]
        embed = model._tf_layers[f"embed.{TEXT}"]._dense
        if not all(layer.use_bias and layer.activation is tf.keras.activations.linear
                   for layer in (to_dense, embed)):
            return None
        return cls(to_dense.kernel.numpy(), to_dense.bias.numpy(), embed.kernel.numpy(),
                   embed.bias.numpy(), np.asarray(model.all_labels_embed))


# model -> its products (None: Rasa's way), worked out on the model's first prepared message
_PRODUCTS: weakref.WeakKeyDictionary[DIET, IntentProducts | None] = weakref.WeakKeyDictionary()


def predict_intents_with_numpy(self: DIETClassifier, message: Any) -> Any:
    model = self.model
    if model is None or self._execution_context.should_add_diagnostic_data:
        return _rasas_predict(self, message)
    # a model not yet prepared for prediction (no label embeddings) is decided on once Rasa's
    # way has prepared it
    if model not in _PRODUCTS and model.all_labels_embed is not None:
        _PRODUCTS[model] = IntentProducts.of(model)
    products = _PRODUCTS.get(model)
    # the sentence half of Message.get_sparse_features: the token placeholder is not needed
    featurizers = self.component_config[FEATURIZERS] or []
    sentence = Message._combine_features(
        message._filter_sparse_features(TEXT, featurizers)[1], featurizers)
    if (products is None or sentence is None or sentence.features.shape[0] != 1
            or any(message._filter_dense_features(TEXT, featurizers))):
        return _rasas_predict(self, message)
    return {"i_scores": products.scores(sentence.features.tocoo())}
