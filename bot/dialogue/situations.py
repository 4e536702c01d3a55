"""What comes before the intent's own answer: the user answering a question the bot asked, a
language we do not write, a legal question, a complaint about the last answer, a request the
catalog does not list, or a Hong Kong/Macau system that only sounds like a mainland service."""

from __future__ import annotations

from collections.abc import Callable

from bot.catalog.model import Catalog, Service
from bot.catalog.search import catalog_term, contains_term
from bot.catalog.systems import check_systems
from bot.dialogue.topic import echo
from bot.dialogue.turn import (
    CONFIRM,
    PENDING,
    SERVICE,
    SUGGESTED,
    WHICH_SYSTEM,
    Outcome,
    Turn,
    current_service,
    first,
    named_services,
    phrases_for,
)
from bot.language import KANA
from bot.nlu.normaliser import normalise
from bot.replies import Reply, clarify
from bot.replies import systems as system_replies

MAINLAND = "mainland"
COMPLAINTS = {"too_long", "unclear"}

Render = Callable[[Service], Reply]


def situation(catalog: Catalog, turn: Turn, render: Render, *,
              complaints: bool = True) -> Outcome | None:
    """The answer that comes before the intent's own, if the message needs one.

    ``render`` answers a service (eligibility or materials, as the intent asked); it is used when
    the user tells which provident fund they meant. Without ``complaints`` a complaint is left to
    the intent ("太長喇 我要搵真人" wants a person).
    """
    phrases = phrases_for(turn)
    if turn.script == KANA:
        return Outcome(clarify.language_notice(phrases))
    if turn.slots.get(PENDING) == WHICH_SYSTEM and _says_mainland(catalog, turn):
        service = current_service(catalog, turn)
        if service:
            return Outcome(render(service), slots={PENDING: None})
    concerns = set(turn.values("concern"))
    service = first(named_services(catalog, turn)) or current_service(catalog, turn)
    if "legal" in concerns:
        return Outcome(clarify.legal(catalog, service, phrases), slots={PENDING: None})
    if complaints and concerns & COMPLAINTS:
        return Outcome(clarify.shorter(catalog, service, phrases), slots={PENDING: None})
    if turn.values("unlisted"):
        return _not_listed(catalog, turn)
    return None


def _says_mainland(catalog: Catalog, turn: Turn) -> bool:
    """The answer to "which provident fund?" names the mainland ("大陸嗰個", "內地")."""
    text = normalise(turn.text).text
    return any(contains_term(text, catalog_term(word)) for word in catalog.mainland_words)


def _not_listed(catalog: Catalog, turn: Turn) -> Outcome:
    """A request the catalog does not list ("年报", "护照"): say so in the user's words; when a
    catalog service is named too ("个体户的年报"), ask whether that is what they mean."""
    phrases = phrases_for(turn)
    query = echo(turn.words("unlisted")[:1])
    named = named_services(catalog, turn)
    if named:
        return Outcome(clarify.confirm_service(catalog, named[0], query, phrases),
                       slots={PENDING: CONFIRM, SUGGESTED: named[0].id})
    return Outcome(clarify.not_in_list(catalog, query, [], phrases), slots={PENDING: None})


def about_other_system(catalog: Catalog, turn: Turn, intent: str,
                       service: Service | None) -> Outcome | None:
    """An explanation, or a which-one question, when the message is about a HK/Macau system.

    What the message negates does not count ("social insurance, not the provident fund").
    """
    phrases = phrases_for(turn)
    chosen = first(turn.values("system"))
    if chosen == MAINLAND:
        return None
    if chosen in catalog.systems:
        return Outcome(system_replies.explain_system(catalog, catalog.systems[chosen], phrases),
                       slots={PENDING: None})
    check = check_systems(catalog, turn.text_not_negated, turn.script)
    if check.system:
        return Outcome(system_replies.explain_system(catalog, check.system, phrases),
                       slots={PENDING: None})
    if check.ambiguous:
        reply = system_replies.ask_which_system(catalog, check.ambiguous, check.term, intent,
                                                 service, phrases)
        slots = {PENDING: WHICH_SYSTEM, **({SERVICE: service.id} if service else {})}
        return Outcome(reply, slots=slots)
    return None
