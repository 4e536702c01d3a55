"""Whether and how a service can be done remotely, its materials, and browsing the catalog."""

from __future__ import annotations

from rasa_sdk import Action

from actions.base import AnswerAction
from bot import dialogue


class ActionAnswerEligibility(AnswerAction, Action):
    action_name = "action_answer_eligibility"
    decide = staticmethod(dialogue.answer_eligibility)


class ActionAnswerMaterials(AnswerAction, Action):
    action_name = "action_answer_materials"
    decide = staticmethod(dialogue.answer_materials)


class ActionListServices(AnswerAction, Action):
    action_name = "action_list_services"
    decide = staticmethod(dialogue.list_services)


class ActionHandleInform(AnswerAction, Action):
    action_name = "action_handle_inform"
    decide = staticmethod(dialogue.handle_inform)
