"""Small, documented patches to the installed Rasa, applied once when our server starts.

The project cannot edit the installed package, so a fix it needs before upstream has it is applied
here, at start (``bot.server.main`` calls ``apply_all``). Each patch:

- names the function it replaces and why;
- keeps what the function does, and only changes what it costs (one exception, named in its
  ``why``: ``store_outage`` says "try again" when the conversations' database is away, where
  Rasa answered out of context);
- checks, before patching, that the function is still the one it was written against (a hash of
  its source). A Rasa upgrade that moves or changes it makes ``apply_all`` raise at start, and
  ``tests/performance/test_patches.py`` fail, rather than patching the wrong thing or silently running
  unpatched. Then check whether upstream fixed it, and drop or rewrite the patch.

An ``Addition`` gives a Rasa class a method it lacks (``Slot.__copy__``): it checks instead that
neither the class nor its subclasses define that method or anything its reasoning needs missing.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rasa.core.actions.action import RemoteAction
from rasa.core.actions.forms import FormAction
from rasa.core.featurizers.tracker_featurizers import TrackerFeaturizer
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.nlu.classifiers.diet_classifier import DIET, DIETClassifier
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.endpoints import EndpointConfig
from rasa.utils.tensorflow.layers import DenseForSparse, DotProductLoss, Embed
from rasa.utils.tensorflow.models import TransformerRasaModel
from rasa.utils.tensorflow.rasa_layers import (
    ConcatenateSparseDenseFeatures,
    RasaFeatureCombiningLayer,
    RasaSequenceLayer,
)

from bot.patches.action_results import validate_action_result
from bot.patches.copies import copy_from_state
from bot.patches.events import resolve_by_type
from bot.patches.features import combine_sparse_at_once
from bot.patches.forms import temporary_tracker_from_state
from bot.patches.graph import run_in_order
from bot.patches.intents import predict_intents_with_numpy
from bot.patches.rules import possible_rule_keys
from bot.patches.sessions import kept_session
from bot.patches.slots import COPY_HOOKS, copy_slot
from bot.patches.states import create_states_once
from bot.patches.store_outage import retrieve_unless_unavailable
from bot.patches.understanding import log_message_understood_while_loading
from bot.patches.waiting import request_elsewhere

logger = logging.getLogger(__name__)


class PatchError(RuntimeError):
    """The installed Rasa no longer has the function a patch was written against."""


@dataclass(frozen=True)
class Patch:
    owner: type
    attribute: str
    source_sha256: str  # of inspect.getsource of the original, as installed with Rasa 3.6.21
    replacement: Any  # what goes in the class's __dict__ (a function, or a staticmethod)
    why: str
    # other functions whose steps the replacement does itself: (owner, attribute, source_sha256)
    reproduces: tuple[tuple[type, str, str], ...] = ()

    @property
    def name(self) -> str:
        return f"{self.owner.__module__}.{self.owner.__qualname__}.{self.attribute}"

    def original(self) -> Callable[..., Any]:
        if self.name in _ORIGINALS:
            return _ORIGINALS[self.name]
        original = self.owner.__dict__.get(self.attribute)
        if original is None:
            raise PatchError(f"{self.name} is gone: Rasa changed; review bot/patches/")
        return original.__func__ if isinstance(original, staticmethod) else original

    def check(self) -> None:
        _check_source(self.name, self.original(), self.source_sha256)
        for owner, attribute, sha256 in self.reproduces:
            name = f"{owner.__module__}.{owner.__qualname__}.{attribute}"
            if attribute not in owner.__dict__:
                raise PatchError(f"{name} is gone: Rasa changed; review bot/patches/")
            _check_source(name, getattr(owner, attribute), sha256)

    def apply(self) -> None:
        self.check()
        if self.owner.__dict__[self.attribute] is not self.replacement:
            _ORIGINALS[self.name] = self.original()
            setattr(self.owner, self.attribute, self.replacement)
            logger.info("patched %s: %s", self.name, self.why)


def _check_source(name: str, function: Callable[..., Any], sha256: str) -> None:
    digest = hashlib.sha256(inspect.getsource(function).encode("utf-8")).hexdigest()
    if digest != sha256:
        raise PatchError(f"{name} is not the function this patch was written against "
                         f"(source sha256 {digest}); review bot/patches/")


# name -> the function a patch replaced
_ORIGINALS: dict[str, Callable[..., Any]] = {}


@dataclass(frozen=True)
class Addition:
    """A method added to a Rasa class that lacks it. Before adding it, checks that neither the
    class nor any of its subclasses defines it or any of ``absent`` (what the addition's reasoning
    relies on being missing): a Rasa upgrade that defines one makes ``apply_all`` raise."""

    owner: type
    attribute: str
    replacement: Any
    why: str
    absent: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.owner.__module__}.{self.owner.__qualname__}.{self.attribute}"

    def check(self) -> None:
        classes, unseen = [], [self.owner]
        while unseen:
            classes.append(unseen.pop())
            unseen.extend(classes[-1].__subclasses__())
        for cls in classes:
            for name in (self.attribute, *self.absent):
                if cls.__dict__.get(name, self.replacement) is not self.replacement:
                    raise PatchError(f"{cls.__module__}.{cls.__qualname__} now defines {name}; "
                                     f"{self.name} was added for a class without it; review "
                                     "bot/patches/")

    def apply(self) -> None:
        self.check()
        if self.owner.__dict__.get(self.attribute) is not self.replacement:
            setattr(self.owner, self.attribute, self.replacement)
            logger.info("added %s: %s", self.name, self.why)


PATCHES = (
    Patch(RemoteAction, "_validate_action_result",
          source_sha256="f8cdb4be6812396167ced74161b2ccd65c5ea676ad86d7d359d8c322d9d8dc42",
          replacement=validate_action_result,
          why="validate action-server responses with a validator compiled once, each event "
              "against the schema of its own kind (RasaHQ/rasa#11717)"),
    Patch(Event, "resolve_by_type",
          source_sha256="b5cf570fa7f286c7059ec73d8880528d03a78b28cf4e80285a46079c0fa65968",
          replacement=staticmethod(resolve_by_type),
          why="find event classes by name without walking every Event subclass each time"),
    Patch(DaskGraphRunner, "run",
          source_sha256="45f0f52f574f3aa9546a552bf671183e171092c18b66e97f5771a7fa295de37e",
          replacement=run_in_order,
          why="run the model's graphs in a fixed order instead of through dask's scheduler"),
    Patch(TrackerFeaturizer, "_create_states",
          source_sha256="2fed265eee3bfa38bef58c41b618f4bc7cb68219a91c7b2b2488603403c5e86a",
          replacement=staticmethod(create_states_once),
          why="work a conversation's states out once per event, not from the start each time",
          reproduces=(
              (Domain, "states_for_tracker_history",
               "035111ce73ac90ba50e143abf556f924af07d9f452893f5a96a62895d44df8b7"),
              (DialogueStateTracker, "generate_all_prior_trackers",
               "a1f6954347b52649a7b1054741338997d2369197d91acb2eab7f6b11d3855ed1"))),
    Patch(EndpointConfig, "request",
          source_sha256="ccdb778aed8208e23cde3c3f47eac7fbbbb735dac8f7ef7254d54451c64ad608",
          replacement=request_elsewhere,
          why="wait for other servers with the turn's place in the queue given up (bot.turns), "
              "and answer calls of the actions this process runs (bot.in_process_actions)"),
    Patch(EndpointConfig, "session",
          source_sha256="e55aa13d9d4fb4bc440ac33b870a97ee162b76dda7ccb6bf68433567475fdffb",
          replacement=kept_session,
          why="keep one session, and its connections, per endpoint instead of one per request"),
    Patch(DIETClassifier, "_predict",
          source_sha256="228b5091ebd1894b30d828ffe3f5e616c769f6fe1bc7161a3b7f9789244e3948",
          replacement=predict_intents_with_numpy,
          why="work DIET's intent scores out as the three matrix products its model is here, "
              "instead of through model data, a batch generator and a TensorFlow call",
          reproduces=(
              (DIET, "batch_predict",
               "3892283de893952575fe0714459c8f798aae6b2b7f6d1e9c14bd2a79ed66ca0b"),
              (DIET, "_batch_predict_intents",
               "2cda35fe805f96c0ec4bd38afd685a3f6aef1112028860d42e334ac4dcdd3add"),
              (TransformerRasaModel, "_last_token",
               "e0a8f835c0922982162dfa15e04f3058b2b2c6373422c350c74d4ddaf8836fc4"),
              (RasaSequenceLayer, "call",
               "3217207e10e361d874e40581638335baa937fd19a2b34608d04baf69e6d7ccd3"),
              (RasaFeatureCombiningLayer, "call",
               "43596eec16258ce001efd7391f31d471da0b5f4b164fc361b3f2e4f2f484a5c6"),
              (RasaFeatureCombiningLayer, "_combine_sentence_level_features",
               "92f2a7e869a3ad636b70266da5e8b79f209467794c31ce51981b9ece097fe269"),
              (RasaFeatureCombiningLayer, "_concat_sequence_sentence_features",
               "88d0459fbe18f9d4b2eadf73f9ec4d7f65f6a6ba06097727bc3148c6bb34c0d1"),
              (ConcatenateSparseDenseFeatures, "call",
               "c1424885600a626950fb2e9dd162728e60d2c88101552f50b8db19bab8a1ad64"),
              (ConcatenateSparseDenseFeatures, "_process_sparse_feature",
               "3b2e18fc65af17c5950308b85b4c1867a638dc5a1f7d68005b954210aa6cc18a"),
              (DenseForSparse, "call",
               "99a7e5e30148b563c980579bac86c6fff12df1543a9d87edf9f6e6064f250ad5"),
              (Embed, "call", "453572475f9509fd94a50d31a80d5362c9466f71109d970898526a5b5fc33041"),
              (DotProductLoss, "get_similarities_and_confidences_from_embeddings",
               "e018306b6c16c1a1c1bf1e69cdaf58812d7a37c2939a09b68f67e78dd49bd244"),
              (DotProductLoss, "sim",
               "68c643fe46a7dff61d43ae44ce37870b09a0b2702125645d1794a914e13ace13"),
              (Message, "get_sparse_features",
               "bc5b1f439be5f08ed0314891ae1c261abf5112bd7181b427b382d2144d01e806"))),
    Patch(RulePolicy, "_get_possible_keys",
          source_sha256="2915fd81711e194c6d667728e00bd0e51e9c1c2791a0be14c55f0ef9938f9936",
          replacement=possible_rule_keys,
          why="read each rule once per lookup instead of at every check of every prediction",
          reproduces=(
              (RulePolicy, "_is_rule_applicable",
               "64a108b016b46e573d6020b755a6036439dc207a364b45c9ea5dcb0f18dc7068"),
              (RulePolicy, "_does_rule_match_state",
               "d3109c1a97de319ceee17570d2d96b51c2fa0006379c5a491d5ed7df136666a7"))),
    Patch(Message, "_combine_features",
          source_sha256="6f88fa43154948bd3f5285324dcba76bf4f80a4a8632a02dff16cd0b0f9631fa",
          replacement=staticmethod(combine_sparse_at_once),
          why="join a message's sparse features in one step instead of one hstack per featurizer",
          reproduces=(
              (Features, "_combine_sparse_features",
               "9837d864e5983243704cf14616ef9abe181c6f141cc0f9b324c4310629cc133d"),)),
    Patch(DialogueStateTracker, "copy",
          source_sha256="dfa48dca9f355ad1b42c625bc6f6370bafe83514ed17a77904ed64c67bf07285",
          replacement=copy_from_state,
          why="duplicate a tracker from its state instead of replaying all its events",
          reproduces=(
              (DialogueStateTracker, "travel_back_in_time",
               "09d16f28f007492f653b504cf2b6064dc453444c524799378609a85b04efd632"),
              (DialogueStateTracker, "init_copy",
               "429fcd2243b9e0e1a6e8ffc3057a4f2fb4ecbb677055c644129bc65b6cd32b75"),
              (DialogueStateTracker, "__init__",
               "8f39eb22462aa62b140d9da1f6db986cbc76383d8f7cc4e3dc7664fa7d84cb2d"),
              (DialogueStateTracker, "_reset",
               "190858eaf560a0c0a86f45dca86498f8a9fada57ddb6c7dd1e68648c9779e103"))),
    Patch(FormAction, "_temporary_tracker",
          source_sha256="381bc4b6e07fc205a4189558635d11392464a81d89499188542246f8376d8ee7",
          replacement=temporary_tracker_from_state,
          why="duplicate the conversation from its state for a form's temporary tracker instead "
              "of replaying all its events",
          reproduces=(
              (DialogueStateTracker, "from_events",
               "820a9cbb7dd5ce34a71b4301469f81f00754683952fd7b306f46ea46a400eb62"),
              (DialogueStateTracker, "idx_after_latest_restart",
               "2d76399d37f8214d442dc634e60d306fb07ea978d3c2b50e30560247bff0ef0e"))),
    Patch(MessageProcessor, "log_message",
          source_sha256="f2f8ec66a291d83d783b7acda52bbc0cc2a093b27a67625d8b9882e95138fac1",
          replacement=log_message_understood_while_loading,
          why="understand a message while its conversation loads, when the NLU graph does not "
              "read the conversation",
          reproduces=(
              (MessageProcessor, "_handle_message_with_tracker",
               "f42e1ae303933d9ffed67c0b879a946d68bee26ab9c991676c62d9c0f7e374d2"),
              (MessageProcessor, "parse_message",
               "b98d8e49b9f2c433040af62752212dc374600d50cd21deec82386642b64d30dc"))),
    Patch(FailSafeTrackerStore, "retrieve",
          source_sha256="35d77318b0cc79771af3c667bc8c34cd5a56e494eaa8c4d713fd754b9d00d276",
          replacement=retrieve_unless_unavailable,
          why="let the conversation store say its database is away (the channel then apologises "
              "with a retry) instead of answering the message as a new conversation"),
)


ADDITIONS = (
    Addition(Slot, "__copy__", replacement=copy_slot,
             why="copy a slot by its attributes instead of through the pickling protocol",
             absent=COPY_HOOKS),
)


def apply_all() -> None:
    """Applies every patch and addition; raises PatchError, naming the function, if Rasa has
    changed."""
    for change in (*PATCHES, *ADDITIONS):
        change.apply()
