"""The custom actions that answer from the catalog run in the Rasa process itself.

A call to the action server cost a turn about 2.5 ms even for an action that does almost nothing
(``action_acknowledge``: 2.7 ms, of which 0.8 ms is the action server's round trip measured
alone): the tracker serialised, sent to another process that had gone idle, parsed and rebuilt
there, and the answer parsed and checked here. About half of all messages make exactly one such
call.

The actions in ``MODULES`` only read the turn and the catalog: answers, service points, small
talk, the next page of a long answer, the fallback, and what the call-back and rating
conversations say (the offer to rate, their forms' questions). They need nothing the action
server holds (the booking API's token, the centre's database), so the Rasa process runs them with
rasa_sdk's own executor, on the call Rasa would have sent, and hands Rasa the executor's answer in
place of the action server's; Rasa then checks and applies it as it always does
(``bot.patches.waiting.request_elsewhere`` routes the call). The call and the answer go through
JSON on the way, as over HTTP: the action sees exactly what the action server would see, and
cannot change the tracker Rasa is still using. Form validations, bookings, and storing call
backs and ratings stay on the action server, which still serves every action.
"""

from __future__ import annotations

import importlib
import inspect
from functools import cache
from typing import Any

import ujson
from rasa_sdk import Action
from rasa_sdk.executor import ActionExecutor

MODULES = ("actions.fallback", "actions.location", "actions.points", "actions.prompts",
           "actions.replies", "actions.services", "actions.small_talk")


@cache
def executor() -> ActionExecutor:
    """rasa_sdk's executor with the actions defined in ``MODULES``, and no others."""
    actions = ActionExecutor()
    for name in MODULES:
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Action) and cls.__module__ == name:
                actions.register_action(cls)
    return actions


def runs_here(body: Any) -> bool:
    """Whether ``body``, sent to the action endpoint, calls an action this process runs."""
    return isinstance(body, dict) and body.get("next_action") in executor().actions


async def run_here(body: dict[str, Any]) -> dict[str, Any] | None:
    """The action server's answer to ``body``, worked out here."""
    return _through_json(await executor().run(_through_json(body)))


def _through_json(value: Any) -> Any:
    return ujson.loads(ujson.dumps(value, ensure_ascii=False))
