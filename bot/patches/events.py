"""Event classes found by their name once (``Event.resolve_by_type``)."""

from __future__ import annotations

from functools import cache

from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses


@cache
def _event_classes() -> dict[str, type[Event]]:
    """Event type name -> class, in the order Rasa searches them (the first of a name wins)."""
    classes: dict[str, type[Event]] = {}
    for event_class in all_subclasses(Event):
        classes.setdefault(event_class.type_name, event_class)
    return classes


def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
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
