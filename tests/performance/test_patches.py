"""The patches to the installed Rasa (bot/patches/): still aimed at the right functions, and doing
what the functions they replace do."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.constants import SHOULD_NOT_BE_SET

from bot import patches
from bot.patches.action_results import validate_action_result

VALID_RESULT = {
    "events": [{"event": "slot", "name": "service", "value": "property_registration"},
               {"event": "action", "name": "action_listen"}],
    "responses": [{"text": "你好", "buttons": [{"title": "联系人工", "payload": "/human_handoff"}]}],
}


@pytest.mark.parametrize("patch", patches.PATCHES, ids=lambda patch: patch.name)
def test_each_patched_function_is_still_the_one_the_patch_was_written_for(patch: patches.Patch) -> None:
    """Fails when a Rasa upgrade moves or changes a patched function: review bot/patches/."""
    patch.check()


def test_a_moved_function_stops_the_server_instead_of_patching_blindly() -> None:
    moved = patches.Patch(RemoteAction, "_validate_action_result_moved", "0" * 64,
                          validate_action_result, "test")
    with pytest.raises(patches.PatchError, match="is gone"):
        moved.apply()
    changed = patches.Patch(RemoteAction, "_validate_action_result", "0" * 64,
                            validate_action_result, "test")
    with pytest.raises(patches.PatchError, match="not the function"):
        changed.apply()
    # a function whose steps a replacement copies is checked too
    copied_changed = patches.Patch(RemoteAction, "_validate_action_result",
                                   patches.PATCHES[0].source_sha256, validate_action_result,
                                   "test", reproduces=((RemoteAction, "run", "0" * 64),))
    with pytest.raises(patches.PatchError, match=r"RemoteAction\.run is not the function"):
        copied_changed.check()


@pytest.mark.parametrize("addition", patches.ADDITIONS, ids=lambda addition: addition.name)
def test_each_added_method_is_still_missing_from_rasa(addition: patches.Addition) -> None:
    """Fails when a Rasa upgrade defines what an addition adds or relies on being missing."""
    addition.check()


def test_an_added_method_stops_the_server_when_a_subclass_defines_a_hook() -> None:
    from bot.patches.slots import COPY_HOOKS, copy_slot

    # stand-ins: a subclass of Rasa's Slot would stay in Slot.__subclasses__() for later tests
    class Plain:
        def __init__(self) -> None:
            self.value = "陳大文"

    class Pickled(Plain):
        def __getstate__(self) -> dict[str, Any]:
            return {**self.__dict__, "pickled": True}

    with pytest.raises(patches.PatchError, match=r"Pickled now defines __getstate__"):
        patches.Addition(Plain, "__copy__", copy_slot, "test", absent=COPY_HOOKS).check()
    # an object of such a class, met after the start, is copied the default way
    assert copy_slot(Plain()).__dict__ == {"value": "陳大文"}
    assert copy_slot(Pickled()).__dict__ == {"value": "陳大文", "pickled": True}


def test_a_slot_copied_by_its_attributes_equals_the_pickling_protocols_copy() -> None:
    from rasa.shared.core.domain import Domain

    from bot.paths import REPO_ROOT

    domain = Domain.load(str(REPO_ROOT / "domain"))
    patches.apply_all()
    kinds = set()
    for slot in domain.slots:
        slot.value = {"list": ["a"], "bool": True, "float": 1.5}.get(slot.type_name, "x")
        rasas = copy._reconstruct(slot, None, *slot.__reduce_ex__(4))
        ours = copy.copy(slot)
        assert type(ours) is type(rasas) and ours is not slot
        assert ours.__dict__ == rasas.__dict__
        ours.value = None  # the copy's value is its own, its mappings shared as copy.copy's are
        assert slot.value is not None and ours.mappings is slot.mappings
        kinds.add(slot.type_name)
    assert {"text", "categorical", "bool", "list", "float", "any"} <= kinds


@pytest.fixture
def patched() -> RemoteAction:
    patches.apply_all()
    patches.apply_all()  # applying twice changes nothing
    return RemoteAction("action_answer", None)


ACCEPTED = [
    VALID_RESULT,
    {"events": [], "responses": []},
    {},
    {"events": [{"event": "user", "text": "你好", "parse_data": {
        "intent": {"name": "greet", "confidence": 0.9},
        "entities": [{"entity": "region", "value": "hk", "start": 0, "end": 2}]}},
        {"event": "active_loop", "name": None}, {"event": "reset_slots"},
        {"event": "bot", "text": "hi", "data": {}}, {"event": "followup", "name": "action_x"}]},
]


@pytest.mark.parametrize("result", ACCEPTED)
def test_the_patched_validator_accepts_what_rasa_accepts(patched: RemoteAction,
                                                         result: dict) -> None:
    jsonschema.validate(result, RemoteAction.action_response_format_spec())
    assert patched._validate_action_result(result) is True


@pytest.mark.parametrize("result", [
    {"events": [{"event": "slot", "name": "service"}]},  # a slot event without a value
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"name": "service", "value": 1}]},  # no event name
    {"events": ["slot"]},
    {"events": [{"event": "user", "parse_data": {"entities": [{"entity": "region"}]}}]},
    {"events": {"event": "slot"}},
    {"responses": "not a list"},
    "not an object",
])
def test_the_patched_validator_rejects_what_rasa_rejects_with_rasas_message(
        patched: RemoteAction, result: dict) -> None:
    with pytest.raises(jsonschema.ValidationError) as stock_error:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as patched_error:
        patched._validate_action_result(result)
    assert patched_error.value.message.startswith(stock_error.value.message)
    assert "Failed to validate Action server response" in patched_error.value.message


def test_the_patched_event_lookup_finds_what_rasa_finds() -> None:
    from rasa.shared.core.events import ActionExecuted, Event, SlotSet
    from rasa.shared.utils.common import all_subclasses

    patches.apply_all()
    names = {event_class.type_name for event_class in all_subclasses(Event)}
    original = patches._ORIGINALS["rasa.shared.core.events.Event.resolve_by_type"]
    for name in names:
        assert Event.resolve_by_type(name) is original(name), name
    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("no_such_event", ActionExecuted) is ActionExecuted
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
    assert Event.from_parameters({"event": "slot", "name": "a", "value": 1}) == SlotSet("a", 1)


class _Sum(GraphComponent):
    """A toy graph node: its config's number plus whatever its parents give it."""

    def __init__(self, number: int) -> None:
        self.number = number

    @classmethod
    def create(cls, config: dict[str, Any], **_: Any) -> _Sum:
        return cls(config["number"])

    def run(self, **parents: int) -> int:
        return self.number + sum(parents.values())


def _node(number: int, **needs: str) -> SchemaNode:
    return SchemaNode(needs=needs, uses=_Sum, constructor_name="create", fn="run",
                      config={"number": number}, eager=True, is_target=not needs)


def test_the_graph_runs_in_order_with_the_results_dask_gives(tmp_path: Path) -> None:
    schema = GraphSchema({
        "a": _node(1), "b": _node(10, a="a"), "c": _node(100, a="a", b="b"),
        "d": _node(1000, given="__input__"), "unrelated": _node(5),
    })
    runner = DaskGraphRunner(schema, LocalModelStorage(tmp_path), ExecutionContext(schema))
    patches.apply_all()
    by_dask = patches._ORIGINALS["rasa.engine.runner.dask.DaskGraphRunner.run"]
    for inputs, targets in [(None, ["c"]), (None, ["b", "c"]), ({"__input__": 7}, ["d"]),
                            ({"b": 50}, ["c"]), (None, None)]:
        assert runner.run(inputs, targets) == by_dask(runner, inputs, targets), (inputs, targets)
    assert runner.run(None, ["c"]) == {"c": 112}
    assert runner.run({"b": 50}, ["c"]) == {"c": 151}  # an input takes the place of its node
    with pytest.raises(GraphRunError, match="clashes with a node name"):
        runner.run({"x": "a"}, ["c"])


STATES_DOMAIN = """
intents: [greet, ask_materials, book, inform, affirm]
entities: [service]
slots:
  service: {type: text, influence_conversation: true, mappings: [{type: from_entity, entity: service}]}
  booking_slot: {type: text, influence_conversation: true, mappings: [{type: custom}]}
  requested_slot: {type: categorical, values: [service, booking_slot], influence_conversation: true,
                   mappings: [{type: custom}]}
actions: [action_answer_materials, validate_booking_form, utter_greet]
forms:
  booking_form: {required_slots: [service, booking_slot]}
"""


def _conversation() -> list[Any]:
    """Events that exercise the fold: user turns, slots, a form run several times (applied
    events undo earlier runs), turns hidden from ML, a reverted message, a restart."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActiveLoop,
        Restarted,
        SessionStarted,
        SlotSet,
        UserUtteranceReverted,
        UserUttered,
    )

    def user(text: str, intent: str, **entities: str) -> UserUttered:
        return UserUttered(text, {"name": intent},
                           [{"entity": k, "value": v} for k, v in entities.items()])

    return [ActionExecuted("action_session_start"), SessionStarted(),
            ActionExecuted("action_listen"), user("你好", "greet"),
            ActionExecuted("utter_greet", hide_rule_turn=True), ActionExecuted("action_listen"),
            user("要咩材料", "ask_materials", service="x"), SlotSet("service", "x"),
            ActionExecuted("action_answer_materials"), ActionExecuted("action_listen"),
            user("预约", "book"), ActionExecuted("booking_form"), ActiveLoop("booking_form"),
            SlotSet("requested_slot", "booking_slot"), ActionExecuted("action_listen"),
            user("听日", "inform"), ActionExecuted("booking_form"),
            SlotSet("booking_slot", "tomorrow"), ActionExecuted("action_listen"),
            user("乱讲", "affirm"), UserUtteranceReverted(), ActionExecuted("action_listen"),
            user("好", "affirm"), ActionExecuted("booking_form"), ActiveLoop(None),
            SlotSet("requested_slot", None), ActionExecuted("action_answer_materials"),
            ActionExecuted("action_listen"), Restarted(), ActionExecuted("action_listen"),
            user("你好", "greet"), ActionExecuted("utter_greet")]


def test_states_folded_per_event_equal_rasas_from_the_start() -> None:
    from rasa.core.featurizers.tracker_featurizers import TrackerFeaturizer
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.patches.states import _rasas_create_states

    patches.apply_all()
    domain = Domain.from_yaml(STATES_DOMAIN)
    rule_only = {"slots": ["booking_slot"], "loops": ["booking_form"]}
    arguments = [{}, {"omit_unset_slots": True},
                 {"ignore_rule_only_turns": True, "rule_only_data": rule_only}]
    tracker = DialogueStateTracker("folded", domain.slots)
    for event in _conversation():
        tracker.update(event, domain)
        copy = tracker.copy()  # another tracker of the same conversation, as a form makes
        for kwargs in arguments:
            if "rule_only_data" in kwargs:  # RulePolicy passes an equal dictionary, not the same
                kwargs = {**kwargs, "rule_only_data": dict(rule_only)}
            rasas = _rasas_create_states(tracker, domain, **kwargs)
            assert TrackerFeaturizer._create_states(tracker, domain, **kwargs) == rasas, event
            assert TrackerFeaturizer._create_states(copy, domain, **kwargs) == rasas, event
            again = TrackerFeaturizer._create_states(tracker, domain, **kwargs)
            assert again == rasas
            for state in again:  # what Rasa does to the list it gets
                state.get("user", {}).pop("intent", None)
            assert TrackerFeaturizer._create_states(tracker, domain, **kwargs) == rasas
    # a tracker that keeps its last events only: its deque stays as long as it takes more
    capped = DialogueStateTracker("capped", domain.slots, max_event_history=4)
    for event in _conversation():
        capped.update(event, domain)
        for kwargs in arguments[:2]:
            assert (TrackerFeaturizer._create_states(capped, domain, **kwargs)
                    == _rasas_create_states(capped, domain, **kwargs)), event


def _random_state(rng: random.Random, starts: bool) -> dict[str, dict[str, Any]]:
    """A state as RulePolicy sees one, from small vocabularies so that rules often fit."""
    state: dict[str, dict[str, Any]] = {}
    if not starts:
        state["prev_action"] = {"action_name": rng.choice(["action_listen", "a1", "a2"])}
    if rng.random() < 0.7:
        state["user"] = {"intent": rng.choice(["greet", "ask", "stop"])}
        if rng.random() < 0.4:
            state["user"]["entities"] = tuple(rng.sample(["service", "region"], rng.randint(1, 2)))
    slots = {name: rng.choice([(1.0,), (0.0,), SHOULD_NOT_BE_SET])
             for name in ("booking_slot", "region") if rng.random() < 0.5}
    if slots:
        state["slots"] = slots
    if rng.random() < 0.4:
        state["active_loop"] = {"name": rng.choice(["booking_form", SHOULD_NOT_BE_SET])}
    return state


def test_rules_read_once_fit_the_conversations_rasas_fit() -> None:
    from rasa.core.policies.rule_policy import RulePolicy

    patches.apply_all()
    rasas = next(p for p in patches.PATCHES if p.attribute == "_get_possible_keys").original()
    policy = RulePolicy.__new__(RulePolicy)  # the search uses no configuration
    rng = random.Random(2026)

    def rule(length: int) -> str:  # as RulePolicy keys its lookup: JSON, tuples become lists
        states = [_random_state(rng, starts=index == 0 and rng.random() < 0.3)
                  for index in range(length)]
        return json.dumps(states, sort_keys=True)

    lookup = {rule(rng.randint(1, 4)): "utter_x" for _ in range(150)}
    fitted = 0
    for round_ in range(300):
        states = [_random_state(rng, starts=index == 0) for index in range(rng.randint(1, 5))]
        found = policy._get_possible_keys(lookup, states)
        assert found == rasas(policy, lookup, states)
        fitted += len(found)
        if round_ % 50 == 49:  # Rasa edits its lookups while it trains: they are read again
            lookup.pop(next(iter(lookup)))
            lookup[rule(2)] = "utter_y"
    assert fitted > 300  # the rules fitted often enough for the comparison to mean something


def test_sparse_features_joined_at_once_equal_rasas_hstacks() -> None:
    import scipy.sparse
    from rasa.shared.nlu.training_data.features import Features

    from bot.patches.features import _rasas_combine, combine_sparse_at_once

    rng = np.random.default_rng(7)
    origins = ["regex", "words", "characters"]

    def features(rows: int, widths: tuple[int, ...], dtypes: tuple[Any, ...],
                 sparse_format: str = "coo") -> list[Features]:
        densities = (0.5, 0.02, 0.0)  # the last featurizer found nothing in the message
        return [Features(scipy.sparse.random(rows, width, density=densities[i], dtype=dtypes[i],
                                             format=sparse_format, random_state=rng),
                         "sequence", "text", origins[i])
                for i, width in enumerate(widths)]

    cases = [features(rows, (4, 2247, 8159), dtypes) for rows in (1, 3, 12)
             for dtypes in ((np.float64,) * 3, (np.float32, np.float64, np.float32))]
    cases += [features(5, (4, 30), (np.float32, np.float32)),
              features(2, (4, 30), (np.float64, np.float64), sparse_format="csr")]
    for case in cases:
        ours, rasas = combine_sparse_at_once(case, origins), _rasas_combine(case, origins)
        assert (ours.type, ours.attribute, ours.origin) == (rasas.type, rasas.attribute, rasas.origin)
        assert type(ours.features) is type(rasas.features)
        assert ours.features.shape == rasas.features.shape
        for part in ("row", "col", "data"):
            ours_part = getattr(ours.features.tocoo(), part)
            rasas_part = getattr(rasas.features.tocoo(), part)
            assert ours_part.dtype == rasas_part.dtype
            np.testing.assert_array_equal(ours_part, rasas_part)
    # what Rasa refuses, refused with Rasa's error
    mismatched = [*features(2, (4,), (np.float64,)), *features(3, (5,), (np.float64,))]
    with pytest.raises(ValueError, match="sequence dimensions do not match"):
        combine_sparse_at_once(mismatched, origins)


def _tracker_state(tracker: Any) -> dict[str, Any]:
    """Everything a tracker holds, in comparable form (an empty message compared as empty: Rasa
    makes a new one, with its own timestamp, on every reset)."""
    import dataclasses

    def event(value: Any) -> Any:
        if value is None or not getattr(value, "timestamp", None):
            return value
        return value if value in tracker.events else ("empty", type(value).__name__, value.text)

    return {
        "attributes": sorted(vars(tracker)),
        "events": [id(e) for e in tracker.events], "maxlen": tracker.events.maxlen,
        "sender": (tracker.sender_id, tracker.sender_source, tracker.is_rule_tracker),
        "slots": {name: (type(slot), slot.name, slot.value, slot._has_been_set)
                  for name, slot in tracker.slots.items()},
        "paused": tracker._paused, "followup": tracker.followup_action,
        "latest_action": tracker.latest_action,
        "latest_message": event(tracker.latest_message),
        "latest_bot_utterance": event(tracker.latest_bot_utterance),
        "active_loop": dataclasses.asdict(tracker.active_loop) if tracker.active_loop else None,
        "ids": (tracker.model_id, tracker.assistant_id),
    }


def _random_conversations(rng: random.Random
                          ) -> tuple[Any, Callable[[], Any], list[Callable[[], Any]]]:
    """A domain with a form, a maker of user messages, and makers of every kind of event, all
    drawing on ``rng``."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionExecutionRejected,
        ActionReverted,
        ActiveLoop,
        AllSlotsReset,
        BotUttered,
        ConversationPaused,
        ConversationResumed,
        DefinePrevUserUtteredFeaturization,
        EntitiesAdded,
        FollowupAction,
        LoopInterrupted,
        Restarted,
        SessionStarted,
        SlotSet,
        UserUtteranceReverted,
        UserUttered,
    )

    domain = Domain.from_yaml("""
version: "3.1"
intents: [ask, book]
slots:
  service: {type: text, mappings: [{type: custom}]}
  confirmed: {type: bool, mappings: [{type: custom}]}
  choices: {type: list, mappings: [{type: custom}]}
  count: {type: float, initial_value: 1.0, mappings: [{type: custom}]}
  requested_slot: {type: any, mappings: [{type: custom}]}
forms:
  booking_form: {required_slots: [service]}
""")

    def user() -> UserUttered:
        return UserUttered(rng.choice(["hi", "book", "改時間"]),
                           {"name": rng.choice(["ask", "book"]), "confidence": 1.0},
                           [{"entity": "service", "value": "x"}] if rng.random() < 0.3 else [])

    makers = [
        user, lambda: ActionExecuted("action_listen"),
        lambda: ActionExecuted(rng.choice(["action_answer", "booking_form", "utter_hi"])),
        lambda: SlotSet("service", rng.choice(["tax", None])),
        lambda: SlotSet("confirmed", rng.choice([True, False])),
        lambda: SlotSet("choices", ["a", "b"]), lambda: SlotSet("count", 3.0),
        lambda: SlotSet("requested_slot", rng.choice(["service", None])),
        lambda: ActiveLoop(rng.choice(["booking_form", None])),
        lambda: LoopInterrupted(rng.random() < 0.5),
        lambda: ActionExecutionRejected("booking_form"),
        lambda: FollowupAction("action_answer"), lambda: BotUttered("hello", {"buttons": []}),
        ConversationPaused, ConversationResumed, Restarted, AllSlotsReset, SessionStarted,
        UserUtteranceReverted, ActionReverted,
        lambda: DefinePrevUserUtteredFeaturization(rng.random() < 0.5),
        lambda: EntitiesAdded([{"entity": "region", "value": "hk"}]),
    ]
    return domain, user, makers


def test_a_tracker_copied_from_its_state_equals_rasas_replayed_copy() -> None:
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionExecutionRejected,
        ActiveLoop,
        LoopInterrupted,
        SlotSet,
    )
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.patches.copies import _rasas_copy, copy_from_state

    rng = random.Random(11)
    domain, user, makers = _random_conversations(rng)
    compared = 0
    for _ in range(150):
        tracker = DialogueStateTracker.from_events("c", [], domain.slots)
        for _ in range(rng.randint(0, 60)):
            tracker.update(rng.choice(makers)())
            if rng.random() < 0.3:
                ours, rasas = copy_from_state(tracker), _rasas_copy(tracker)
                assert _tracker_state(ours) == _tracker_state(rasas), list(tracker.events)
                compared += 1
        tracker.model_id = "model"  # the processor sets it on the trackers it loads
        assert _tracker_state(copy_from_state(tracker)) == _tracker_state(_rasas_copy(tracker))
    assert compared > 500
    # the duplicate is its own: changing it leaves the original as it was
    tracker.update_with_events([user(), ActiveLoop("booking_form")], domain)
    before = _tracker_state(tracker)
    duplicate = copy_from_state(tracker)
    duplicate.update_with_events([LoopInterrupted(True), ActionExecutionRejected("booking_form"),
                                  SlotSet("service", "changed"), ActionExecuted("action_answer"),
                                  user()], domain)
    assert _tracker_state(tracker) == before


def test_a_forms_temporary_tracker_from_state_equals_rasas_replay() -> None:
    from rasa.core.actions.forms import FormAction
    from rasa.shared.core.events import BotUttered, Restarted, SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.patches.forms import _rasas_temporary_tracker, temporary_tracker_from_state

    rng = random.Random(12)
    domain, user, makers = _random_conversations(rng)
    form = FormAction("booking_form", None)

    def state(tracker: DialogueStateTracker) -> dict[str, Any]:
        # the extra events are made anew by each: compared by value, the others by identity
        return {**_tracker_state(tracker), "events": list(tracker.events)}

    patches.apply_all()  # ours duplicates with the patched copy
    compared = {"from state": 0, "replayed": 0}
    for _ in range(150):
        tracker = DialogueStateTracker.from_events("c", [], domain.slots)
        for _ in range(rng.randint(0, 60)):
            tracker.update(rng.choice(makers)())
            if rng.random() < 0.3:
                extra = rng.choice([[], [SlotSet("service", "tax")],
                                    [user(), BotUttered("which?"), SlotSet("confirmed", True)]])
                ours = temporary_tracker_from_state(form, tracker, extra, domain)
                rasas = _rasas_temporary_tracker(form, tracker, extra, domain)
                assert state(ours) == state(rasas), list(tracker.events)
                restarted = any(isinstance(e, Restarted) for e in tracker.events)
                compared["replayed" if restarted else "from state"] += 1
    assert min(compared.values()) > 100, compared


def _trained_diet(tmp_path: Path, **config: Any) -> tuple[Any, list[Any]]:
    """A small DIET configured as config.yml's (with ``config`` on top), trained on the
    sentence-level features our pipeline gives it; and messages featurised for it."""
    import yaml
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
        CountVectorsFeaturizer,
    )
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.constants import INTENT, TEXT
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.nlu.sentence_features import SentenceCountVectorsFeaturizer, SentenceFeaturesOnly

    pipeline = yaml.safe_load((Path(__file__).parents[2] / "config.yml").read_text("utf-8"))
    diet_config = next(c for c in pipeline["pipeline"] if c["name"] == "DIETClassifier")
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}))

    def made(kind: type, settings: dict[str, Any]) -> Any:
        return kind.create({**kind.get_default_config(), **settings}, storage,
                           Resource(f"{kind.__name__}{len(settings)}"), context)

    # Rasa's featurizer gives token features too, which SentenceFeaturesOnly makes a placeholder
    featurizers = [made(CountVectorsFeaturizer, {}),
                   made(SentenceCountVectorsFeaturizer,
                        {"analyzer": "char_wb", "min_ngram": 1, "max_ngram": 3})]
    diet = made(DIETClassifier, {**{k: v for k, v in diet_config.items() if k != "name"},
                                 "epochs": 5, **config})
    texts = {"ask_materials": ["what do I need to transfer my flat", "materials for the tax form",
                               "what documents for a birth certificate"],
             "find_service_point": ["where is the service point", "address of the Macau zone",
                                    "where can I go in Hong Kong"],
             "greet": ["hello there", "hi", "good morning"]}
    data = TrainingData([Message({TEXT: text, INTENT: intent})
                         for intent, examples in texts.items() for text in examples])
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    tokenizer.process_training_data(data)
    for featurizer in featurizers:
        featurizer.train(data)
        featurizer.process_training_data(data)
    only_sentences = SentenceFeaturesOnly.create({}, storage, Resource("only"), context)
    only_sentences.process_training_data(data)
    diet.train(data)
    messages = [Message({TEXT: text}) for text in
                ("where do I transfer property", "hello", "tax", "zzz unknown words", "Macau")]
    for message in messages:
        tokenizer.process([message])
        for featurizer in featurizers:
            featurizer.process([message])
        only_sentences.process([message])
    return diet, messages


def test_intent_scores_from_the_products_equal_diets_tensorflow_graph(tmp_path: Path) -> None:
    from bot.patches.intents import _PRODUCTS, _rasas_predict, predict_intents_with_numpy

    patches.apply_all()
    diet, messages = _trained_diet(tmp_path)
    for message in messages:
        rasas = _rasas_predict(diet, message)["i_scores"]
        ours = predict_intents_with_numpy(diet, message)["i_scores"]
        assert ours.shape == rasas.shape and ours.dtype == rasas.dtype
        np.testing.assert_allclose(ours, rasas, rtol=0, atol=1e-6)
        assert ours.argmax() == rasas.argmax()
    assert _PRODUCTS[diet.model] is not None  # the products, not Rasa's way, were compared


def test_a_diet_of_another_shape_predicts_rasas_way(tmp_path: Path) -> None:
    from bot.patches.intents import _PRODUCTS, _rasas_predict, predict_intents_with_numpy

    patches.apply_all()
    diet, messages = _trained_diet(tmp_path, number_of_transformer_layers=1, epochs=1)
    for message in messages[:2]:
        np.testing.assert_array_equal(predict_intents_with_numpy(diet, message)["i_scores"],
                                      _rasas_predict(diet, message)["i_scores"])
    assert _PRODUCTS[diet.model] is None
