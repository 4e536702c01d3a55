"""The answers to each kind of question: how and whether a service can be done remotely, its
materials, browsing, service points, a person, a bare answer to the bot's question, and messages
that are not a plain question (yes, no, thanks, out of scope, not understood)."""

from __future__ import annotations

from collections.abc import Callable

from bot.catalog.model import Catalog, Service
from bot.catalog.search import find_ids
from bot.dialogue.situations import about_other_system, situation
from bot.dialogue.topic import closest, echo, mistyped, topic_of
from bot.dialogue.turn import (
    CONFIRM,
    PENDING,
    POINT,
    SERVICE,
    SUGGESTED,
    Outcome,
    Turn,
    category_of,
    current_service,
    named_ids,
    phrases_for,
    region_of,
)
from bot.replies import Reply, clarify
from bot.replies import points as point_replies
from bot.replies import services as service_replies
from bot.staff.offer import with_callback_offer

ELIGIBILITY = "ask_eligibility"
MATERIALS = "ask_materials"
QUESTIONS = (ELIGIBILITY, MATERIALS, "find_service_point", "list_services", "human_handoff")
# A yes, no or thanks this sure of itself, that asks nothing, is small talk; anything else that
# asks something, or names a service or a place, is answered as the question it is.
MIN_ALTERNATIVE = 0.05  # an intent NLU ranked lower is taken when it is at least this likely
TRUSTED = 0.8  # below this, a "request for a person" that names a service is about the service
SMALL_TALK = {"affirm": "utter_anything_else", "deny": "utter_noted", "thank": "utter_thank"}
# What a message NLU could not place is, when its likeliest reading is small talk.
SMALL_TALK_FALLBACK = {**SMALL_TALK, "greet": "utter_greet", "goodbye": "utter_goodbye",
                       "bot_challenge": "utter_iamabot"}


def _renderer(catalog: Catalog, turn: Turn, intent: str) -> Callable[[Service], Reply]:
    phrases = phrases_for(turn)
    region = region_of(catalog, turn)
    if intent == MATERIALS:
        return lambda service: service_replies.materials(catalog, service, phrases, region)
    return lambda service: service_replies.eligibility(catalog, service, phrases, region)


def answer_eligibility(catalog: Catalog, turn: Turn) -> Outcome:
    return _answer_service(catalog, turn, ELIGIBILITY)


def answer_materials(catalog: Catalog, turn: Turn) -> Outcome:
    return _answer_service(catalog, turn, MATERIALS)


def _answer_service(catalog: Catalog, turn: Turn, intent: str) -> Outcome:
    render = _renderer(catalog, turn, intent)
    before = situation(catalog, turn, render)
    if before:
        return before
    topic = topic_of(catalog, turn)
    other_system = about_other_system(catalog, turn, intent, topic.service)
    if other_system:
        return other_system
    if topic.service:
        reply = clarify.also_asked(render(topic.service), topic.others, phrases_for(turn))
        return Outcome(reply, slots={SERVICE: topic.service.id, PENDING: None, POINT: None})
    return _without_service(catalog, turn, intent)


def _without_service(catalog: Catalog, turn: Turn, intent: str) -> Outcome:
    """No service named or carried: a category, words the catalog does not know, a place, or
    nothing at all."""
    phrases = phrases_for(turn)
    category = category_of(catalog, turn)
    if category:
        typo = mistyped(catalog, turn, category)
        if typo:
            return _confirm(catalog, turn, typo, "")
        return Outcome(service_replies.category_page(catalog, category, 1, phrases),
                       slots={PENDING: None})
    if turn.unknown_words:
        suggestions = closest(catalog, turn.text)
        if len(suggestions) == 1:
            return _confirm(catalog, turn, suggestions[0], echo(turn.unknown_words))
        return Outcome(clarify.not_in_list(catalog, echo(turn.unknown_words), suggestions,
                                           phrases), slots={PENDING: None})
    region = region_of(catalog, turn, use_slot=False)
    if region:
        return Outcome(service_replies.categories(catalog, phrases, region), slots={PENDING: None})
    return Outcome(service_replies.ask_which_service(phrases), slots={PENDING: intent})


def _confirm(catalog: Catalog, turn: Turn, service: Service, query: str) -> Outcome:
    reply = clarify.confirm_service(catalog, service, query, phrases_for(turn))
    return Outcome(reply, slots={PENDING: CONFIRM, SUGGESTED: service.id})


def list_services(catalog: Catalog, turn: Turn) -> Outcome:
    before = situation(catalog, turn, _renderer(catalog, turn, ELIGIBILITY))
    if before:
        return before
    other_system = about_other_system(catalog, turn, "list_services", None)
    if other_system:
        return other_system
    phrases = phrases_for(turn)
    category = category_of(catalog, turn)
    typo = mistyped(catalog, turn, category) if category else None
    if typo:
        return _confirm(catalog, turn, typo, "")
    if category:
        pages = turn.values("page")
        page = int(pages[0]) if pages and str(pages[0]).isdigit() else 1
        return Outcome(service_replies.category_page(catalog, category, page, phrases),
                       slots={"category": category, PENDING: None})
    region = region_of(catalog, turn)
    return Outcome(service_replies.categories(catalog, phrases, region), slots={PENDING: None})


def find_service_point(catalog: Catalog, turn: Turn) -> Outcome:
    before = situation(catalog, turn, _renderer(catalog, turn, ELIGIBILITY))
    if before:
        return before
    phrases = phrases_for(turn)
    # service points are not NLU entities yet: the catalog's generated lookups have none
    points = find_ids(catalog, "points", turn.text)
    if points:
        return _single_point(catalog, turn, points[0])
    explicit_region = region_of(catalog, turn, use_slot=False)
    named = named_ids(catalog, turn, "service")
    if not named and not explicit_region and turn.slots.get(POINT) in catalog.points:
        return _single_point(catalog, turn, turn.slots[POINT])  # "周六开吗" after the hall
    service = topic_of(catalog, turn).service
    if service and service.handled_elsewhere:  # not Jiangmen's: the card says who handles it
        return answer_eligibility(catalog, turn)
    region = explicit_region or region_of(catalog, turn)
    if service or region:  # the points for the service, nearest the place first
        return Outcome(point_replies.service_points(catalog, phrases, service, region),
                       slots={PENDING: None, POINT: None})
    return Outcome(point_replies.ask_region(catalog, phrases),
                   slots={PENDING: "find_service_point"})


def _single_point(catalog: Catalog, turn: Turn, point_id: str) -> Outcome:
    reply = point_replies.single_point(catalog, catalog.points[point_id], phrases_for(turn),
                                       region_of(catalog, turn))
    return Outcome(reply, slots={POINT: point_id, PENDING: None})


def human_handoff(catalog: Catalog, turn: Turn) -> Outcome:
    """The human routes; a request the catalog lacks or a legal question gets its own answer
    (which has the routes too), and a question about a service NLU was unsure of is answered."""
    before = situation(catalog, turn, _renderer(catalog, turn, ELIGIBILITY), complaints=False)
    if before:
        return before
    if turn.confidence < TRUSTED and named_ids(catalog, turn, "service"):
        return answer_as(catalog, turn, _likely_question(turn))
    routes = point_replies.human_routes(catalog, phrases_for(turn), region_of(catalog, turn))
    return Outcome(with_callback_offer(routes, phrases_for(turn)))  # contract 3: a call back too


def handle_inform(catalog: Catalog, turn: Turn) -> Outcome:
    """A bare answer ("物業登記", "澳門"): continue what the bot asked, or the likeliest question.
    A booking reference asks what to do with it (inside a booking conversation, its form reads
    it instead)."""
    offer = _reference_offer(turn)
    if offer:
        return offer
    pending = turn.slots.get(PENDING)
    if pending == "find_service_point":
        return find_service_point(catalog, turn)
    if named_ids(catalog, turn, "service"):
        return answer_materials(catalog, turn) if pending == MATERIALS else \
            answer_eligibility(catalog, turn)
    category = category_of(catalog, turn)
    typo = mistyped(catalog, turn, category) if category else None
    if typo:
        return _confirm(catalog, turn, typo, "")
    if region_of(catalog, turn, use_slot=False):
        if current_service(catalog, turn) and pending != "find_service_point":
            return answer_eligibility(catalog, turn)  # "香港呢?" after a service: there
        return find_service_point(catalog, turn)
    if category_of(catalog, turn):
        return list_services(catalog, turn)
    return not_understood(catalog, turn, response="utter_default")


def _reference_offer(turn: Turn) -> Outcome | None:
    """Check, cancel or move the booking a message names by its reference, or a person."""
    references = turn.values("booking_reference")
    return Outcome(clarify.booking_reference(references[0], phrases_for(turn))) if references \
        else None


def _likely_question(turn: Turn, excluding: str = "human_handoff") -> str:
    """The question intent NLU ranked highest, for a message it did not read as a question
    (a person is offered only when asked for)."""
    return next((intent for intent, confidence in turn.ranking
                 if intent in QUESTIONS and intent != excluding
                 and confidence >= MIN_ALTERNATIVE), ELIGIBILITY)


def _names_only_a_place(catalog: Catalog, turn: Turn) -> bool:
    return bool(named_ids(catalog, turn, "region")) and not any(
        named_ids(catalog, turn, kind) for kind in ("service", "category"))


def _names_something(catalog: Catalog, turn: Turn) -> bool:
    return any(named_ids(catalog, turn, kind) for kind in ("service", "region", "category"))


def answer_as(catalog: Catalog, turn: Turn, intent: str) -> Outcome:
    handlers: dict[str, Callable[[Catalog, Turn], Outcome]] = {
        ELIGIBILITY: answer_eligibility, MATERIALS: answer_materials,
        "find_service_point": find_service_point, "list_services": list_services,
        "human_handoff": human_handoff}
    return handlers[intent](catalog, turn)


def greet(catalog: Catalog, turn: Turn) -> Outcome:
    """Hello; a hello that already names a service and asks ("hi 我想問物業登記點辦") is answered."""
    if named_ids(catalog, turn, "service") or (turn.question and _names_something(catalog, turn)):
        return answer_as(catalog, turn, _likely_question(turn))
    return Outcome(response="utter_greet")


def acknowledge(catalog: Catalog, turn: Turn) -> Outcome:
    """Yes, no or thanks: the answer to "do you mean ...?", small talk, or a question after all
    ("好的 那在澳门能领吗", "香港邊度有得辦呀？" read as a yes): never an end to the topic."""
    before = situation(catalog, turn, _renderer(catalog, turn, ELIGIBILITY))
    if before:
        return before
    suggested = turn.slots.get(SUGGESTED)
    if turn.slots.get(PENDING) == CONFIRM and suggested in catalog.services:
        if turn.intent == "affirm":
            return Outcome(_renderer(catalog, turn, ELIGIBILITY)(catalog.services[suggested]),
                           slots={SERVICE: suggested, PENDING: None, SUGGESTED: None})
        if turn.intent == "deny":
            return Outcome(clarify.not_in_list(catalog, "", [], phrases_for(turn)),
                           slots={PENDING: None, SUGGESTED: None})
    if turn.question or _names_something(catalog, turn):
        return answer_as(catalog, turn, _likely_question(turn))
    return Outcome(response=SMALL_TALK.get(turn.intent, "utter_anything_else"))


def not_understood(catalog: Catalog, turn: Turn, response: str) -> Outcome:
    """Out of scope or not understood: still answer what NLU recognised, and otherwise offer the
    likely next steps (about the current service, if there is one) and a person."""
    before = situation(catalog, turn, _renderer(catalog, turn, ELIGIBILITY))
    if before:
        return before
    other_system = about_other_system(catalog, turn, ELIGIBILITY, None)
    if other_system:
        return other_system
    if named_ids(catalog, turn, "service"):
        return answer_eligibility(catalog, turn)
    offer = _reference_offer(turn)  # "JM-… 係咩嚟" NLU was unsure of
    if offer:
        return offer
    current = topic_of(catalog, turn).service
    has_topic = current or turn.slots.get(POINT)
    if not turn.question and _names_only_a_place(catalog, turn):  # "我喺觀塘": a bare answer
        return handle_inform(catalog, turn)
    if (turn.question and has_topic) or _names_something(catalog, turn):
        return answer_as(catalog, turn, _likely_question(turn))
    likeliest = next((intent for intent, _ in turn.ranking if intent != "nlu_fallback"), None)
    if not turn.question and likeliest in SMALL_TALK_FALLBACK:  # "好的谢谢" NLU was unsure of
        return Outcome(response=SMALL_TALK_FALLBACK[likeliest])
    if current:
        return Outcome(clarify.clarify(current, phrases_for(turn)), slots={PENDING: None})
    if turn.unknown_words and response == "utter_default":
        return Outcome(clarify.clarify(None, phrases_for(turn)), slots={PENDING: None})
    return Outcome(response=response, slots={PENDING: None})
