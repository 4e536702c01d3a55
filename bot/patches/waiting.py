"""Rasa's HTTP calls to other servers (custom actions on the action server, and the notices
request) wait with the turn's place in the queue given up (``bot.turns``), so that other turns
compute meanwhile and a slow booking service holds up only the conversations that use it. A
call of an action this process runs itself (``bot.in_process_actions``) is answered here, and
keeps its place: it computes."""

from __future__ import annotations

from typing import Any

from rasa.utils.endpoints import EndpointConfig

from bot import in_process_actions
from bot.turns import waiting_elsewhere

# Rasa's own, taken when this module is imported: before bot.patches replaces it
_rasas_request = EndpointConfig.request


async def request_elsewhere(self: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
    body = kwargs.get("json")
    if not args and kwargs.get("subpath") is None and in_process_actions.runs_here(body):
        return await in_process_actions.run_here(body)
    return await waiting_elsewhere(_rasas_request(self, *args, **kwargs))
