"""Where the service points are, and how to reach a person."""

from __future__ import annotations

from rasa_sdk import Action

from actions.base import AnswerAction
from bot import dialogue


class ActionFindServicePoint(AnswerAction, Action):
    action_name = "action_find_service_point"
    decide = staticmethod(dialogue.find_service_point)


class ActionHumanHandoff(AnswerAction, Action):
    action_name = "action_human_handoff"
    decide = staticmethod(dialogue.human_handoff)
