"""Masking personal data in what staff read (a callback's last turns, a rating's comment, the
report's unanswered messages): phones and ID numbers as the conversation store masks them
(bot.privacy), plus e-mail addresses and any long run of digits. An answer to a question for
personal data is hidden whole, since a name cannot be recognised by its shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot import privacy
from bot.privacy import PERSONAL_SLOTS, mask

HIDDEN = "＊＊＊"
# Beyond the phone and ID shapes the conversation store masks (bot.privacy): what staff read
# (call-back turns, rating comments, the report) also hides e-mail addresses and any long number.
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_LONG_NUMBER = re.compile(r"\+?\d[\d\s\-()]{5,}\d")


def mask_text(text: str) -> str:
    text = _EMAIL.sub(lambda m: f"{mask(m.group(0).split('@')[0])}@{m.group(0).split('@')[1]}",
                      privacy.mask_text(text))
    return _LONG_NUMBER.sub(lambda m: _mask_number(m.group(0)), text)


def _mask_number(found: str) -> str:
    compact = re.sub(r"[\s\-()]", "", found)
    if sum(c.isdigit() for c in compact) < 7:
        return found  # a short number (a date, an amount) is not personal
    return mask(compact)


def last_turns(events: Iterable[dict[str, Any]], count: int) -> list[dict[str, str]]:
    """The last ``count`` user and bot messages, masked, oldest first."""
    turns: list[dict[str, str]] = []
    requested: str | None = None
    for event in events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "requested_slot":
            requested = event.get("value")
        elif kind == "user" and event.get("text"):
            text = event["text"]
            hidden = requested in PERSONAL_SLOTS
            turns.append({"from": "user", "text": HIDDEN if hidden else mask_text(text)})
        elif kind == "bot" and event.get("text"):
            turns.append({"from": "bot", "text": mask_text(event["text"])})
    return turns[-count:]
