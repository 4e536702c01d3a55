"""What to answer, given the user's latest message: the decisions behind each custom action.

Actions (actions/) turn a Rasa tracker into a ``Turn`` and an ``Outcome`` into events; everything
in between is here, on plain data, so it can be tested and reused by any channel:

- turn.py: the Turn (what NLU recognised once) and the Outcome, the slots that carry the topic;
- topic.py: which service a message is about (named, or carried from before);
- situations.py: what comes before the intent's own answer (our own question answered, a legal
  question, a complaint, a request not in the catalog, a Hong Kong/Macau system, Japanese);
- answers.py: the answer to each intent.
"""

from __future__ import annotations

from bot.dialogue.answers import (
    acknowledge,
    answer_eligibility,
    answer_materials,
    find_service_point,
    greet,
    handle_inform,
    human_handoff,
    list_services,
    not_understood,
)
from bot.dialogue.turn import Mention, Outcome, Turn
from bot.replies import Phrases, Reply, payload

__all__ = ["Mention", "Outcome", "Turn", "acknowledge", "answer_eligibility", "answer_materials",
           "error_reply", "find_service_point", "greet", "handle_inform", "human_handoff", "list_services",
           "not_understood"]


def error_reply(language: str, retry_payload: str | None) -> Reply:
    """Something failed on our side: say so, keep the question, offer a retry and a person."""
    phrases = Phrases(language)
    buttons = [phrases.button("retry", retry_payload)] if retry_payload else []
    buttons.append(phrases.button("human", payload("human_handoff")))
    return Reply(phrases("error"), buttons)
