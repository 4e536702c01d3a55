"""The booking reference: how the booking service makes one, and how a message is read for one.

One format for the store that issues it and for understanding (bot/nlu/normaliser.py), which gives
a reference's canonical form as the entity ``booking_reference``.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "ACDEFGHJKLMNPQRTUVWXY3479"  # no 0/O, 1/I, 2/Z, 5/S, 8/B lookalikes

# Any letter or digit is read, not only the alphabet's, so a mistyped reference reaches the booking
# service and gets its "not found" answer. Not \b: Chinese characters are word characters, and
# "編號係JM-…" must match.
PATTERN = re.compile(r"(?<![A-Z0-9])JM[\s-]*([A-Z0-9]{4})[\s-]*([A-Z0-9]{4})(?![A-Z0-9])",
                     re.IGNORECASE)


def new_reference() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"JM-{chars[:4]}-{chars[4:]}"


def canonical(match: re.Match[str]) -> str:
    """A reference as the booking service knows it: "jm 4hkt9cxa" -> "JM-4HKT-9CXA"."""
    return f"JM-{match.group(1)}-{match.group(2)}".upper()
