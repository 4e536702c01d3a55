"""Phones and identity documents of Hong Kong and Macau residents."""

from __future__ import annotations

import pytest

from bot.booking.identity import (
    InvalidValue,
    parse_id_number,
    parse_name,
    parse_phone,
)
from bot.privacy import mask


@pytest.mark.parametrize(("text", "e164"), [
    ("+852 9123 4567", "+85291234567"), ("852-9123-4567", "+85291234567"),
    ("(852) 91234567", "+85291234567"), ("00853 6612 3456", "+85366123456"),
    ("+86 138 0013 8000", "+8613800138000"), ("13800138000", "+8613800138000"),
    # Chinese input methods type full-width digits, plus signs, hyphens, brackets and spaces
    ("＋８５２　９１２３－４５６７", "+85291234567"), ("（８５３）６６１２３４５６", "+85366123456"),
    ("９１２３４５６７", "+85291234567"),  # valid in Hong Kong only
])
def test_accepts_common_spellings(text: str, e164: str) -> None:
    assert parse_phone(text).e164 == e164


def test_eight_digits_valid_in_both_places_need_a_country_unless_known() -> None:
    with pytest.raises(InvalidValue) as raised:
        parse_phone("6612 3456")
    assert raised.value.code == "phone_needs_country_code"
    assert parse_phone("6612 3456", default_country="+853").e164 == "+85366123456"
    assert parse_phone("6612 3456", default_country="+852").e164 == "+85266123456"


@pytest.mark.parametrize("text", ["+852 123", "+44 20 7946 0000", "電話", "+86 23800138000",
                                  "9１23 4567\u202e", "1234 5678", "+852 9123 456７８"])
def test_rejects_other_numbers(text: str) -> None:
    with pytest.raises(InvalidValue):
        parse_phone(text)


@pytest.mark.parametrize(("id_type", "text", "canonical"), [
    ("hkid", "A123456(3)", "A1234563"), ("hkid", "z683365 (a)", "Z683365A"),
    ("home_return_permit", "h12345678", "H12345678"),
    ("residence_permit", "810000199001011230", "810000199001011230"),
    ("macau_id", "1234567(8)", "12345678"), ("hkid", "Ａ１２３４５６（３）", "A1234563"),
])
def test_valid_documents(id_type: str, text: str, canonical: str) -> None:
    assert parse_id_number(id_type, text) == canonical


@pytest.mark.parametrize(("id_type", "text", "code"), [
    ("hkid", "A123456(4)", "id_number_checksum"),
    ("hkid", "123456", "id_number_format"),
    ("residence_permit", "810000199001011234", "id_number_checksum"),
    ("residence_permit", "810000199013011230", "id_number_format"),  # month 13
    ("home_return_permit", "12345678", "id_number_format"),
    ("macau_id", "9234567(8)", "id_number_format"),
    ("passport", "K1234567", "id_type_invalid"),
])
def test_invalid_documents_say_why(id_type: str, text: str, code: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        parse_id_number(id_type, text)
    assert raised.value.code == code


def test_masking_shows_the_last_four_only() -> None:
    assert mask("A1234563") == "****4563"
    assert parse_phone("+852 9123 4567").masked == "+852 ****4567"


def test_names() -> None:
    assert parse_name("  陳   大文 ") == "陳 大文"
    assert parse_name("Ｃｈａｎ Tai Man") == "Chan Tai Man"
    for bad in ("", "x" * 61, "12345", "<script>"):
        with pytest.raises(InvalidValue):
            parse_name(bad)


@pytest.mark.parametrize("name", ["陳大文\u202e", "\u202dChan", "陳\u200b大文", "Chan\x00",
                                  "\x1b[31mChan", "Chan\u2066Tai\u2069"])
def test_names_with_hidden_characters_are_refused(name: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        parse_name(name)
    assert raised.value.code == "name_hidden_characters"
