"""Answers for when the bot cannot simply answer: a request not in the catalog, "do you mean ...?",
a legal question, a complaint about a long answer, a language we do not write, a message we could
not read. Each ends with a way forward and a person (phrases: messages.yml, section
"understanding"; the decisions: bot/dialogue)."""

from __future__ import annotations

from bot.catalog.model import Catalog, Service
from bot.replies import Phrases, Reply, payload
from bot.replies import services as service_replies

KEY = "understanding"
SUGGESTIONS = 3
SHORT_MATERIALS = 3


def _from_abroad(catalog: Catalog) -> str:
    return catalog.hotline.from_hk_macau or "12345"


def _human(phrases: Phrases) -> dict[str, str]:
    return phrases.button("human", payload("human_handoff"))


def _service_button(service: Service, phrases: Phrases) -> dict[str, str]:
    return {"title": phrases.localised(service.name),
            "payload": payload("ask_eligibility", service=service.id)}


def booking_reference(reference: str, phrases: Phrases) -> Reply:
    """A booking reference sent on its own, with no booking conversation running: what to do
    with it (each button starts the lookup with the reference already given)."""
    return Reply(phrases(f"{KEY}.booking_reference", reference=reference), [
        phrases.button("check", payload("check_booking", booking_reference=reference)),
        phrases.button("cancel", payload("cancel_booking", booking_reference=reference)),
        {"title": phrases("booking.buttons.move"),
         "payload": payload("change_booking", booking_reference=reference)},
        _human(phrases)])


def not_in_list(catalog: Catalog, query: str, suggestions: list[Service],
                phrases: Phrases) -> Reply:
    """Not in the catalog: say so, in the user's own words or none, with 12345 and a person.

    When some catalog names are close, ask which one is meant instead (they are offered as
    buttons, never answered in the request's place).
    """
    buttons = [_service_button(s, phrases) for s in suggestions[:SUGGESTIONS]]
    if buttons:  # close names: perhaps in the list after all, so ask rather than deny
        lines = [phrases(f"{KEY}.which_of", from_abroad=_from_abroad(catalog))]
    elif query:
        lines = [phrases(f"{KEY}.not_in_list", query=query, from_abroad=_from_abroad(catalog))]
    else:
        lines = [phrases(f"{KEY}.not_in_list_unnamed", from_abroad=_from_abroad(catalog))]
    buttons += [_human(phrases), phrases.button("browse", payload("list_services"))]
    return Reply("\n".join(lines), buttons)


def confirm_service(catalog: Catalog, service: Service, query: str, phrases: Phrases) -> Reply:
    """"Do you mean <service>?", after what the catalog lacks ("年报") when one is named."""
    lines = []
    if query:
        lines.append(phrases(f"{KEY}.not_in_list", query=query,
                             from_abroad=_from_abroad(catalog)))
    lines.append(phrases(f"{KEY}.confirm_service", name=phrases.text(service.name)))
    return Reply("\n".join(lines), [
        {"title": phrases(f"{KEY}.buttons.yes"),
         "payload": payload("ask_eligibility", service=service.id)},
        {"title": phrases(f"{KEY}.buttons.no"), "payload": payload("deny")},
        _human(phrases)])


def legal(catalog: Catalog, service: Service | None, phrases: Phrases) -> Reply:
    """No legal advice: a lawyer and 12345, and the procedure if a service is in question."""
    lines = [phrases(f"{KEY}.legal", from_abroad=_from_abroad(catalog))]
    buttons = []
    if service:
        lines.append(phrases(f"{KEY}.legal_procedure", name=phrases.text(service.name)))
        buttons.append(phrases.button("how_to", payload("ask_eligibility", service=service.id)))
    buttons.append(_human(phrases))
    return Reply("\n".join(lines), buttons)


def shorter(catalog: Catalog, service: Service | None, phrases: Phrases) -> Reply:
    """After "too long" or "I don't understand": the service in two lines, or a person."""
    if not service:
        return Reply(phrases(f"{KEY}.short_help"), [
            _human(phrases), phrases.button("book_video", payload("book_video_service"))])
    name = phrases.text(service.name)
    if service.handled_elsewhere:
        summary = phrases.word(f"{KEY}.short_elsewhere", name=name)
    elif service.in_person_required:
        summary = phrases.word(f"{KEY}.short_in_person", name=name)
    elif service.can_be_done_remotely:
        channels = [phrases.text(catalog.channels[c].name)
                    for c in service.remote_channels(confirmed_only=True)]
        summary = phrases.word(f"{KEY}.short_remote", name=name,
                               channels=phrases.join(channels))
    else:
        summary = phrases.word(f"{KEY}.short_unknown", name=name)
    if service.materials:
        materials = phrases.join([phrases.text(m) for m in service.materials[:SHORT_MATERIALS]])
        summary += phrases.word(f"{KEY}.short_materials", materials=materials)
    return Reply(phrases(f"{KEY}.shorter", summary=summary), [
        phrases.button("materials", payload("ask_materials", service=service.id)),
        _human(phrases)])


def language_notice(phrases: Phrases) -> Reply:
    return Reply(phrases(f"{KEY}.language_notice"), [_human(phrases)])


def clarify(service: Service | None, phrases: Phrases) -> Reply:
    """We could not tell what the message asks: offer the likely next steps and a person."""
    if service:
        return Reply(phrases(f"{KEY}.clarify_service", name=phrases.text(service.name)), [
            phrases.button("how_to", payload("ask_eligibility", service=service.id)),
            phrases.button("materials", payload("ask_materials", service=service.id)),
            phrases.button("points", payload("find_service_point", service=service.id)),
            _human(phrases)])
    return Reply(phrases(f"{KEY}.clarify"), [
        phrases.button("browse", payload("list_services")),
        phrases.button("points", payload("find_service_point")),
        phrases.button("book_video", payload("book_video_service")),
        phrases.button("check", payload("check_booking")),
        _human(phrases)])


def also_asked(reply: Reply, others: list[Service], phrases: Phrases) -> Reply:
    """An answer about one service that says the message named others too, with their buttons."""
    if not others:
        return reply
    names = phrases.join([phrases.text(s.name) for s in others])
    text = "\n".join([reply.text, phrases(f"{KEY}.also_asked", names=names)])
    return Reply(text, [*reply.buttons, *[_service_button(s, phrases) for s in others]])


def ask_which_service(phrases: Phrases) -> Reply:
    return service_replies.ask_which_service(phrases)
