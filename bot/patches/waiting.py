"""Rasa's HTTP calls to other servers (custom actions on the action server, and the notices
request) wait with the turn's place in the queue given up (``bot.turns``), so that other turns
compute meanwhile and a slow booking service holds up only the conversations that use it."""

from __future__ import annotations

from typing import Any

from rasa.utils.endpoints import EndpointConfig

from bot.turns import waiting_elsewhere

# Rasa's own, taken when this module is imported: before bot.patches replaces it
_rasas_request = EndpointConfig.request


async def request_elsewhere(self: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
    return await waiting_elsewhere(_rasas_request(self, *args, **kwargs))
