"""The call back as one more route in the "talk to a person" answer (contract 3). Kept apart
and light, since bot/dialogue.py imports it."""

from __future__ import annotations

from bot.replies import Phrases, Reply, payload


def button(phrases: Phrases, key: str, intent_payload: str) -> dict[str, str]:
    """A button worded in messages.yml under staffdesk.buttons."""
    return {"title": phrases(f"staffdesk.buttons.{key}"), "payload": intent_payload}


def callback_button(phrases: Phrases, reason: str | None = None) -> dict[str, str]:
    return button(phrases, "callback" if reason is None else "call_me",
                  payload("request_callback", callback_reason=reason))


def with_callback_offer(reply: Reply, phrases: Phrases) -> Reply:
    """The answer with a call back in office hours as the last route, and its button."""
    return Reply("\n".join([reply.text, phrases("staffdesk.callback_offer")]),
                 [*reply.buttons, callback_button(phrases)])
