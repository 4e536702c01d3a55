"""Detecting the user's script and answering in it."""

from __future__ import annotations

import pytest

from bot.language import (
    DEFAULT_LANGUAGE,
    EITHER_CHINESE,
    EN,
    HANS,
    HANT,
    KANA,
    LATIN,
    detect_script,
    localise,
    pick,
    reply_language,
)


@pytest.mark.parametrize(("text", "script"), [
    ("我喺香港，可唔可以辦江門嘅物業登記？", HANT),
    ("澳门居民可以跨境办理公积金提取吗", HANS),
    ("使唔使親身去", HANT),
    # the characters decide, not the dialect (issue 6 item 13)
    ("唔该", HANS),
    ("我想问下社保卡唔见咗点补", HANS),
    ("要咩材料", EITHER_CHINESE),
    ("Do I need to go in person?", EN),
    ("你好", EITHER_CHINESE),
    ("MPF", LATIN),
    ("ok", LATIN),
    ("hi", LATIN),
    ("すみません、しつもんがあります", KANA),
    ("A123456(3)", None),
    ("JM-AAAA-CCCC", None),
    ("12345", None),
    ("/greet", None),
    ("我想book視像", HANT),
    ("", None),
])
def test_detects_script(text: str, script: str | None) -> None:
    assert detect_script(text) == script


def messages(*texts: str) -> list[dict[str, str]]:
    """User messages, newest first, as reply_language expects."""
    return [{"text": text} for text in reversed(texts)]


def test_the_newest_decisive_message_decides() -> None:
    assert reply_language(messages("hello", "可唔可以網上辦")) == HANT
    assert reply_language(messages("可唔可以網上辦", "can I do it online")) == EN
    assert reply_language(messages("可以网上办吗", "ok")) == HANS


def test_chinese_that_could_be_either_keeps_the_earlier_script() -> None:
    assert reply_language(messages("可以网上办吗", "你好")) == HANS
    assert reply_language(messages("hello", "你好")) == DEFAULT_LANGUAGE


def test_the_script_the_nlu_recorded_is_not_detected_again(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    import bot.language

    def detect_again(text: str | None) -> str | None:
        raise AssertionError(f"the script of {text!r} was detected again")

    monkeypatch.setattr(bot.language, "detect_script", detect_again)
    # a stored message whose text was masked keeps the script of what the user wrote
    written = [{"text": "****", "parse_data": {"script": HANS}},
               {"text": "可唔可以網上辦", "parse_data": {"script": HANT}}]
    assert reply_language(written) == HANS
    assert reply_language([{"text": "/affirm", "parse_data": {"script": None}}, *written[1:]]
                          ) == HANT


def test_widget_language_breaks_the_tie() -> None:
    assert reply_language([{"text": "你好", "metadata": {"lang": HANS}}]) == HANS
    assert reply_language([{"text": "/greet", "metadata": {"lang": EN}}]) == EN


def test_an_explicit_choice_wins_over_detection() -> None:
    assert reply_language([{"text": "我想問下物業登記", "metadata": {"lang": HANS}}]) == HANS
    assert reply_language([{"text": "how do I apply", "metadata": {"lang": HANT}}]) == HANT
    assert reply_language([{"text": "物业登记", "metadata": {"lang": "fr"}}]) == HANS


def test_short_english_gets_english_whatever_the_default() -> None:
    assert reply_language(messages("hi")) == EN
    assert reply_language(messages("ok", "MPF")) == EN
    assert reply_language(messages("我想問下", "ok")) == HANT
    assert reply_language(messages("你好", "ok")) == DEFAULT_LANGUAGE


def test_simplified_with_cantonese_particles_stays_simplified() -> None:
    assert reply_language(messages("我想问下社保卡唔见咗点补", "要咩材料")) == HANS


def test_traditional_readers_get_hong_kong_forms_and_words() -> None:
    assert localise("预约视频办，发短信", HANT) == "預約視像辦，發短訊"
    assert localise("预约视频办", HANS) == "预约视频办"


def test_pick_falls_back_to_chinese_without_english() -> None:
    assert pick({"zh": "材料", "en": "Materials"}, EN) == "Materials"
    assert pick({"zh": "材料"}, EN) == "材料"
    assert pick({"zh": "不动产", "en": "Property"}, HANT) == "不動產"


def test_an_explicit_language_choice_wins_over_the_script_written() -> None:
    assert reply_language([{"text": "我喺香港，點樣辦？", "metadata": {"lang": EN}}]) == EN
    assert reply_language([{"text": "How do I register?", "metadata": {"lang": HANT}}]) == HANT
    # only the newest message's choice counts; an older one does not override what is written now
    assert reply_language([{"text": "我在香港怎么办理？"},
                           {"text": "hello", "metadata": {"lang": EN}}]) == HANS
