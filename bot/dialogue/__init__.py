"""What to answer, given the user's latest message: the decisions behind each custom action.

Actions (actions/) turn a Rasa tracker into a ``Turn`` and an ``Outcome`` into events; everything
in between is here, on plain data, so it can be tested and reused by any channel.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.catalog.model import Catalog, Region, Service
from bot.catalog.search import contains_term, find_ids, resolve, search_services
from bot.catalog.systems import check_systems
from bot.language import detect_script
from bot.nlu.normaliser import normalise, normalise_term
from bot.replies import Phrases, Reply, payload
from bot.replies import points as point_replies
from bot.replies import services as service_replies

QUESTION_WORDS_FILE = Path(__file__).with_name("nlu") / "question_words.yml"
MAINLAND = "mainland"
PENDING = "pending_question"


@dataclass(frozen=True)
class Turn:
    """The user's latest message, as the actions see it."""

    text: str  # what the user typed; "" for a button press
    entities: Mapping[str, Any]  # entity type -> value (first one)
    slots: Mapping[str, Any]
    language: str  # the language to answer in (bot.language.reply_language)

    @property
    def script(self) -> str | None:
        return detect_script(self.text)


@dataclass
class Outcome:
    reply: Reply | None = None  # None: use the domain response named in `response`
    response: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)


def _phrases(turn: Turn) -> Phrases:
    return Phrases(turn.language)


def _value(value: Any) -> Any:
    """Rasa gives a list when an entity was found twice; the first mention counts."""
    return value[0] if isinstance(value, list) and value else value


def _region(catalog: Catalog, turn: Turn, *, use_slot: bool = True) -> Region | None:
    """Where the user is or asks about: a button, the words they typed, what they said before.

    Hong Kong and Macau win over the city when both are named ("我喺香港…辦江門嘅…").
    """
    named = find_ids(catalog, "regions", turn.text)
    named.sort(key=lambda rid: catalog.regions[rid].kind != "hk_macau")
    candidates = [_value(turn.entities.get("region")), *named]
    if use_slot:
        candidates.append(_value(turn.slots.get("region")))
    for candidate in candidates:
        region_id = resolve(catalog, "regions", candidate)
        if region_id:
            return catalog.regions[region_id]
    return None


@cache
def _question_words() -> tuple[list[str], list[str]]:
    words = yaml.safe_load(QUESTION_WORDS_FILE.read_text(encoding="utf-8"))
    chinese = sorted({normalise_term(w) for w in words["chinese"].split()}, key=len, reverse=True)
    english = sorted({w.lower() for w in words["english"].split()}, key=len, reverse=True)
    return chinese, english


def _catalog_vocabulary(catalog: Catalog) -> list[str]:
    """Every normalised catalog word, longest first (cached on the catalog)."""
    if "vocabulary" not in catalog._cache:
        named = (*catalog.services.values(), *catalog.categories.values(),
                 *catalog.regions.values(), *catalog.points.values())
        words = {normalise_term(w) for item in named
                 for w in (item.name["zh"], item.name["en"], *item.aliases)}
        words |= {normalise_term(c.name[lang]) for c in catalog.channels.values()
                  for lang in ("zh", "en")}
        catalog._cache["vocabulary"] = sorted(words - {""}, key=len, reverse=True)
    return catalog._cache["vocabulary"]


def unknown_words(catalog: Catalog, text: str) -> str:
    """What the message names that is neither a catalog word nor a question word ("护照")."""
    remaining = normalise(text).text
    chinese, english = _question_words()
    for word in (*_catalog_vocabulary(catalog), *chinese, *english):
        if contains_term(remaining, word):
            remaining = remaining.replace(word, " ")
    kept = [piece for piece in "".join(c if c.isalnum() else " " for c in remaining).split()
            if not piece.isdigit()]
    return " ".join(kept)


@dataclass(frozen=True)
class ServiceQuestion:
    service: Service | None
    suggestions: list[Service]
    unknown: str  # words the catalog does not know, "" if none


def _service_question(catalog: Catalog, turn: Turn, *, follow_up: bool) -> ServiceQuestion:
    """Which service the message is about; with ``follow_up`` the last one when it names none."""
    entity = resolve(catalog, "services", _value(turn.entities.get("service")))
    if entity:
        return ServiceQuestion(catalog.services[entity], [], "")
    search = search_services(catalog, turn.text)
    if search.found:
        return ServiceQuestion(search.found[0], [], "")
    unknown = unknown_words(catalog, turn.text) if turn.text else ""
    last = resolve(catalog, "services", _value(turn.slots.get("service")))
    if follow_up and last and not unknown:
        return ServiceQuestion(catalog.services[last], [], "")
    return ServiceQuestion(None, search.suggestions, unknown)


def _about_other_system(catalog: Catalog, turn: Turn, intent: str,
                        service: Service | None) -> Reply | None:
    """An explanation or a which-one question when the message is about a HK/Macau system."""
    chosen = _value(turn.entities.get("system"))
    if chosen == MAINLAND:
        return None
    if chosen in catalog.systems:
        return service_replies.explain_system(catalog, catalog.systems[chosen], _phrases(turn))
    check = check_systems(catalog, turn.text, turn.script)
    if check.system:
        return service_replies.explain_system(catalog, check.system, _phrases(turn))
    if check.ambiguous:
        return service_replies.ask_which_system(catalog, check.ambiguous, check.term, intent,
                                                service, _phrases(turn))
    return None


def _answer_service(catalog: Catalog, turn: Turn, intent: str,
                    render: Callable[[Service], Reply]) -> Outcome:
    question = _service_question(catalog, turn, follow_up=True)
    other_system = _about_other_system(catalog, turn, intent, question.service)
    if other_system:
        return Outcome(other_system, slots={PENDING: None})
    if question.service:
        return Outcome(render(question.service),
                       slots={"service": question.service.id, PENDING: None})
    return _without_service(catalog, turn, intent, question)


def _without_service(catalog: Catalog, turn: Turn, intent: str,
                     question: ServiceQuestion) -> Outcome:
    """No service named: a category or place named instead, an unknown name, or nothing."""
    phrases = _phrases(turn)
    category = _category(catalog, turn)
    if category:
        return Outcome(service_replies.category_page(catalog, category, 1, phrases),
                       slots={PENDING: None})
    if question.unknown or question.suggestions:
        return Outcome(service_replies.no_match(question.unknown or turn.text,
                                                question.suggestions, phrases),
                       slots={PENDING: None})
    region = _region(catalog, turn, use_slot=False)
    if region:
        return Outcome(service_replies.categories(catalog, phrases, region), slots={PENDING: None})
    return Outcome(service_replies.ask_which_service(phrases), slots={PENDING: intent})


def answer_eligibility(catalog: Catalog, turn: Turn) -> Outcome:
    region = _region(catalog, turn)
    return _answer_service(catalog, turn, "ask_eligibility", lambda service: (
        service_replies.eligibility(catalog, service, _phrases(turn), region)))


def answer_materials(catalog: Catalog, turn: Turn) -> Outcome:
    return _answer_service(catalog, turn, "ask_materials", lambda service: (
        service_replies.materials(catalog, service, _phrases(turn))))


def _category(catalog: Catalog, turn: Turn) -> str | None:
    named = resolve(catalog, "categories", _value(turn.entities.get("category")))
    if named:
        return named
    found = find_ids(catalog, "categories", turn.text)
    return found[0] if found else None


def list_services(catalog: Catalog, turn: Turn) -> Outcome:
    other_system = _about_other_system(catalog, turn, "list_services", None)
    if other_system:
        return Outcome(other_system)
    phrases = _phrases(turn)
    category = _category(catalog, turn)
    if category:
        page = str(_value(turn.entities.get("page")) or "1")
        number = int(page) if page.isdigit() else 1
        return Outcome(service_replies.category_page(catalog, category, number, phrases),
                       slots={"category": category, PENDING: None})
    region = _region(catalog, turn)
    return Outcome(service_replies.categories(catalog, phrases, region), slots={PENDING: None})


def find_service_point(catalog: Catalog, turn: Turn) -> Outcome:
    phrases = _phrases(turn)
    points = find_ids(catalog, "points", turn.text)
    if points:
        return Outcome(point_replies.single_point(catalog, catalog.points[points[0]], phrases))
    explicit_region = _region(catalog, turn, use_slot=False)
    if explicit_region:
        return Outcome(point_replies.points_in_region(catalog, explicit_region, phrases),
                       slots={PENDING: None})
    service = _service_question(catalog, turn, follow_up=False).service
    if service:
        return Outcome(point_replies.points_for_service(catalog, service, phrases),
                       slots={PENDING: None})
    region = _region(catalog, turn)
    if region:
        return Outcome(point_replies.points_in_region(catalog, region, phrases),
                       slots={PENDING: None})
    return Outcome(point_replies.ask_region(catalog, phrases),
                   slots={PENDING: "find_service_point"})


def human_handoff(catalog: Catalog, turn: Turn) -> Outcome:
    return Outcome(point_replies.human_routes(catalog, _phrases(turn), _region(catalog, turn)))


def handle_inform(catalog: Catalog, turn: Turn) -> Outcome:
    """A bare answer ("物業登記", "澳門"): continue what the bot asked, or the likeliest question."""
    pending = turn.slots.get(PENDING)
    if pending == "find_service_point":
        return find_service_point(catalog, turn)
    if _service_question(catalog, turn, follow_up=False).service:
        if pending == "ask_materials":
            return answer_materials(catalog, turn)
        return answer_eligibility(catalog, turn)
    if _region(catalog, turn, use_slot=False):
        return find_service_point(catalog, turn)
    if _category(catalog, turn):
        return list_services(catalog, turn)
    return not_understood(catalog, turn, response="utter_default")


def not_understood(catalog: Catalog, turn: Turn, response: str) -> Outcome:
    """Out of scope or not understood; still answer what the catalog clearly recognises."""
    other_system = _about_other_system(catalog, turn, "ask_eligibility", None)
    if other_system:
        return Outcome(other_system)
    if search_services(catalog, turn.text).found:
        return answer_eligibility(catalog, turn)
    return Outcome(response=response, slots={PENDING: None})


def error_reply(language: str, retry_payload: str | None) -> Reply:
    """Something failed on our side: say so, keep the question, offer a retry and a person."""
    phrases = Phrases(language)
    buttons = [phrases.button("retry", retry_payload)] if retry_payload else []
    buttons.append(phrases.button("human", payload("human_handoff")))
    return Reply(phrases("error"), buttons)
