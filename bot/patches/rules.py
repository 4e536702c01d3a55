"""RulePolicy's search for the rules that fit a conversation (``RulePolicy._get_possible_keys``),
with each rule read once.

At every prediction RulePolicy goes back through the conversation's states, latest first, and
keeps the rules whose state at that distance fits (``_is_rule_applicable``, then
``_does_rule_match_state``). For each rule and each state it looks the rule up in a cache of
parsed JSON, copies its states in reverse, and walks each sub-state, turning lists into tuples:
about 0.9 ms of a message, for about 140 rules.

Here each rule is read once per lookup into what those two functions check, in their order:
whether the state has a previous action, and the (state type, name, value) pairs that must be
equal, or, for ``SHOULD_NOT_BE_SET``, must be unset. Values Rasa skips (empty ones) are left out.
The search then does the same steps on that. A lookup's rules are read again when its keys change
(Rasa builds and edits lookups while it trains).
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET

# a rule state as checked: (has a previous action, ((state type, name, value, must be unset), ...))
RuleState = tuple[bool, tuple[tuple[str, str, Any, bool], ...]]


def _checked(rule_state: dict[str, dict[str, Any]]) -> RuleState:
    """What ``_does_rule_match_state`` compares, taken out of one state of a rule."""
    checks = []
    for state_type, sub_state in rule_state.items():
        for name, value in sub_state.items():
            if isinstance(value, list):  # JSON gives tuples back as lists
                value = tuple(value)
            if value == SHOULD_NOT_BE_SET:
                checks.append((state_type, name, None, True))
            elif value:
                checks.append((state_type, name, value, False))
    return bool(rule_state.get(PREVIOUS_ACTION)), tuple(checks)


def _read_rules(policy: RulePolicy, lookup: dict[str, Any]
                ) -> dict[str, tuple[RuleState, ...]]:
    """Each rule key's states, latest first, as checked; kept on the policy per lookup."""
    kept = policy.__dict__.setdefault("_rules_read_once", {})
    keys, rules = kept.get(id(lookup), (None, None))
    if rules is None or lookup.keys() != keys:
        rules = {key: tuple(_checked(state)
                            for state in reversed(RulePolicy._rule_key_to_state(key)))
                 for key in lookup}
        kept[id(lookup)] = (frozenset(lookup), rules)
    return rules


def _fits(state: dict[str, dict[str, Any]],
          checks: tuple[tuple[str, str, Any, bool], ...]) -> bool:
    for state_type, name, value, must_be_unset in checks:
        found = state.get(state_type, {}).get(name)
        if must_be_unset:
            if found and found != SHOULD_NOT_BE_SET:
                return False
        elif found != value:
            return False
    return True


def possible_rule_keys(self: RulePolicy, lookup: dict[str, Any],
                       states: list[dict[str, dict[str, Any]]]) -> set[str]:
    """``RulePolicy._get_possible_keys``: the keys of ``lookup`` whose rule fits ``states``."""
    rules = _read_rules(self, lookup)
    possible = list(rules)
    for distance, state in enumerate(reversed(states)):
        has_previous_action = bool(state.get(PREVIOUS_ACTION))
        kept = []
        for key in possible:
            rule_states = rules[key]
            if distance >= len(rule_states):  # the rule is shorter: it fitted all of itself
                kept.append(key)
                continue
            rule_has_previous_action, checks = rule_states[distance]
            if not rule_has_previous_action and not has_previous_action:
                kept.append(key)  # both start a conversation
            elif rule_has_previous_action and has_previous_action and _fits(state, checks):
                kept.append(key)
        possible = kept
    return set(possible)
