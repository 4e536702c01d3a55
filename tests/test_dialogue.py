"""The decisions of bot.dialogue on plain data: topic carried by slots, follow-ups, corrections,
"do you mean ...?", legal questions, complaints, requests the catalog lacks (issue 6)."""

from __future__ import annotations

from typing import Any

import pytest

from bot import dialogue
from bot.catalog import Catalog
from bot.dialogue import Mention, Outcome, Turn
from bot.language import EN, HANS, HANT


def turn(text: str, intent: str = "ask_eligibility", *, mentions: tuple[Mention, ...] = (),
         slots: dict[str, Any] | None = None, language: str = HANT, **facts: Any) -> Turn:
    entities: dict[str, list[Any]] = {}
    for mention in mentions:
        if not mention.negated:
            entities.setdefault(mention.type, []).append(mention.value)
    return Turn(text=text, entities=entities, slots=slots or {}, language=language,
                intent=intent, confidence=facts.pop("confidence", 0.95), mentions=mentions,
                **facts)


def service(value: str, words: str = "", negated: bool = False) -> Mention:
    return Mention("service", value, words, negated)


def payloads(outcome: Outcome) -> list[str]:
    return [b["payload"] for b in outcome.reply.buttons] if outcome.reply else []


def about(outcome: Outcome, service_id: str) -> bool:
    """An eligibility card (materials button first) or a materials card (how-to button first),
    not a "do you mean ...?" question (whose yes button also names the service)."""
    first = payloads(outcome)[:1]
    return "/deny" not in payloads(outcome) and any(
        p.startswith(("/ask_materials{", "/ask_eligibility{"))
        and f'"service":"{service_id}"' in p for p in first)


def test_a_follow_up_keeps_the_service_and_names_a_region(catalog: Catalog) -> None:
    outcome = dialogue.answer_eligibility(catalog, turn(
        "使唔使我親身返去台山？", mentions=(Mention("region", "taishan", "台山"),),
        slots={"service": "property_registration"}, question=True))
    assert about(outcome, "property_registration")
    assert outcome.slots["service"] == "property_registration"


def test_a_follow_up_with_an_aspect_word_keeps_the_service(catalog: Catalog) -> None:
    outcome = dialogue.answer_materials(catalog, turn(
        "要咩materials? 要唔要體檢", "ask_materials",
        slots={"service": "overseas_licence_conversion"}, question=True))
    assert outcome.reply.text.startswith("辦理“持香港、澳門駕駛執照申領內地駕駛證”一般需要")


def test_a_generic_word_is_not_a_new_topic(catalog: Catalog) -> None:
    """"要帶甚麼證件" asks for documents, not about the identity-documents category."""
    outcome = dialogue.answer_materials(catalog, turn(
        "那需要帶甚麼證件", "ask_materials",
        mentions=(Mention("category", "identity", "證件"),),
        slots={"service": "marriage_registration"}, question=True))
    assert about(outcome, "marriage_registration")


def test_moving_on_to_something_unknown_is_not_a_follow_up(catalog: Catalog) -> None:
    outcome = dialogue.answer_eligibility(catalog, turn(
        "咁護照呢", slots={"service": "property_registration"}, shift=True,
        unknown_words=("護照",)))
    assert outcome.reply.text.startswith("“護照”不在我的業務清單裏")
    assert not about(outcome, "property_registration")


def test_a_correction_names_another_category(catalog: Catalog) -> None:
    outcome = dialogue.answer_eligibility(catalog, turn(
        "我是問社保，不是公積金",
        mentions=(Mention("category", "social_insurance", "社保"),
                  Mention("category", "provident_fund", "公積金", negated=True)),
        slots={"service": "provident_fund_contribution_certificate"},
        negated_text=("公積金",)))
    assert not about(outcome, "provident_fund_contribution_certificate")
    assert outcome.reply.text.startswith("社會保險與醫保（第1/")


def test_a_negated_service_is_not_the_answer(catalog: Catalog) -> None:
    outcome = dialogue.answer_eligibility(catalog, turn(
        "我问的是社保缴费记录 不是参保证明", language=HANS,
        mentions=(service("social_insurance_contribution_record", "社保缴费记录"),
                  service("social_insurance_certificate", "参保证明", negated=True))))
    assert about(outcome, "social_insurance_contribution_record")


def test_not_the_provident_fund_is_no_which_system_question(catalog: Catalog) -> None:
    outcome = dialogue.answer_eligibility(catalog, turn(
        "I'm asking about social insurance, not the provident fund", language=EN,
        mentions=(Mention("category", "social_insurance", "social insurance"),),
        negated_text=("the provident fund",)))
    assert "different systems" not in outcome.reply.text
    assert outcome.reply.text.startswith("Social and medical insurance (page 1")


def test_a_request_the_catalog_lacks_next_to_a_service_asks_which(catalog: Catalog) -> None:
    asked = dialogue.answer_eligibility(catalog, turn(
        "我在江門有個體戶，每年的年報可以在澳門申報嗎？",
        mentions=(service("individual_business_registration", "個體戶"),
                  Mention("unlisted", "annual_report", "年報"))))
    assert asked.reply.text.startswith("“年報”不在我的業務清單裏")
    assert "你是想問“個體工商户登記”嗎？" in asked.reply.text
    assert not about(asked, "individual_business_registration")  # asked, not answered
    slots = asked.slots
    yes = dialogue.acknowledge(catalog, turn("係", "affirm", slots=slots))
    assert about(yes, "individual_business_registration")
    no = dialogue.acknowledge(catalog, turn("唔係", "deny", slots=slots))
    assert no.reply.text.startswith("這項業務不在我的業務清單裏") and "12345" in no.reply.text


def test_a_request_the_catalog_lacks(catalog: Catalog) -> None:
    outcome = dialogue.answer_eligibility(catalog, turn(
        "我想办护照", language=HANS, mentions=(Mention("unlisted", "passport", "护照"),)))
    assert outcome.reply.text.startswith("“护照”不在我的业务清单里")
    assert "/human_handoff" in payloads(outcome)
    assert not any(p.startswith("/list_services{") for p in payloads(outcome))


@pytest.mark.parametrize(("unknown", "quoted"), [
    (("bakery",), "“bakery”"), (("阿爸", "祖屋", "舊年過"), None), (("x" * 40,), None)])
def test_the_user_is_quoted_in_their_own_words_or_not_at_all(
        catalog: Catalog, unknown: tuple[str, ...], quoted: str | None) -> None:
    outcome = dialogue.answer_eligibility(catalog, turn("...", unknown_words=unknown))
    text = outcome.reply.text.replace('"', "“").replace("“bakery“", "“bakery”")
    if quoted:
        assert quoted in text
    else:
        assert not any(f"“{word}" in text for word in unknown)


def test_a_legal_question_gets_no_advice_but_a_lawyer_and_12345(catalog: Catalog) -> None:
    outcome = dialogue.not_understood(catalog, turn(
        "My ex-wife wants half of my flat in the divorce settlement. Is that legal?",
        "out_of_scope", language=EN, mentions=(Mention("concern", "legal", "divorce"),)),
        response="utter_out_of_scope")
    assert outcome.reply.text.startswith("I can't give legal advice.")
    assert "lawyer" in outcome.reply.text and "12345" in outcome.reply.text


def test_a_complaint_gets_a_shorter_answer(catalog: Catalog) -> None:
    slots = {"service": "property_registration"}
    card = dialogue.answer_eligibility(catalog, turn("物業登記點辦", slots=slots))
    shorter = dialogue.acknowledge(catalog, turn(
        "太長 睇唔晒", "thank", slots=slots, confidence=0.49,
        mentions=(Mention("concern", "too_long", "太長"),)))
    assert shorter.reply.text.startswith("簡單來説：")
    assert len(shorter.reply.text) < len(card.reply.text) / 2
    assert "/human_handoff" in payloads(shorter)


def test_a_complaint_with_nothing_to_shorten_offers_a_person(catalog: Catalog) -> None:
    outcome = dialogue.not_understood(catalog, turn(
        "唔明", "out_of_scope", mentions=(Mention("concern", "unclear", "唔明"),)),
        response="utter_out_of_scope")
    assert "/human_handoff" in payloads(outcome)


def test_kana_gets_chinese_or_english(catalog: Catalog) -> None:
    outcome = dialogue.not_understood(catalog, turn("すみません、しつもんがあります", "nlu_fallback"),
                                      response="utter_default")
    assert "Chinese or English" in outcome.reply.text


def test_a_yes_that_asks_is_answered_as_the_question(catalog: Catalog) -> None:
    outcome = dialogue.acknowledge(catalog, turn(
        "好的 那在澳门能领吗", "affirm", language=HANS, question=True, confidence=0.55,
        mentions=(Mention("region", "macau", "澳门"),),
        slots={"service": "unemployment_insurance_benefit"},
        ranking=(("affirm", 0.55), ("ask_eligibility", 0.3))))
    assert about(outcome, "unemployment_insurance_benefit")


def test_a_place_question_read_as_yes_finds_the_places(catalog: Catalog) -> None:
    outcome = dialogue.acknowledge(catalog, turn(
        "香港邊度有得辦呀？", "affirm", question=True, confidence=0.55,
        mentions=(Mention("region", "hong_kong", "香港"),),
        ranking=(("affirm", 0.55), ("find_service_point", 0.3))))
    assert outcome.reply.text.startswith("香港的服務點")


def test_plain_thanks_is_small_talk(catalog: Catalog) -> None:
    outcome = dialogue.acknowledge(catalog, turn("唔該晒", "thank",
                                                 slots={"service": "property_registration"}))
    assert outcome.response == "utter_thank"


def test_which_provident_fund_answered_in_words(catalog: Catalog) -> None:
    asked = dialogue.answer_eligibility(catalog, turn(
        "公積金提取點搞", mentions=(service("provident_fund_withdrawal", "公積金提取"),)))
    assert "可能指不同的制度" in asked.reply.text
    assert asked.slots == {"pending_question": "which_system",
                           "service": "provident_fund_withdrawal"}
    answered = dialogue.not_understood(catalog, turn("大陸嗰個", "nlu_fallback",
                                                     slots=asked.slots),
                                       response="utter_default")
    assert about(answered, "provident_fund_withdrawal")


def test_a_mistyped_name_asks_do_you_mean(catalog: Catalog) -> None:
    outcome = dialogue.handle_inform(catalog, turn(
        "社保證名", "inform", mentions=(Mention("category", "social_insurance", "社保"),),
        unknown_words=("證名",)))
    assert outcome.reply.text == "你是想問“社會保險參保證明”嗎？"
    assert outcome.slots["suggested_service"] == "social_insurance_certificate"


def test_a_reference_alone_asks_what_to_do_with_it(catalog: Catalog) -> None:
    """Outside a booking conversation: check, cancel or move it, each starting the lookup with the
    reference given, or a person; never "I did not understand"."""
    outcome = dialogue.handle_inform(catalog, turn(
        "JM-PVXN-7GTG", "inform", mentions=(Mention("booking_reference", "JM-PVXN-7GTG",
                                                    "JM-PVXN-7GTG"),)))
    assert "JM-PVXN-7GTG" in outcome.reply.text
    assert payloads(outcome) == [
        '/check_booking{"booking_reference":"JM-PVXN-7GTG"}',
        '/cancel_booking{"booking_reference":"JM-PVXN-7GTG"}',
        '/change_booking{"booking_reference":"JM-PVXN-7GTG"}', "/human_handoff"]


def test_a_question_after_do_you_mean_continues_the_suggestion(catalog: Catalog) -> None:
    slots = {"pending_question": "confirm_service",
             "suggested_service": "social_insurance_certificate"}
    outcome = dialogue.not_understood(catalog, turn("點攞", "nlu_fallback", slots=slots,
                                                    question=True), response="utter_default")
    assert about(outcome, "social_insurance_certificate")


def test_a_follow_up_about_the_hall_keeps_the_hall(catalog: Catalog) -> None:
    first = dialogue.find_service_point(catalog, turn("江门市行政服务中心几点上班",
                                                      "find_service_point", language=HANS))
    again = dialogue.find_service_point(catalog, turn("周六开吗", "find_service_point",
                                                      language=HANS, slots=first.slots))
    assert again.reply.text == first.reply.text


def test_other_services_named_are_offered_too(catalog: Catalog) -> None:
    outcome = dialogue.answer_eligibility(catalog, turn(
        "想喺江門開公司 仲有稅務登記",
        mentions=(service("business_registration", "開公司"),
                  service("new_taxpayer_registration", "稅務登記"))))
    assert about(outcome, "business_registration")
    assert "你也問到：新辦納税人涉税事項" in outcome.reply.text
    assert '/ask_eligibility{"service":"new_taxpayer_registration"}' in payloads(outcome)


def test_a_hello_that_asks_about_a_service_is_answered(catalog: Catalog) -> None:
    answered = dialogue.greet(catalog, turn("hi 我想問物業登記點辦", "greet", question=True,
                                            mentions=(service("property_registration", "物業登記"),)))
    assert about(answered, "property_registration")
    assert dialogue.greet(catalog, turn("哈囉", "greet")).response == "utter_greet"


def test_an_unsure_request_for_a_person_that_names_a_service_is_about_the_service(
        catalog: Catalog) -> None:
    unsure = dialogue.human_handoff(catalog, turn(
        "pension proof of life", "human_handoff", language=EN, confidence=0.6,
        mentions=(service("pension_eligibility_certification", "proof of life"),),
        ranking=(("human_handoff", 0.6), ("ask_eligibility", 0.3))))
    assert about(unsure, "pension_eligibility_certification")
    sure = dialogue.human_handoff(catalog, turn(
        "I want to talk to someone about my pension proof of life", "human_handoff",
        language=EN, confidence=0.97,
        mentions=(service("pension_eligibility_certification", "proof of life"),)))
    assert sure.reply.text.startswith("To reach a person:")


def test_a_bare_place_nlu_was_unsure_of_is_answered_as_a_place(catalog: Catalog) -> None:
    outcome = dialogue.not_understood(catalog, turn(
        "我喺觀塘", "nlu_fallback", confidence=0.45,
        mentions=(Mention("region", "kwun_tong", "觀塘"),),
        ranking=(("nlu_fallback", 0.45), ("list_services", 0.3))), response="utter_default")
    assert outcome.reply.text.startswith("離觀塘區較近的服務點")
