"""A conversation's states worked out once per event (``TrackerFeaturizer._create_states``).

To predict each next action RulePolicy turns the whole (windowed) conversation into a list of
states, replaying every event from the start (``Domain.states_for_tracker_history`` over
``DialogueStateTracker.generate_all_prior_trackers``): twice per prediction (once reading the
last message's text, once its intent) and about three predictions a message, each on the same
events plus the few the turn has added. That was 1.6 ms of each message here, growing with the
window.

That replay is a fold over the tracker's applied events: the states so far, a tracker replayed up
to there, and two flags. The fold is kept, per conversation and arguments, with the events it has
taken in; a later call whose applied events begin with those same events (the same objects, so
within one turn: each turn loads the conversation anew) goes on from there, and anything else (a
rewind, a reverted event, a form undoing its last run) starts again from the first event. With
400 held-out messages, 3.3 replays from the start a message became 1.1, and the states' share of
a message 1.74 -> 1.24 ms. The second call of a prediction, on the same tracker with no new event,
does not work the applied events out again either (``DialogueStateTracker.applied_events`` was
2.7 % of a Rasa worker's busy time at 50 senders). The steps are Rasa's own (``get_active_state``
and the rule-only helpers), in Rasa's order; ``Patch.reproduces`` checks that the two functions
copied here are still the ones they were copied from, and a test compares the result with Rasa's
over whole conversations. Callers get copies: Rasa edits the list it gets (it drops the text or
the intent of user turns).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from rasa.core.featurizers.tracker_featurizers import TrackerFeaturizer
from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import Domain, State, SubState
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.trackers import DialogueStateTracker

# conversations whose folds are kept in a process; a turn needs only its own
KEPT_FOLDS = 256

# Rasa's own, taken when this module is imported: before bot.patches replaces it
_rasas_create_states = TrackerFeaturizer._create_states


@dataclass
class _Fold:
    """``states_for_tracker_history`` stopped after the events in ``taken``."""

    domain: Domain
    omit_unset_slots: bool
    ignore_rule_only_turns: bool
    rule_only_data: dict[str, Any] | None
    replayed: DialogueStateTracker
    taken: list[Event] = field(default_factory=list)
    # the tracker's own events when the fold last caught up with them: the deque, its length and
    # its last event (a deque with a maximum length keeps its length as it takes more)
    seen: Any = None
    seen_count: int = 0
    seen_last: Event | None = None
    states: list[State] = field(default_factory=list)
    last_ml_action_sub_state: SubState | None = None
    turn_was_hidden: bool = False

    def goes_on_to(self, domain: Domain, rule_only_data: dict[str, Any] | None,
                   applied: list[Event]) -> bool:
        return (self.domain is domain and self.rule_only_data == rule_only_data
                and len(applied) >= len(self.taken)
                and all(a is b for a, b in zip(self.taken, applied, strict=False)))

    def has_seen(self, domain: Domain, rule_only_data: dict[str, Any] | None,
                 events: Any) -> bool:
        """Whether ``events`` (a tracker's deque, which Rasa only appends to) are those the fold
        last caught up with: right after a user message, RulePolicy asks twice for the same
        tracker's states, once reading the message's text and once its intent."""
        return (self.seen is events and self.seen_count == len(events)
                and (not events or events[-1] is self.seen_last) and self.domain is domain
                and self.rule_only_data == rule_only_data)

    def take(self, events: list[Event]) -> None:
        for event in events:
            if isinstance(event, ActionExecuted):
                self._step(event.hide_rule_turn)
            self.replayed.update(event)
            self.taken.append(event)

    def states_to_now(self) -> list[State]:
        """The states so far and the one after the last event, which later events may change."""
        ending = dataclasses.replace(self, states=list(self.states))
        ending._step(False)
        return ending.states

    def _step(self, hide_rule_turn: bool) -> None:
        """One pass of the loop in ``Domain.states_for_tracker_history``, before the next event."""
        domain, replayed, states = self.domain, self.replayed, self.states
        if self.ignore_rule_only_turns:
            if not self.turn_was_hidden:
                self.last_ml_action_sub_state = domain._get_prev_action_sub_state(replayed)
            if (not replayed.followup_action
                    and replayed.latest_action_name != replayed.active_loop_name):
                self.turn_was_hidden = hide_rule_turn
            if self.turn_was_hidden:
                return
        state = domain.get_active_state(replayed, omit_unset_slots=self.omit_unset_slots)
        if self.ignore_rule_only_turns:
            domain._remove_rule_only_features(state, self.rule_only_data)
            if states:
                domain._substitute_rule_only_user_input(state, states[-1])
            if self.last_ml_action_sub_state:
                state[PREVIOUS_ACTION] = self.last_ml_action_sub_state
        states.append(domain._clean_state(state))


# (conversation, omit_unset_slots, ignore_rule_only_turns) -> its fold, least recently used first
_FOLDS: OrderedDict[tuple[str, bool, bool], _Fold] = OrderedDict()


def create_states_once(tracker: DialogueStateTracker, domain: Domain,
                       omit_unset_slots: bool = False, ignore_rule_only_turns: bool = False,
                       rule_only_data: dict[str, Any] | None = None) -> list[State]:
    key = (tracker.sender_id, omit_unset_slots, ignore_rule_only_turns)
    fold = _FOLDS.pop(key, None)
    if fold is None or not fold.has_seen(domain, rule_only_data, tracker.events):
        applied = tracker.applied_events()
        if fold is None or not fold.goes_on_to(domain, rule_only_data, applied):
            fold = _Fold(domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data,
                         tracker.init_copy())
        fold.take(applied[len(fold.taken):])
        events = tracker.events
        fold.seen, fold.seen_count, fold.seen_last = events, len(events), events[-1] if events else None
    _FOLDS[key] = fold
    while len(_FOLDS) > KEPT_FOLDS:
        _FOLDS.popitem(last=False)
    return [{name: dict(sub_state) for name, sub_state in state.items()}
            for state in fold.states_to_now()]
