"""Contact phones, names and identity documents of Hong Kong and Macau residents: checking and
masking.

Shared by the booking service (which must refuse bad data) and the conversation (which re-asks with
a specific reason). Every check returns a normalised value or raises ``InvalidValue`` whose
``code`` says what is wrong, so each side can word it for its reader.

Input is NFKC-normalised first: Chinese input methods type full-width digits, plus signs, hyphens
and brackets (“＋８５２　９１２３－４５６７”), which are the same characters to a reader.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import phonenumbers

HONG_KONG, MACAU, MAINLAND = "+852", "+853", "+86"
_REGIONS = {HONG_KONG: "HK", MACAU: "MO", MAINLAND: "CN"}
ID_TYPES = ("home_return_permit", "residence_permit", "hkid", "macau_id")
_SEPARATORS = re.compile(r"[\s\-–—().·/]")
# control, format (bidi overrides, zero-width), private-use, surrogate and unassigned characters:
# invisible or misleading in a name shown to a clerk
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn"}


class InvalidValue(ValueError):
    """``code`` is machine-readable (phone_needs_country_code, id_number_checksum, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _normalised(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "")


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
    """A valid Hong Kong (+852), Macau (+853) or mainland (+86) number, checked by phonenumbers.

    Spaces, hyphens, brackets, a 00 prefix and full-width characters are accepted. Eight digits
    without a code that are valid in both Hong Kong and Macau need ``default_country`` (where the
    user said they are), or the caller must ask.
    """
    compact = _SEPARATORS.sub("", _normalised(text))
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not re.fullmatch(r"\+?\d+", compact):
        raise InvalidValue("phone_invalid", "a phone number has only digits, spaces and +")
    if not compact.startswith("+") and re.fullmatch(r"85[23]\d{8}|86\d{11}", compact):
        compact = "+" + compact
    if compact.startswith("+"):
        return _checked(compact, None)
    if len(compact) == 11:
        return _checked(compact, _REGIONS[MAINLAND])
    if len(compact) != 8:
        raise InvalidValue("phone_invalid", "expected 8 digits (Hong Kong, Macau) or 11 (mainland)")
    valid_in = [code for code in (HONG_KONG, MACAU) if _is_valid(compact, _REGIONS[code])]
    if default_country in valid_in:
        return _checked(compact, _REGIONS[default_country])
    if len(valid_in) == 1:
        return _checked(compact, _REGIONS[valid_in[0]])
    if valid_in:
        raise InvalidValue("phone_needs_country_code",
                           "8 digits can be Hong Kong or Macau: add +852 or +853")
    raise InvalidValue("phone_invalid", "not a valid Hong Kong or Macau number")


def _is_valid(number: str, region: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, region))
    except phonenumbers.NumberParseException:
        return False


def _checked(number: str, region: str | None) -> Phone:
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidValue("phone_invalid", "not a phone number") from error
    code = f"+{parsed.country_code}"
    if code not in _REGIONS:
        raise InvalidValue("phone_invalid", "use +852, +853 or +86 followed by the number")
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidValue("phone_invalid", f"not a valid {code} number")
    return Phone(code, str(parsed.national_number))


def parse_id_number(id_type: str, text: str) -> str:
    """The document number in its canonical form (upper case, no separators), or InvalidValue."""
    if id_type not in ID_TYPES:
        raise InvalidValue("id_type_invalid", f"the document type must be one of {ID_TYPES}")
    value = _SEPARATORS.sub("", _normalised(text)).upper()
    checks = {"home_return_permit": _home_return_permit, "residence_permit": _residence_permit,
              "hkid": _hkid, "macau_id": _macau_id}
    return checks[id_type](value)


def document_type_of(text: str) -> str | None:
    """The document type whose number format ``text`` has (a wrong check digit still counts), or
    None: "A123456(3)" is a Hong Kong identity card, "H12345678" a Home Return Permit."""
    for id_type in ID_TYPES:
        try:
            parse_id_number(id_type, text)
        except InvalidValue as invalid:
            if invalid.code == "id_number_checksum":
                return id_type
            continue
        return id_type
    return None


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


def parse_name(text: str) -> str:
    normalised = _normalised(text)
    if any(unicodedata.category(c) in _HIDDEN_CATEGORIES for c in normalised
           if c not in "\t\n\r"):
        raise InvalidValue("name_hidden_characters",
                           "the name contains invisible control or direction characters")
    name = " ".join(normalised.split())
    if not 1 <= len(name) <= 60:
        raise InvalidValue("name_length", "a name has 1 to 60 characters")
    if not any(c.isalpha() for c in name) or any(c in "<>{}[]\\/@#$%^*=|~`" for c in name):
        raise InvalidValue("name_invalid", "a name has letters, spaces and . - ' only")
    return name
