"""The check of action-server responses (``RemoteAction._validate_action_result``), made cheap.

Rasa checks every response of the action server against a JSON schema with
``jsonschema.validate``, which first checks the schema itself against the metaschema, on every call
(RasaHQ/rasa#11717), and then checks each returned event against every event schema in a ``oneOf``
of about twenty. Here:

- the validator is built once;
- each event is checked against the schemas for its own ``event`` name only. The event schemas
  differ by a ``const`` on ``event``, which is required, so a schema for another name can never
  match: "exactly one of all" and "exactly one of those for this name" accept the same events;
- a response that fails that check is checked again by the whole schema, which gives the error
  Rasa gives (and, should the two ever disagree, has the last word).
"""

from __future__ import annotations

import copy
from collections import defaultdict
from functools import cache
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


def _compiled(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


@cache
def action_result_validator() -> jsonschema.protocols.Validator:
    """The validator of the whole response schema, built once."""
    return _compiled(RemoteAction.action_response_format_spec())


class _ByEventName:
    """The response schema split in two: the response without its events, and per event name the
    schema an event of that name must match."""

    def __init__(self, schema: dict[str, Any]) -> None:
        response = copy.deepcopy(schema)
        event_schema = response["properties"]["events"].pop("items")
        self.response = _compiled(response)
        alternatives: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for alternative in event_schema["oneOf"]:
            alternatives[alternative["properties"]["event"]["const"]].append(alternative)
        self.events = {name: _compiled({**event_schema, "oneOf": these})
                       for name, these in alternatives.items()}

    def accepts(self, result: Any) -> bool:
        if not self.response.is_valid(result):
            return False
        for event in result.get("events") or []:
            validator = self.events.get(event.get("event")) if isinstance(event, dict) else None
            if validator is None or not validator.is_valid(event):
                return False
        return True


@cache
def _by_event_name() -> _ByEventName:
    return _ByEventName(RemoteAction.action_response_format_spec())


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result``: the same check and the same error as Rasa's
    (``jsonschema.validate`` is ``check_schema`` + ``best_match(iter_errors)``); the message suffix
    is Rasa's own."""
    if _by_event_name().accepts(result):
        return True
    error = best_match(action_result_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from the "
        "Action endpoint is valid. For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions")
    raise error
