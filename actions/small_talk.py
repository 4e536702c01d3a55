"""Hello, yes, no and thanks: small talk, the answer to the bot's "do you mean ...?", or a question
that NLU read as one of them (bot.dialogue.greet and bot.dialogue.acknowledge decide)."""

from __future__ import annotations

from rasa_sdk import Action

from actions.base import AnswerAction
from bot import dialogue


class ActionAcknowledge(AnswerAction, Action):
    action_name = "action_acknowledge"
    decide = staticmethod(dialogue.acknowledge)


class ActionGreet(AnswerAction, Action):
    action_name = "action_greet"
    decide = staticmethod(dialogue.greet)
