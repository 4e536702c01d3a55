"""Answers about services: how to get one done, its materials, browsing, and what to do when the
catalog has no match or the question is about a Hong Kong or Macau system."""

from __future__ import annotations

import math

from bot.catalog.model import AmbiguousTerm, Catalog, Region, Service, System
from bot.replies import Phrases, Reply, payload

PAGE_SIZE = 6
MATERIALS_IN_BRIEF = 3


def eligibility(catalog: Catalog, service: Service, phrases: Phrases,
                region: Region | None = None) -> Reply:
    """Whether and how a service can be done without crossing the border, and why not."""
    lines = [_heading(service, phrases)]
    lines += _ways(catalog, service, phrases)
    if region and region.kind == "hk_macau" and service.channels.get("cross_border_zone"):
        lines.append(phrases("in_region", region=phrases.text(region.name)))
    if service.materials:
        lines.append(phrases("materials_brief", materials=_brief_materials(service, phrases)))
    if service.notes:
        lines.append(phrases("notes", notes=phrases.text(service.notes)))
    lines += _trust_lines(catalog, service, phrases)
    buttons = [phrases.button("materials", payload("ask_materials", service=service.id))]
    buttons += _next_steps(service, phrases, region)
    return Reply("\n".join(lines), buttons)


def materials(catalog: Catalog, service: Service, phrases: Phrases) -> Reply:
    """The materials a service needs, numbered."""
    name = phrases.text(service.name)
    if not service.materials:
        lines = [phrases("materials_none", name=name, text=phrases.text(service.handled_elsewhere))]
    else:
        lines = [phrases("materials_heading", name=name)]
        lines += [phrases.localised({"zh": f"{i}. {m['zh']}", "en": f"{i}. {m['en']}"})
                  for i, m in enumerate(service.materials, start=1)]
        if service.in_person_required:
            lines.append(phrases("materials_in_person"))
    lines += _trust_lines(catalog, service, phrases)
    buttons = [phrases.button("how_to", payload("ask_eligibility", service=service.id))]
    buttons += _next_steps(service, phrases, None)
    return Reply("\n".join(lines), buttons)


def _heading(service: Service, phrases: Phrases) -> str:
    return phrases("service_heading", name=phrases.text(service.name),
                   department=phrases.text(service.department), level=phrases.level(service.level))


def _ways(catalog: Catalog, service: Service, phrases: Phrases) -> list[str]:
    """One line per channel that is known, one line for the unknown ones."""
    def channel_name(channel_id: str) -> str:
        return phrases.text(catalog.channels[channel_id].name)

    if service.handled_elsewhere:
        return [phrases("handled_elsewhere", text=phrases.text(service.handled_elsewhere))]
    lines = []
    if service.in_person_required:
        lines.append(phrases("in_person_required", reason=phrases.text(service.in_person_reason)))
    elif service.can_be_done_remotely:
        lines.append(phrases("remote_yes"))
    else:
        lines.append(phrases("remote_unknown"))
    lines += [phrases("channel_yes", channel=channel_name(c)) for c in service.channels_with(True)]
    lines += [phrases("channel_no", channel=channel_name(c)) for c in service.channels_with(False)]
    unknown = [channel_name(c) for c in service.channels_with(None)]
    if unknown:
        lines.append(phrases("channels_unknown", channels=phrases.join(unknown)))
    return lines


def _brief_materials(service: Service, phrases: Phrases) -> str:
    names = [phrases.text(m) for m in service.materials[:MATERIALS_IN_BRIEF]]
    brief = phrases.join(names)
    more = len(service.materials) - MATERIALS_IN_BRIEF
    if more > 0:
        brief += phrases.word("materials_more", count=len(service.materials), more=more)
    return brief


def _trust_lines(catalog: Catalog, service: Service, phrases: Phrases) -> list[str]:
    lines = [] if service.verified else [
        phrases("unverified", from_abroad=catalog.hotline.from_hk_macau or "12345")]
    return [*lines, phrases("source", source=service.sources[0])]


def _next_steps(service: Service, phrases: Phrases, region: Region | None) -> list[dict[str, str]]:
    buttons = []
    if not service.handled_elsewhere:
        region_id = region.id if region else None
        buttons.append(phrases.button("points", payload("find_service_point", service=service.id,
                                                        region=region_id)))
        if service.video_session_possible:
            buttons.append(phrases.button("book_video",
                                          payload("book_video_service", service=service.id)))
    buttons.append(phrases.button("human", payload("human_handoff")))
    return buttons


def categories(catalog: Catalog, phrases: Phrases, region: Region | None = None) -> Reply:
    """Categories with how many services each has and how many can be done remotely."""
    services = list(catalog.services.values())
    remote = sum(s.can_be_done_remotely for s in services)
    if region and region.kind == "hk_macau":
        heading = phrases("categories_heading_region", region=phrases.text(region.name),
                          remote=remote, total=len(services))
    else:
        heading = phrases("categories_heading", remote=remote, total=len(services))
    lines = [heading]
    buttons = []
    for category in catalog.categories.values():
        members = catalog.services_in(category.id)
        if not members:
            continue
        name = phrases.text(category.name)
        lines.append(phrases("category_line", category=name, count=len(members),
                             remote=sum(s.can_be_done_remotely for s in members)))
        buttons.append({"title": phrases("category_button", category=name, count=len(members)),
                        "payload": payload("list_services", category=category.id)})
    if region and region.notes:
        lines.append(phrases.localised(region.notes))
    return Reply("\n".join(lines), buttons)


def category_page(catalog: Catalog, category_id: str, page: int, phrases: Phrases) -> Reply:
    """One page of a category's services; a button per service and paging buttons."""
    members = catalog.services_in(category_id)
    pages = max(math.ceil(len(members) / PAGE_SIZE), 1)
    page = min(max(page, 1), pages)
    shown = members[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    name = phrases.text(catalog.categories[category_id].name)
    lines = [phrases("category_page_heading", category=name, page=page, pages=pages)]
    lines += [_service_line(catalog, s, phrases) for s in shown]
    lines.append(phrases("pick_for_details"))
    buttons = [{"title": phrases.localised(s.name), "payload": payload("ask_eligibility",
                                                                      service=s.id)}
               for s in shown]
    if page > 1:
        buttons.append(phrases.button("previous_page", payload(
            "list_services", category=category_id, page=str(page - 1))))
    if page < pages:
        buttons.append(phrases.button("next_page", payload(
            "list_services", category=category_id, page=str(page + 1))))
    buttons.append(phrases.button("all_categories", payload("list_services")))
    return Reply("\n".join(lines), buttons)


def _service_line(catalog: Catalog, service: Service, phrases: Phrases) -> str:
    name = phrases.text(service.name)
    if service.handled_elsewhere:
        return phrases("service_line_elsewhere", name=name)
    if service.in_person_required:
        return phrases("service_line_in_person", name=name)
    remote = [phrases.text(catalog.channels[c].name) for c in service.remote_channel_ids()
              if service.channels[c]]
    if remote:
        return phrases("service_line_remote", name=name, channels=phrases.join(remote))
    return phrases("service_line_unknown", name=name)


def no_match(query: str, suggestions: list[Service], phrases: Phrases) -> Reply:
    """The catalog has no such service: say so, offer the closest ones and the human routes."""
    lines = [phrases("no_service_match", query=query.strip()[:40])]
    buttons = []
    if suggestions:
        lines.append(phrases("did_you_mean"))
        buttons = [{"title": phrases.localised(s.name),
                    "payload": payload("ask_eligibility", service=s.id)} for s in suggestions]
    buttons += [phrases.button("browse", payload("list_services")),
                phrases.button("human", payload("human_handoff"))]
    return Reply("\n".join(lines), buttons)


def ask_which_service(phrases: Phrases) -> Reply:
    return Reply(phrases("ask_which_service"), [
        phrases.button("browse", payload("list_services")),
        phrases.button("human", payload("human_handoff"))])


def explain_system(catalog: Catalog, system: System, phrases: Phrases) -> Reply:
    """A Hong Kong or Macau system: what it is, who handles it, and the mainland counterpart."""
    category = phrases.text(catalog.categories[system.mainland_category].name)
    text = "\n".join([
        phrases("system_explanation", explanation=phrases.text(system.explanation),
                contact=phrases.text(system.contact), website=system.website),
        phrases("system_mainland_offer", category=category)])
    return Reply(text, [
        phrases.button("mainland", payload("list_services", category=system.mainland_category,
                                           system="mainland"), category=category),
        phrases.button("human", payload("human_handoff"))])


def ask_which_system(catalog: Catalog, rule: AmbiguousTerm, term: str, intent: str,
                     service: Service | None, phrases: Phrases) -> Reply:
    """A word that means different things in Hong Kong, Macau and the mainland: ask which."""
    category = phrases.text(catalog.categories[rule.mainland_category].name)
    systems = [catalog.systems[s] for s in rule.candidates]
    lines = [phrases("system_question", term=term),
             phrases("system_option_mainland", category=category)]
    lines += [phrases("system_option", name=phrases.text(s.name)) for s in systems]
    if service:
        mainland = payload(intent, service=service.id, system="mainland")
    else:
        mainland = payload("list_services", category=rule.mainland_category, system="mainland")
    buttons = [phrases.button("mainland", mainland, category=category)]
    buttons += [{"title": phrases.localised(s.name), "payload": payload(intent, system=s.id)}
                for s in systems]
    return Reply("\n".join(lines), buttons)
