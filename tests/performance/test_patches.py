"""The patches to the installed Rasa (bot/patches.py): still aimed at the right functions, and
keeping the checks they make cheaper."""

from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot import patches

VALID_RESULT = {
    "events": [{"event": "slot", "name": "service", "value": "property_registration"},
               {"event": "action", "name": "action_listen"}],
    "responses": [{"text": "你好", "buttons": [{"title": "联系人工", "payload": "/human_handoff"}]}],
}


@pytest.mark.parametrize("patch", patches.PATCHES, ids=lambda patch: patch.name)
def test_each_patched_function_is_still_the_one_the_patch_was_written_for(patch: patches.Patch) -> None:
    """Fails when a Rasa upgrade moves or changes a patched function: review bot/patches.py."""
    patch.check()


def test_a_moved_function_stops_the_server_instead_of_patching_blindly() -> None:
    moved = patches.Patch(RemoteAction, "_validate_action_result_moved", "0" * 64,
                          patches._validate_action_result, "test")
    with pytest.raises(patches.PatchError, match="is gone"):
        moved.apply()
    changed = patches.Patch(RemoteAction, "_validate_action_result", "0" * 64,
                            patches._validate_action_result, "test")
    with pytest.raises(patches.PatchError, match="not the function"):
        changed.apply()


@pytest.fixture
def patched() -> RemoteAction:
    patches.apply_all()
    patches.apply_all()  # applying twice changes nothing
    return RemoteAction("action_answer", None)


def test_the_patched_validator_accepts_what_rasa_accepts(patched: RemoteAction) -> None:
    assert patched._validate_action_result(VALID_RESULT) is True
    jsonschema.validate(VALID_RESULT, RemoteAction.action_response_format_spec())


@pytest.mark.parametrize("result", [
    {"events": [{"event": "slot", "name": "service"}]},  # a slot event without a value
    {"events": [{"event": "no_such_event"}]},
    {"responses": "not a list"},
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
