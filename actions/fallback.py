"""Messages the bot did not understand or cannot help with: still a way forward."""

from __future__ import annotations

from functools import partial

from rasa_sdk import Action

from actions.base import AnswerAction
from bot import dialogue


class ActionOutOfScope(AnswerAction, Action):
    action_name = "action_out_of_scope"
    decide = staticmethod(partial(dialogue.not_understood, response="utter_out_of_scope"))


class ActionFallback(AnswerAction, Action):
    action_name = "action_fallback"
    decide = staticmethod(partial(dialogue.not_understood, response="utter_default"))
