"""Small, documented patches to the installed Rasa, applied once when our server starts.

The project cannot edit the installed package, so a fix it needs before upstream has it is applied
here, at start (``bot.server.main`` calls ``apply_all``). Each patch:

- names the function it replaces and why;
- keeps what the function does, and only changes what it costs;
- checks, before patching, that the function is still the one it was written against (a hash of
  its source). A Rasa upgrade that moves or changes it makes ``apply_all`` raise at start, and
  ``tests/test_patches.py`` fail, rather than patching the wrong thing or silently running
  unpatched. Then check whether upstream fixed it, and drop or rewrite the patch.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

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

    @property
    def name(self) -> str:
        return f"{self.owner.__module__}.{self.owner.__qualname__}.{self.attribute}"

    def original(self) -> Callable[..., Any]:
        if self.name in _ORIGINALS:
            return _ORIGINALS[self.name]
        original = self.owner.__dict__.get(self.attribute)
        if original is None:
            raise PatchError(f"{self.name} is gone: Rasa changed; review bot/patches.py")
        return original.__func__ if isinstance(original, staticmethod) else original

    def check(self) -> None:
        source = inspect.getsource(self.original())
        digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
        if digest != self.source_sha256:
            raise PatchError(f"{self.name} is not the function this patch was written against "
                             f"(source sha256 {digest}); review bot/patches.py")

    def apply(self) -> None:
        self.check()
        if self.owner.__dict__[self.attribute] is not self.replacement:
            _ORIGINALS[self.name] = self.original()
            setattr(self.owner, self.attribute, self.replacement)
            logger.info("patched %s: %s", self.name, self.why)


# name -> the function a patch replaced
_ORIGINALS: dict[str, Callable[..., Any]] = {}


@cache
def action_result_validator() -> jsonschema.protocols.Validator:
    """The validator of action-server responses, built once: the schema is a constant, so its
    check against the metaschema, which ``jsonschema.validate`` repeats on every call, runs once."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with the validator built once.

    Same check and same error as the original (``jsonschema.validate`` is ``check_schema`` +
    ``best_match(iter_errors)``); the message suffix is Rasa's own.
    """
    error = best_match(action_result_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from the "
        "Action endpoint is valid. For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions")
    raise error


@cache
def _event_classes() -> dict[str, type[Event]]:
    """Event type name -> class, in the order Rasa searches them (the first of a name wins)."""
    classes: dict[str, type[Event]] = {}
    for event_class in all_subclasses(Event):
        classes.setdefault(event_class.type_name, event_class)
    return classes


def _resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    """``Event.resolve_by_type`` with the classes looked up once: Rasa walks every subclass of
    Event, for every event it reads (each stored event of a conversation, each event an action
    returns). A name not found is searched again, as Rasa does (a class imported later)."""
    event_class = _event_classes().get(type_name)
    if event_class is None:
        _event_classes.cache_clear()
        event_class = _event_classes().get(type_name)
    if event_class is not None:
        return event_class
    if type_name == "topic":
        return None  # Rasa's own backwards compatibility for the old TopicSet events
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


PATCHES = (
    Patch(RemoteAction, "_validate_action_result",
          source_sha256="f8cdb4be6812396167ced74161b2ccd65c5ea676ad86d7d359d8c322d9d8dc42",
          replacement=_validate_action_result,
          why="validate action-server responses with a validator compiled once (RasaHQ/rasa#11717)"),
    Patch(Event, "resolve_by_type",
          source_sha256="b5cf570fa7f286c7059ec73d8880528d03a78b28cf4e80285a46079c0fa65968",
          replacement=staticmethod(_resolve_by_type),
          why="find event classes by name without walking every Event subclass each time"),
)


def apply_all() -> None:
    """Applies every patch; raises PatchError, naming the function, if Rasa has changed."""
    for patch in PATCHES:
        patch.apply()
