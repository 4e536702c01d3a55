"""Normalisation: one Simplified-Mandarin form for understanding, aligned with the original."""

from __future__ import annotations

import pytest

from bot.booking.reference import new_reference
from bot.nlu.normaliser import normalise, normalise_term


@pytest.mark.parametrize(("text", "expected"), [
    ("我喺香港，可唔可以辦江門嘅物業登記？", "我在香港,可不可以办江门的物业登记?"),
    ("使唔使親身去", "需不需要本人亲自去"),
    ("點樣預約視像辦理", "怎样预约视频办理"),
    ("要帶咩文件", "要带什么文件"),
    ("ＨＫＩＤ　Ｂｏｏｋ", "hkid book"),
    ("回鄉證", "回乡证"),
    ("10點喺邊度", "10点在哪里"),  # 點 alone is "o'clock", not 怎么
    ("联系人", "联系人"),  # Mandarin 系 stays
    ("", ""),
])
def test_normalises_scripts_cantonese_and_width(text: str, expected: str) -> None:
    assert normalise(text).text == expected


def test_original_is_kept() -> None:
    assert normalise("使唔使親身去").original == "使唔使親身去"


@pytest.mark.parametrize("text", [
    "使唔使親身去江門辦物業登記", "我喺澳門點樣攞返啲公積金", "Ｉ want 視像 booking 喺邊度",
    "唔該晒，我哋想問結婚登記"])
def test_spans_round_trip_for_every_word(text: str) -> None:
    """Any span of the original maps to the normalised text and back to a span covering it."""
    normalised = normalise(text)
    for start in range(len(text)):
        for end in range(start + 1, len(text) + 1):
            mapped = normalised.to_normalised_span(start, end)
            back = normalised.to_original_span(*mapped)
            assert back[0] <= start and end <= back[1], (text[start:end], mapped, back)


def test_whole_words_map_exactly() -> None:
    text = "使唔使親身去江門辦物業登記"
    normalised = normalise(text)
    start = text.index("物業登記")
    span = normalised.to_normalised_span(start, start + 4)
    assert normalised.text[span[0]:span[1]] == "物业登记"
    assert normalised.to_original_span(*span) == (start, start + 4)


def test_a_span_inside_a_replaced_phrase_widens_to_the_phrase() -> None:
    normalised = normalise("使唔使去")
    assert normalised.to_normalised_span(1, 2) == (0, 4)  # 唔 inside 使唔使 -> 需不需要


def test_terms_are_stripped_and_lowercased() -> None:
    assert normalise_term(" Property Registration ") == "property registration"


@pytest.mark.parametrize(("text", "reference"), [
    ("JM-PVXN-7GTG", "JM-PVXN-7GTG"), ("編號係 ＪＭ－４ＨＫＴ－９ＣＸＡ 想查下", "JM-4HKT-9CXA"),
    ("my reference is jm 4hkt 9cxa.", "JM-4HKT-9CXA"), ("查询预约JM4HKT9CXA呢", "JM-4HKT-9CXA")])
def test_a_booking_reference_is_found_with_its_canonical_value(text: str, reference: str) -> None:
    """In any width, case or spacing, in the form the booking service knows."""
    normalised = normalise(text)
    (found,) = normalised.references
    assert found.value == reference
    back = normalised.to_original_span(found.start, found.end)
    assert normalise(text[slice(*back)]).references[0].value == reference  # the whole of it


def test_every_reference_the_service_makes_is_read() -> None:
    for _ in range(200):
        reference = new_reference()
        assert [r.value for r in normalise(f"編號係{reference}").references] == [reference]


def test_a_longer_code_is_not_a_reference() -> None:
    assert normalise("XJM-AAAA-BBBB JM-AAAA-BBBBC").references == ()
