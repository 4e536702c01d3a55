"""Yes, no and thanks: the answer to the bot's "do you mean ...?", small talk, or a question that
NLU read as one of them (bot.dialogue.acknowledge decides)."""

from __future__ import annotations

from rasa_sdk import Action

from actions.base import AnswerAction
from bot import dialogue


class ActionAcknowledge(AnswerAction, Action):
    action_name = "action_acknowledge"
    decide = staticmethod(dialogue.acknowledge)
