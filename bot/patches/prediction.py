"""DIET predicts through a ``tf.function`` with a fixed input signature (``RasaModel._rasa_predict``
makes it on the first prediction). Every call then made TensorFlow bind the batch to that
signature again: flatten it, check and cast each array, and look the traced graph up. That was
1.0 ms of each message here, more than the model's own work (0.3 ms).

After Rasa has traced the graph, the model calls the traced graph directly with the batch's arrays
as tensors of the signature's types: 0.4 ms. It is the same graph on the same inputs, so the same
outputs (tests/performance/test_patches.py compares them), and Rasa's own code still does the rest
(the first trace, eager mode, turning outputs into numpy).
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
from rasa.utils.tensorflow.models import RasaModel

# Rasa's own, taken when this module is imported: before bot.patches replaces it
_rasas_predict = RasaModel._rasa_predict


class TracedGraph:
    """Calls a ``tf.function``'s one traced graph with a batch, without binding it each time."""

    def __init__(self, function: Any) -> None:
        self.function = function
        self._graph = function.get_concrete_function()
        self._types = [spec.dtype for spec in tf.nest.flatten(self._graph.structured_input_signature)]

    def __call__(self, batch: Any) -> Any:
        arrays = tf.nest.flatten(batch)
        if len(arrays) != len(self._types):
            return self.function(batch)  # not this graph's batch: TensorFlow's own binding says why
        tensors = [tf.convert_to_tensor(array, dtype=kind)
                   for array, kind in zip(arrays, self._types, strict=True)]
        return self._graph._call_flat(tensors, self._graph.captured_inputs)


def predict_with_traced_graph(self: RasaModel, batch_in: Any) -> Any:
    step = self._tf_predict_step
    if step is not None and not self._run_eagerly and not isinstance(step, TracedGraph):
        self._tf_predict_step = TracedGraph(step)
    return _rasas_predict(self, batch_in)
