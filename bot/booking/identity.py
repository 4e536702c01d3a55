"""Contact phones and identity documents of Hong Kong and Macau residents: checking and masking.

Shared by the booking service (which must refuse bad data) and the conversation (which re-asks with
a specific reason). Every check returns a normalised value or raises ``InvalidValue`` whose
``code`` says what is wrong, so each side can word it for its reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

HONG_KONG, MACAU, MAINLAND = "+852", "+853", "+86"
ID_TYPES = ("home_return_permit", "residence_permit", "hkid", "macau_id")
_SEPARATORS = re.compile(r"[\s\-().·]")


class InvalidValue(ValueError):
    """``code`` is machine-readable (phone_needs_country_code, id_number_checksum, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Phone:
    country_code: str
    number: str

    @property
    def e164(self) -> str:
        return f"{self.country_code}{self.number}"

    @property
    def masked(self) -> str:
        return f"{self.country_code} ****{self.number[-4:]}"


def parse_phone(text: str, default_country: str | None = None) -> Phone:
    """A Hong Kong (+852, 8 digits), Macau (+853, 8 digits) or mainland (+86, 11 digits) phone.

    Spaces, hyphens, brackets and a 00 prefix are accepted. Eight digits without a code could be
    either Hong Kong or Macau: ``default_country`` decides, or the caller must ask.
    """
    digits = _SEPARATORS.sub("", text or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    plus = digits.startswith("+")
    digits = digits.lstrip("+")
    if not digits.isdigit():
        raise InvalidValue("phone_invalid", "a phone number has only digits, spaces and +")
    for code, length, pattern in ((HONG_KONG, 8, r"[2-9]\d{7}"), (MACAU, 8, r"[2-8]\d{7}"),
                                  (MAINLAND, 11, r"1[3-9]\d{9}")):
        prefix = code.lstrip("+")
        if digits.startswith(prefix) and len(digits) == len(prefix) + length:
            local = digits[len(prefix):]
            if re.fullmatch(pattern, local):
                return Phone(code, local)
            raise InvalidValue("phone_invalid", f"not a valid {code} number")
    if plus:
        raise InvalidValue("phone_invalid", "use +852, +853 or +86 followed by the number")
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return Phone(MAINLAND, digits)
    if len(digits) == 8:
        if default_country in (HONG_KONG, MACAU):
            return parse_phone(default_country + digits)
        raise InvalidValue("phone_needs_country_code",
                           "8 digits can be Hong Kong or Macau: add +852 or +853")
    raise InvalidValue("phone_invalid", "expected 8 digits (Hong Kong, Macau) or 11 (mainland)")


def parse_id_number(id_type: str, text: str) -> str:
    """The document number in its canonical form (upper case, no separators), or InvalidValue."""
    if id_type not in ID_TYPES:
        raise InvalidValue("id_type_invalid", f"the document type must be one of {ID_TYPES}")
    value = _SEPARATORS.sub("", text or "").upper()
    checks = {"home_return_permit": _home_return_permit, "residence_permit": _residence_permit,
              "hkid": _hkid, "macau_id": _macau_id}
    return checks[id_type](value)


def _home_return_permit(value: str) -> str:
    # H (Hong Kong) or M (Macau) and 8 digits; cards issued before 2013 carry 10 digits
    if re.fullmatch(r"[HM]\d{8}(\d{2})?", value):
        return value
    raise InvalidValue("id_number_format", "a Home Return Permit number is H or M and 8 digits")


_GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _residence_permit(value: str) -> str:
    # 18 characters like a mainland ID, with area code 810000 (Hong Kong) or 820000 (Macau)
    if not re.fullmatch(r"8[12]0000\d{11}[\dX]", value):
        raise InvalidValue("id_number_format",
                           "a residence permit number has 18 characters starting 810000 or 820000")
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as error:
        raise InvalidValue("id_number_format", "the birth date inside the number is not a date"
                           ) from error
    total = sum(int(digit) * weight for digit, weight in zip(value[:17], _GB11643_WEIGHTS,
                                                             strict=True))
    if "10X98765432"[total % 11] != value[17]:
        raise InvalidValue("id_number_checksum", "the last character does not match the number")
    return value


def _hkid(value: str) -> str:
    match = re.fullmatch(r"([A-Z]{1,2})(\d{6})([0-9A])", value)
    if not match:
        raise InvalidValue("id_number_format", "a Hong Kong identity card is like A123456(3)")
    letters, digits, check = match.groups()
    letters = letters.rjust(2)  # a single letter counts as a space (36) in front of it
    values = [36 if c == " " else ord(c) - ord("A") + 10 for c in letters]
    values += [int(d) for d in digits]
    total = sum(v * w for v, w in zip(values, range(9, 1, -1), strict=True))
    expected = (11 - total % 11) % 11
    if check != ("A" if expected == 10 else str(expected)):
        raise InvalidValue("id_number_checksum", "the check digit in brackets does not match")
    return value


def _macau_id(value: str) -> str:
    # 1, 5 or 7, six digits, and a check digit (its algorithm is not published: format only)
    if re.fullmatch(r"[157]\d{7}", value):
        return value
    raise InvalidValue("id_number_format", "a Macau identity card is like 1234567(8)")


def mask(value: str) -> str:
    """Personal numbers in logs and listings: only the last 4 characters show."""
    return "*" * max(len(value) - 4, 2) + value[-4:]


def parse_name(text: str) -> str:
    name = " ".join((text or "").split())
    if not 1 <= len(name) <= 60:
        raise InvalidValue("name_length", "a name has 1 to 60 characters")
    if not any(c.isalpha() for c in name) or any(c in "<>{}[]\\/@#$%^*=|~`" for c in name):
        raise InvalidValue("name_invalid", "a name has letters, spaces and . - ' only")
    return name
