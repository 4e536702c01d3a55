"""The nearest service points to a location the widget or WeChat shares (contract 2).

``/share_location{"latitude": 22.58, "longitude": 113.08}``: the entities are read once, checked,
and bot.replies.location answers; no usable coordinates get the region buttons instead.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action

from actions.base import AnswerAction
from bot.catalog import Catalog
from bot.catalog.geo import Position
from bot.catalog.search import resolve
from bot.dialogue import Outcome, Turn
from bot.replies import Phrases
from bot.replies.location import nearest


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def share_location(catalog: Catalog, turn: Turn) -> Outcome:
    position = Position.of(_first(turn.entities.get("latitude")),
                           _first(turn.entities.get("longitude")))
    service_id = resolve(catalog, "services", _first(turn.slots.get("service")))
    service = catalog.services[service_id] if service_id else None
    return Outcome(nearest(catalog, Phrases(turn.language), position, service))


class ActionShareLocation(AnswerAction, Action):
    action_name = "action_share_location"
    decide = staticmethod(share_location)
