"""Domain responses rendered by the NLG endpoint in the user's language."""

from __future__ import annotations

from bot.language import EN, HANS, HANT
from bot.nlg import ResponseTemplates


def test_every_response_has_chinese_and_english() -> None:
    templates = ResponseTemplates()
    for name, variants in templates.responses.items():
        languages = {(v.get("metadata") or {}).get("lang", "zh") for v in variants}
        assert languages == {"zh", "en"}, name


def test_chinese_is_converted_for_traditional_readers() -> None:
    rendered = ResponseTemplates().render("utter_greet", HANT, {})
    assert rendered["text"].startswith("你好！我是江門“跨境通辦”助手。")
    assert [b["title"] for b in rendered["buttons"]][2] == "預約視像辦"
    assert rendered["buttons"][2]["payload"] == "/book_video_service"


def test_simplified_and_english_variants() -> None:
    templates = ResponseTemplates()
    assert templates.render("utter_goodbye", HANS, {})["text"].startswith("再见")
    assert templates.render("utter_goodbye", EN, {})["text"].startswith("Goodbye")


def test_unknown_response_is_an_apology_not_silence() -> None:
    assert "12345" in ResponseTemplates().render("utter_nonexistent", HANT, {})["text"]
