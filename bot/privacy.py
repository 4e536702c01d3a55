"""Masking the applicant's personal data wherever text is kept: conversations and logs.

- ``mask_text``: phone numbers (Hong Kong, Macau, mainland) and ID numbers (HKID, Macau ID, Home
  Return Permit, mainland ID and residence permit) are recognised by their shape, and values the
  caller already knows (a name typed when the bot asked for it) by their text. Only the last 4
  characters stay: ``+852 ****4567``, ``****4563``, ``陳**``.
- ``install_log_masking``: every log record of this process is masked when it is created, so
  Rasa's, Sanic's and our own loggers write masked text whatever handler formats them.

Full-width digits and letters (Chinese input methods type them) are recognised like ASCII ones.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

# Slots whose values are personal data: what a user types while the bot asks for one of them is
# personal data as a whole, whatever it looks like (a name has no shape to recognise).
PERSONAL_SLOTS = frozenset({"applicant_name", "contact_phone", "id_number", "callback_phone"})

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_SEP = r"[ \-]?"
# Not inside a longer word or number, and not a part of a code like JM-2345-6789 or a UUID.
_BEFORE = r"(?<![0-9A-Za-z])(?<![0-9A-Za-z]-)"
_AFTER = r"(?![0-9A-Za-z])(?!-[0-9A-Za-z])"
_PERSONAL_NUMBER = re.compile(
    _BEFORE + "(?:"
    + r"(?P<code>(?:\+|00)? ?(?:852|853))[ \-]?(?P<hk>\d{4}" + _SEP + r"\d{4})"
    + r"|(?P<cn_code>(?:\+|00)? ?86)[ \-]?(?P<cn>1\d{2}" + _SEP + r"\d{4}" + _SEP + r"\d{4})"
    + r"|\d{17}[\dX]"                                 # mainland ID, residence permit
    + r"|[HM]\d{8}(?:\d{2})?"                         # Home Return Permit
    + r"|[A-Z]{1,2}\d{6} ?[(（]?[\dA][)）]?"            # HKID: A123456(3)
    + r"|[157]\d{6} ?[(（]\d[)）]"                     # Macau ID: 1234567(8)
    + r"|1\d{2}" + _SEP + r"\d{4}" + _SEP + r"\d{4}"  # mainland mobile
    + r"|\d{4}" + _SEP + r"\d{4}"                     # Hong Kong or Macau phone, Macau ID
    + ")" + _AFTER,
    re.IGNORECASE)
# Tokens in URLs that servers log (Rasa's API and action server take ?token=).
_URL_SECRET = re.compile(r"([?&](?:token|access_token)=)[^&\s'\"]+", re.IGNORECASE)
# Known values shorter than this (a one-character name) would mask unrelated text.
MIN_KNOWN_LENGTH = 2


def _mask_number(match: re.Match[str]) -> str:
    for code, number in (("code", "hk"), ("cn_code", "cn")):
        if match.group(code):
            return f"{match.group(code)} {mask(_alphanumerics(match.group(number)))}"
    return mask(_alphanumerics(match.group(0)))


def _alphanumerics(text: str) -> str:
    return "".join(c for c in text.translate(_FULL_WIDTH) if c.isalnum()).upper()


def mask_numbers(text: str) -> str:
    """``text`` with every phone and ID number masked."""
    normalised = text.translate(_FULL_WIDTH)  # one character for one: spans stay the same
    pieces: list[str] = []
    last = 0
    for match in _PERSONAL_NUMBER.finditer(normalised):
        pieces += [text[last:match.start()], _mask_number(match)]
        last = match.end()
    return "".join(pieces) + text[last:] if pieces else text


def mask(value: str) -> str:
    """A personal number as it is kept and shown: only the last 4 characters show."""
    return "*" * max(len(value) - 4, 2) + value[-4:]


def mask_name(name: str) -> str:
    """A name with only its first character showing: 陳大文 -> 陳**."""
    name = name.strip()
    return name[:1] + "*" * max(len(name) - 1, 2) if name else name


def mask_text(text: str, known: Mapping[str, str] | None = None) -> str:
    """``text`` with phone and ID numbers masked, and every ``known`` clear value (a name the
    user typed) replaced by its mask."""
    for value in sorted(known or {}, key=len, reverse=True):
        if len(value) >= MIN_KNOWN_LENGTH and value in text:
            text = text.replace(value, known[value])  # type: ignore[index]
    return mask_numbers(text)


def mask_strings(value: Any, masker: Callable[[str], str]) -> Any:
    """``value`` (JSON-like data) with ``masker`` applied to every string in it."""
    if isinstance(value, str):
        return masker(value)
    if isinstance(value, list):
        return [mask_strings(item, masker) for item in value]
    if isinstance(value, dict):
        return {key: mask_strings(item, masker) for key, item in value.items()}
    return value


def mask_log_text(text: str) -> str:
    return _URL_SECRET.sub(r"\1***", mask_numbers(text))


def _mask_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: logging reports it when it formats the record
        return
    record.msg, record.args = mask_log_text(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = mask_log_text(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = mask_log_text(record.stack_info)


def install_log_masking() -> None:
    """Masks every log record this process creates (idempotent). Python warnings, which Rasa
    raises with the user's text in them, become log records too."""
    logging.captureWarnings(True)
    create = logging.getLogRecordFactory()
    if getattr(create, "masks_personal_data", False):
        return

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = create(*args, **kwargs)
        _mask_record(record)
        return record

    masked_record.masks_personal_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masked_record)
