"""Masking personal data in free text (a callback's last turns, a rating's comment, the report's
unanswered messages): ID numbers, phones, long digit runs and e-mail addresses keep only their last
4 characters (bot.booking.identity.mask). An answer to a question for personal data is hidden
whole, since a name cannot be recognised by its shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.booking.identity import mask

# answers to these questions are personal data, whatever they look like
PERSONAL_SLOTS = frozenset({"applicant_name", "contact_phone", "id_number", "callback_phone"})
HIDDEN = "＊＊＊"
_PATTERNS = [
    re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),  # e-mail
    re.compile(r"(?<![A-Za-z])[A-Za-z]{1,2}\d{6}\s*\(?[0-9Aa]\)?"),  # HKID
    re.compile(r"(?<![A-Za-z])[HhMm]\d{8}(?:\d{2})?(?!\d)"),  # Home Return Permit
    re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"),  # residence permit, mainland ID
    re.compile(r"(?<!\d)[157]\d{6}\s*\(\d\)"),  # Macau ID with its check digit in brackets
    re.compile(r"\+?\d[\d\s\-()]{5,}\d"),  # phones and any other run of 7 or more digits
]


def mask_text(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: _mask_match(m.group(0)), text)
    return text


def _mask_match(found: str) -> str:
    if "@" in found:
        name, domain = found.split("@", 1)
        return f"{mask(name)}@{domain}"
    compact = re.sub(r"[\s\-()]", "", found)
    if sum(c.isdigit() for c in compact) < 7 and not re.search(r"[A-Za-z]", compact):
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
