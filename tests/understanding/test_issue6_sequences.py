"""Every sequence of issue 6 in the understanding track's scope, end to end through the REST webhook
(text -> NLU -> policies -> actions -> NLG), as the issue reported them.

Items 1, 6, 9 and 12 (booking) are the booking track's; they are in the realistic conversations
(tests/realistic/conversations/booking.yml) too.
"""

from __future__ import annotations

import uuid

import pytest

from tests.chat import say, texts
from tests.understanding.conftest import RunningBot

pytestmark = pytest.mark.stack

ANYTHING_ELSE = ("還有什麼可以幫你", "还有什么可以帮你", "What else can I help with")
NOTED = ("如有需要隨時問我", "Ask me whenever you need")
OUT_OF_SCOPE = ("這個問題我答不了", "I can't help with that")


def chat(bot: RunningBot, *messages: str) -> list[list[dict]]:
    """One conversation: the replies to each message."""
    sender = uuid.uuid4().hex
    return [say(bot, message, sender) for message in messages]


def payloads(reply: list[dict]) -> list[str]:
    return [b["payload"] for m in reply for b in m.get("buttons") or []]


def about(reply: list[dict], service: str) -> bool:
    """An eligibility card (its materials button first; "more" comes last) or a materials card (its
    how-to button first), not a "do you mean ...?" question (whose yes button also names the
    service)."""
    first = [p for p in payloads(reply) if not p.startswith("/show_more")][:1]  # "more" aside
    return "/deny" not in payloads(reply) and any(
        p.startswith(("/ask_materials{", "/ask_eligibility{")) and f'"service":"{service}"' in p
        for p in first)


# item 2: everyday Cantonese read as yes, no or thanks; plain questions refused as out of scope

def test_a_place_question_is_not_a_yes(bot: RunningBot) -> None:
    _, where = chat(bot, "物業登記可唔可以喺香港辦", "香港邊度有得辦呀？")
    assert not any(p in texts(where) for p in ANYTHING_ELSE)
    assert "📍" in texts(where) and "香港" in texts(where)


def test_a_video_question_is_not_a_no(bot: RunningBot) -> None:
    (reply,) = chat(bot, "咁我可唔可以用視像辦搞繼承？我唔係好識用手機")
    assert not any(p in texts(reply) for p in NOTED)
    assert about(reply, "property_inheritance_transfer")


def test_a_complaint_is_not_a_thanks(bot: RunningBot) -> None:
    _, complaint = chat(bot, "物業登記可唔可以喺香港辦", "太長 睇唔晒")
    assert "不客氣" not in texts(complaint)
    assert len(texts(complaint)) < 200 or "12345" in texts(complaint)


@pytest.mark.parametrize(("message", "service"), [
    ("我想轉名 間屋", "property_registration"),
    ("屋企人過身 間屋點算", "property_inheritance_transfer"),
])
def test_plain_cantonese_questions_are_in_scope(bot: RunningBot, message: str, service: str) -> None:
    (reply,) = chat(bot, message)
    assert not any(p in texts(reply) for p in OUT_OF_SCOPE)
    assert about(reply, service) or any(f'"service":"{service}"' in p for p in payloads(reply))


def test_a_low_confidence_yes_in_a_topic_keeps_the_topic(bot: RunningBot) -> None:
    _, follow_up = chat(bot, "失业金怎么领", "好的 那在澳门能领吗")
    assert about(follow_up, "unemployment_insurance_benefit")


# item 3: the "not found" reply never mangles the user's words

@pytest.mark.parametrize(("message", "mangled"), [
    ("hi, I live in Macau. Can I withdraw my provident fund without going to Jiangmen?",
     "l ve w thdraw"),
    ("I am thinking about opening a bakery in Jiangmen", "th k g"),
    ("咁我一定要親身返台山辦？定係喺香港都得？", "樣 一定"),
])
def test_no_mangled_echo(bot: RunningBot, message: str, mangled: str) -> None:
    reply = texts(say(bot, message))
    assert mangled not in reply
    for quoted in _quoted(reply):
        assert quoted.lower() in message.lower(), quoted


NOT_FOUND = ("not in my list", "could not find", "不在我的業務清單", "沒有找到", "没有找到")


def _quoted(text: str) -> list[str]:
    """What a "not found" line quotes of the user's words."""
    import re

    lines = [line for line in text.splitlines() if any(n in line for n in NOT_FOUND)]
    return [q for line in lines for q in re.findall(r"[“\"]([^”\"]+)[”\"]", line)]


def test_the_provident_fund_question_is_answered(bot: RunningBot) -> None:
    reply = say(bot, "hi, I live in Macau. Can I withdraw my provident fund without going to "
                       "Jiangmen?")
    assert about(reply, "provident_fund_withdrawal")


# item 4: follow-ups keep the topic, and any region they name

def test_in_person_follow_up_keeps_the_property_topic(bot: RunningBot) -> None:
    _, follow_up = chat(bot, "我喺香港，可唔可以辦江門嘅物業登記？", "使唔使我親身返去台山？")
    assert about(follow_up, "property_registration")


def test_materials_follow_up_with_an_unknown_word(bot: RunningBot) -> None:
    _, follow_up = chat(bot, "我有香港車牌 想換埋大陸車牌 點搞", "要咩materials? 要唔要體檢")
    assert about(follow_up, "overseas_licence_conversion")
    assert "目錄裏沒有找到" not in texts(follow_up)


def test_where_can_i_do_it_in_english(bot: RunningBot) -> None:
    _, where = chat(bot, "can I do property registration from Hong Kong",
                    "where can I do it in Hong Kong")
    assert "Hong Kong" in texts(where) and "📍" in texts(where)
    assert "could not find" not in texts(where)


# item 5: multi-part and long messages

def test_a_multi_part_message(bot: RunningBot) -> None:
    reply = say(bot, "I'm based in HK, thinking of setting up a small company, what do I need "
                       "and do I have to go there?")
    assert about(reply, "business_registration")


def test_a_long_paragraph(bot: RunningBot) -> None:
    reply = say(bot, "Hello, my mother passed away last year and left an old house in Kaiping to "
                       "me and my two brothers. We all live in Hong Kong now and none of us can "
                       "easily take time off work to go back. What do we need to do to put the "
                       "house in our names, and can it be done from here?")
    assert about(reply, "property_inheritance_transfer")


# item 7: short English messages get English replies

@pytest.mark.parametrize("message", ["hi", "MPF", "ok"])
def test_short_english_gets_english(bot: RunningBot, message: str) -> None:
    reply = texts(say(bot, message))
    assert reply and sum(c.isascii() for c in reply) > 0.8 * len(reply), reply


# item 8: situations and requests outside the catalog

def test_a_legal_question(bot: RunningBot) -> None:
    reply = texts(say(bot, "My ex-wife and I are sorting out our divorce settlement, she wants "
                             "half of my flat in Jiangmen. Is that legal?"))
    assert "legal advice" in reply and "12345" in reply and "lawyer" in reply


def test_a_service_not_in_the_catalog(bot: RunningBot) -> None:
    reply = say(bot, "我想办护照")
    assert "12345" in texts(reply)
    assert "/human_handoff" in payloads(reply)
    assert not any(p.startswith("/list_services{") for p in payloads(reply))


@pytest.mark.parametrize("complaint", ["太長 睇唔晒", "唔明"])
def test_a_complaint_gets_a_shorter_answer_or_a_person(bot: RunningBot, complaint: str) -> None:
    first, reply = chat(bot, "社保證明點攞", complaint)
    assert len(texts(reply)) < len(texts(first)) or "/human_handoff" in payloads(reply)
    assert not any(p in texts(reply) for p in ANYTHING_ELSE)


def test_kana_only_japanese(bot: RunningBot) -> None:
    reply = texts(say(bot, "すみません、しつもんがあります"))
    assert "Chinese or English" in reply


# item 10: a request the catalog lacks is never silently swapped for a neighbour

def test_an_annual_report_is_not_swapped_for_registration(bot: RunningBot) -> None:
    reply = say(bot, "I want to file the annual report for my sole trader business from Macau")
    assert not about(reply, "individual_business_registration")
    assert "annual report" in texts(reply).lower()


# item 11: negations and corrections

def test_i_have_no_flat(bot: RunningBot) -> None:
    reply = say(bot, "I have no flat in Jiangmen, I just want to know about social insurance")
    assert "Real estate" not in texts(reply)


def test_social_insurance_not_the_provident_fund(bot: RunningBot) -> None:
    first, correction = chat(bot, "can I get my housing provident fund contribution certificate "
                                    "online", "I'm asking about social insurance, not the "
                                    "provident fund")
    assert about(first, "provident_fund_contribution_certificate")
    assert not about(correction, "provident_fund_contribution_certificate")
    assert "ocial insurance" in texts(correction)


# item 13: the characters decide the script, not the dialect

def test_simplified_with_cantonese_particles_stays_simplified(bot: RunningBot) -> None:
    reply = texts(say(bot, "我想问下社保卡唔见咗点补"))
    assert "社会保障卡" in reply and "社會保障卡" not in reply
