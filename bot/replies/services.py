"""Answers about services: how to get one done, its materials, browsing, and what to do when the
catalog has no match (a Hong Kong or Macau system: bot/replies/systems.py).

Each claim is worded by its provenance (bot/replies/provenance.py). The first screen holds what a
person needs to act; notes, further sources and the human routes follow behind "more".
"""

from __future__ import annotations

import math

from bot.catalog.model import (
    CROSS_BORDER_ZONE,
    HONG_KONG,
    JIANGMEN,
    MACAU,
    Catalog,
    Region,
    Service,
    ServicePoint,
)
from bot.catalog.provenance import Provenance
from bot.replies import Phrases, Reply, payload
from bot.replies.provenance import (
    figures_sentence,
    hotline,
    inferred_footer,
    mark,
    marked,
    service_sources,
)

PAGE_SIZE = 6
MATERIALS_IN_BRIEF = 3


def area_of(region: Region | None) -> str | None:
    """hong_kong, macau or jiangmen for a known region, else None (show what fits everyone)."""
    return region.area if region else None


def eligibility(catalog: Catalog, service: Service, phrases: Phrases,
                region: Region | None = None) -> Reply:
    """Whether and how a service can be done without crossing the border, and why not."""
    area = area_of(region)
    marks: list[Provenance | None] = []
    lines = [phrases("service_heading", name=phrases.text(service.name))]
    if service.handled_elsewhere:
        lines.append(marked(catalog, phrases, marks, "handled_elsewhere",
                            service.facts["handled_elsewhere"],
                            text=phrases.text(service.handled_elsewhere)))
    else:
        lines.append(marked(catalog, phrases, marks, "department", service.facts["department"],
                            department=phrases.text(service.department)))
        lines += _ways(catalog, service, phrases, area, marks)
        lines.append(place_line(catalog, service, phrases, marks))
        if area in (HONG_KONG, MACAU) and service.channels.get(CROSS_BORDER_ZONE):
            lines.append(phrases("in_region", region=phrases.text(catalog.regions[area].name)))
    materials = service.materials_for(area)
    if materials:
        lines.append(marked(catalog, phrases, marks, "materials_brief",
                            service.materials_provenance(area),
                            materials=brief_materials(materials, phrases)))
    first_source, citations = service_sources(catalog, service, phrases)
    lines.append(first_source)
    if any(p is not None and p.level == "inferred" for p in marks):
        lines.append(inferred_footer(phrases))
    details = _details(catalog, service, phrases, area, citations)
    buttons = [phrases.button("materials", payload("ask_materials", service=service.id))
               ] if materials else []
    buttons += _next_steps(service, phrases, region)
    return Reply("\n".join(lines), buttons, more=[details] if details else [])


def _ways(catalog: Catalog, service: Service, phrases: Phrases, area: str | None,
          marks: list[Provenance | None]) -> list[str]:
    """Whether a visit is needed, and every known way without one (channels, places in HK/Macau)."""
    def channel_name(channel_id: str) -> str:
        return phrases.text(catalog.channels[channel_id].name)

    lines = []
    if service.in_person_required:
        lines.append(marked(catalog, phrases, marks, "in_person_required",
                            service.facts["in_person"],
                            reason=phrases.text(service.in_person_reason)))
    remote = [("channel_yes", channel_name(c), service.facts[f"channels.{c}"])
              for c in service.remote_channels()]
    remote += [("point_yes", phrases.text(p.name), p.handling_provenance(service))
               for p in remote_points(catalog, service, area)]
    marks += [fact for _, _, fact in remote]
    if not service.in_person_required:
        if any(fact.confirmed for _, _, fact in remote):
            lines.append(phrases("remote_yes"))
        elif remote:
            lines.append(phrases("remote_inferred"))
        else:
            lines.append(phrases("remote_unknown"))
    lines += [phrases(key, channel=name, point=name, mark=mark(catalog, fact, phrases))
              for key, name, fact in remote]
    lines += [marked(catalog, phrases, marks, "channel_no", service.facts[f"channels.{channel}"],
                     channel=channel_name(channel)) for channel in service.channels_with(False)]
    unknown = [channel_name(c) for c in service.channels_with(None)]
    if unknown:
        lines.append(phrases("channels_unknown", channels=phrases.join(unknown)))
    return lines


def remote_points(catalog: Catalog, service: Service, area: str | None) -> list[ServicePoint]:
    """Kiosks and counters in Hong Kong or Macau named for this very service (zones are the
    cross-border channel already); a reader in Macau is not sent to Hong Kong, nor the reverse."""
    points = []
    for point in catalog.points.values():
        point_area = catalog.regions[point.region].area
        if (point_area in (HONG_KONG, MACAU) and point.handles != CROSS_BORDER_ZONE
                and point.handles_service(service) and area in (None, JIANGMEN, point_area)):
            points.append(point)
    return points


def place_line(catalog: Catalog, service: Service, phrases: Phrases,
               marks: list[Provenance | None]) -> str:
    """Where to go in Jiangmen: the hall section or the office a source names, else that the
    responsible department takes it at an office we could not verify."""
    for point in catalog.points.values():
        section = point.section_for(service)
        if section:
            place = phrases.word("office_section", point=phrases.text(point.name),
                                 section=phrases.text(section.name))
            return marked(catalog, phrases, marks, "office", section.provenance, place=place)
    if service.office:
        return marked(catalog, phrases, marks, "office", service.facts["office"],
                      place=phrases.text(service.office))
    return phrases("office_unknown")


def _details(catalog: Catalog, service: Service, phrases: Phrases, area: str | None,
             citations: str | None) -> str:
    """What the second screen holds: notes, other sources, the scope, a route to a person."""
    lines = [phrases("notes", notes=phrases.text(note.text), mark=mark(catalog, note.provenance,
                                                                       phrases))
             for note in service.notes_for(area)]
    if citations:
        lines.append(citations)
    if not service.sources:
        lines.append(figures_sentence(catalog.figures_about("services"), phrases))
    lines.append(phrases("check_with_staff", hotline=hotline(catalog, phrases)))
    return "\n".join(line for line in lines if line)


def brief_materials(materials: list, phrases: Phrases) -> str:
    """The first few materials and how many there are in all."""
    names = [phrases.text(m) for m in materials[:MATERIALS_IN_BRIEF]]
    brief = phrases.join(names)
    more = len(materials) - MATERIALS_IN_BRIEF
    if more > 0:
        brief += phrases.word("materials_more", count=len(materials), more=more)
    return brief


def materials(catalog: Catalog, service: Service, phrases: Phrases,
              region: Region | None = None) -> Reply:
    """The materials a service needs, numbered; Hong Kong or Macau items only for that reader."""
    name = phrases.text(service.name)
    area = area_of(region)
    items = service.materials_for(area)
    lines: list[str] = []
    if not items:
        lines.append(phrases("materials_none", name=name,
                             text=phrases.text(service.handled_elsewhere)))
    else:
        fact = service.materials_provenance(area)
        lines.append(phrases("materials_heading", name=name, mark=mark(catalog, fact, phrases)))
        for number, item in enumerate(items, start=1):
            text = phrases.text(item)
            if item.get("for") and area is None:
                text = phrases.word("material_for", material=text,
                                    area=phrases.text(catalog.regions[item["for"]].name))
            lines.append(phrases.localised({"zh": f"{number}. {text}", "en": f"{number}. {text}"}))
        if service.in_person_required:
            lines.append(phrases("materials_in_person"))
        if fact and fact.level == "inferred":
            lines.append(inferred_footer(phrases))
    first_source, citations = service_sources(catalog, service, phrases)
    lines.append(first_source)
    details = [line for line in (citations, phrases("check_with_staff",
                                                        hotline=hotline(catalog, phrases)))
               if line]
    buttons = [phrases.button("how_to", payload("ask_eligibility", service=service.id))]
    buttons += _next_steps(service, phrases, region)
    return Reply("\n".join(lines), buttons, more=["\n".join(details)])


def _next_steps(service: Service, phrases: Phrases, region: Region | None) -> list[dict[str, str]]:
    buttons = []
    if not service.handled_elsewhere:
        region_id = region.id if region else None
        buttons.append(phrases.button("points", payload("find_service_point", service=service.id,
                                                        region=region_id)))
        if service.video_session_possible:
            key = "book_video" if service.video_confirmed else "book_video_unconfirmed"
            buttons.append(phrases.button(key, payload("book_video_service", service=service.id)))
    buttons.append(phrases.button("human", payload("human_handoff")))
    return buttons


def categories(catalog: Catalog, phrases: Phrases, region: Region | None = None) -> Reply:
    """The official scope, what this assistant has confirmed, and a button per category."""
    services = list(catalog.services.values())
    lines = [figures_sentence(catalog.figures_about("services"), phrases),
             phrases("categories_heading", total=len(services),
                     confirmed=sum(catalog.done_remotely(s) for s in services))]
    if region and region.kind == "hk_macau":
        lines.append(phrases("categories_in_region", region=phrases.text(region.name)))
    counts = []
    buttons = []
    for category in catalog.categories.values():
        members = catalog.services_in(category.id)
        if not members:
            continue
        name = phrases.text(category.name)
        counts.append(phrases("category_line", category=name, count=len(members),
                              remote=sum(catalog.done_remotely(s) for s in members)))
        buttons.append({"title": phrases("category_button", category=name, count=len(members)),
                        "payload": payload("list_services", category=category.id)})
    notes = [phrases.localised(note.text) for note in (region.notes if region else ())]
    return Reply("\n".join(lines), buttons, more=["\n".join([*counts, *notes])])


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
    confirmed = service.remote_channels(confirmed_only=True)
    if confirmed:
        channels = phrases.join([phrases.text(catalog.channels[c].name) for c in confirmed])
        return phrases("service_line_remote", name=name, channels=channels)
    if service.remote_channels():
        return phrases("service_line_inferred", name=name)
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
