"""A conversation's states worked out once per point of the turn
(``TrackerFeaturizer._create_states``).

RulePolicy predicts each next action twice, once reading the last message's text and once its
intent, and each time turns the whole (windowed) conversation into a list of states, replaying
every event: the same work for the same events. The states of a tracker are kept on it with what
they were made from (how many events, the last one, the arguments), and a second call for the
same returns a copy: Rasa edits the list it gets (it drops the text or the intent of user turns).
A tracker with one more event, or another tracker (a copy, a rewind), is worked out again.
"""

from __future__ import annotations

from typing import Any

from rasa.core.featurizers.tracker_featurizers import TrackerFeaturizer
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.trackers import DialogueStateTracker

_KEPT = "_jiangmen_states"  # the attribute on the tracker

# Rasa's own, taken when this module is imported: before bot.patches replaces it
_rasas_create_states = TrackerFeaturizer._create_states


def create_states_once(tracker: DialogueStateTracker, domain: Domain,
                       omit_unset_slots: bool = False, ignore_rule_only_turns: bool = False,
                       rule_only_data: dict[str, Any] | None = None) -> list[State]:
    made_from = (len(tracker.events), tracker.events[-1] if tracker.events else None, domain,
                 omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    kept = tracker.__dict__.get(_KEPT)
    if kept is None or not _same(kept[0], made_from):
        kept = (made_from, _rasas_create_states(tracker, domain, omit_unset_slots,
                                                ignore_rule_only_turns, rule_only_data))
        tracker.__dict__[_KEPT] = kept
    return [{name: dict(sub_state) for name, sub_state in state.items()} for state in kept[1]]


def _same(kept: tuple[Any, ...], now: tuple[Any, ...]) -> bool:
    """The same objects (events, domain, rule data are compared by identity, not value)."""
    return kept[0] == now[0] and all(a is b for a, b in zip(kept[1:], now[1:], strict=True))
