"""Answers about places and people: service points for a service or a place, and human routes.

The points that handle the current service come first; within them, those in the user's district,
then the nearest to it; the first few fit one screen and the rest wait behind "more". A service
that no point is known to handle gets its office (a 派出所 service never shows the 行政服务中心)
and a human route. Human help only names places with staff, never a self-service kiosk.
"""

from __future__ import annotations

from bot.catalog.geo import Position, Ranked, rank
from bot.catalog.model import HONG_KONG, JIANGMEN, MACAU, Catalog, Region, Service, ServicePoint
from bot.catalog.provenance import Provenance
from bot.replies import Phrases, Reply, payload
from bot.replies.provenance import (
    any_inferred,
    figure_words,
    figures_sentence,
    hotline,
    inferred_footer,
    mark,
    marked,
)
from bot.replies.services import place_line

# Offered as buttons when the user has not said where they are.
REGION_CHOICES = ("hong_kong", "macau", JIANGMEN)
# How many points the first screen describes; the others follow behind "more".
POINTS_FIRST = 3
# General-purpose staffed places, for "talk to a person" (a specialised counter is not one).
HELP_KINDS = ("hall", "cross_border_zone")


def ask_region(catalog: Catalog, phrases: Phrases) -> Reply:
    return Reply(phrases("ask_region"), region_buttons(catalog, phrases, exclude=None))


def region_buttons(catalog: Catalog, phrases: Phrases, exclude: str | None
                   ) -> list[dict[str, str]]:
    return [phrases.button("points_in", payload("find_service_point", region=region_id),
                           region=phrases.text(catalog.regions[region_id].name))
            for region_id in REGION_CHOICES if region_id != exclude]


def origin_of(region: Region | None) -> Position | None:
    return Position(region.centre.lat, region.centre.lon) if region and region.centre else None


def service_points(catalog: Catalog, phrases: Phrases, service: Service | None,
                   region: Region | None) -> Reply:
    """The points for a service and/or near a place; the rest of the area behind "more"."""
    if service is None and region is None:
        return ask_region(catalog, phrases)
    area = region.area if region else None
    first_regions = [region.id] if region and region.within else []
    origin = origin_of(region)
    area_points = catalog.points_in(area) if area else []
    if service is None:
        heading = phrases("points_near" if region.within else "points_heading",
                          region=phrases.text(region.name))
        ranked = rank(area_points, origin, first_regions)
        scope = [figures_sentence(catalog.figures_about("points"), phrases)] if (
            area in (HONG_KONG, MACAU)) else []
        return _listing(catalog, phrases, [heading], ranked, None, region, scope=scope)
    handling = [p for p in catalog.points_handling(service)
                if area is None or catalog.regions[p.region].area == area]
    name = phrases.text(service.name)
    if not handling:
        marks: list[Provenance | None] = []
        # a service that needs a visit: say so first, and offer no video session
        first = (marked(catalog, phrases, marks, "in_person_where", service.facts["in_person"],
                        name=name) if service.in_person_required
                 else phrases("no_point_for_service", name=name))
        lines = [first, place_line(catalog, service, phrases, marks),
                 phrases("ask_at_zone", hotline=hotline(catalog, phrases))]
        others = rank(area_points, origin, first_regions)
        return _listing(catalog, phrases, lines, [], None, region, others=others, marks=marks,
                        video=not service.in_person_required)
    heading = (phrases("points_for_service_near", name=name, region=phrases.text(region.name))
               if region else phrases("points_for_service", name=name))
    others = [p for p in area_points if p not in handling]
    return _listing(catalog, phrases, [heading], rank(handling, origin, first_regions), service,
                    region, others=rank(others, origin, first_regions))


def single_point(catalog: Catalog, point: ServicePoint, phrases: Phrases,
                 region: Region | None = None) -> Reply:
    area = region.area if region else None
    marks: list[Provenance | None] = []
    lines = point_lines(catalog, point, phrases, None, None, marks)
    lines += [phrases.localised(note.text) + mark(catalog, note.provenance, phrases)
              for note in point.notes if note.shown_to(area)]
    lines += _footer(catalog, phrases, [point], marks)
    return Reply("\n".join(lines), _point_buttons(catalog, phrases, point.region))


def _listing(catalog: Catalog, phrases: Phrases, lines: list[str], ranked: list[Ranked],
             service: Service | None, region: Region | None,
             others: list[Ranked] | None = None, scope: list[str] | None = None,
             marks: list[Provenance | None] | None = None, video: bool = True) -> Reply:
    """The first few points on the first screen, the rest (and other points) behind "more".
    ``marks`` are the provenances of ``lines``; ``video`` offers a video session."""
    marks = [*(marks or [])]
    first = [*lines]
    for item in ranked[:POINTS_FIRST]:
        first += point_lines(catalog, item.point, phrases, service, item.km, marks)
    later: list[str] = []
    for item in ranked[POINTS_FIRST:]:
        later += point_lines(catalog, item.point, phrases, service, item.km, marks)
    if others:
        later.append(phrases("other_points"))
        for item in others:
            later += point_lines(catalog, item.point, phrases, None, item.km, marks)
    shown = [item.point for item in [*ranked, *(others or [])]]
    footer = [*_footer(catalog, phrases, shown, marks), *(scope or [])]
    if later:
        later += footer
    else:
        first += footer
    region_id = region.area if region else None
    return Reply("\n".join(first), _point_buttons(catalog, phrases, region_id, video),
                 more=["\n".join(later)] if later else [])


def _footer(catalog: Catalog, phrases: Phrases, points: list[ServicePoint],
            marks: list[Provenance | None]) -> list[str]:
    lines = []
    if any(None in (p.address, p.hours, p.phone) for p in points):
        lines.append(phrases("points_unknown_note", hotline=hotline(catalog, phrases)))
    if any_inferred(catalog, marks):
        lines.append(inferred_footer(phrases))
    return lines


def point_lines(catalog: Catalog, point: ServicePoint, phrases: Phrases,
                service: Service | None, km: float | None,
                marks: list[Provenance | None]) -> list[str]:
    """A short description of one point: name (and distance), address, hours, what it does."""
    parts = [] if point.staffed else [phrases.word("point_kiosk")]
    if km is not None:
        parts.append(phrases.word("point_distance", distance=distance_words(km, phrases)))
    aside = phrases.word("point_aside", parts=phrases.join(parts)) if parts else ""
    lines = [phrases("point_name", name=phrases.text(point.name), aside=aside)]
    if point.address:
        lines.append(marked(catalog, phrases, marks, "point_address", point.facts["address"],
                            value=phrases.text(point.address)))
    else:
        lines.append(phrases("point_location_unknown"))
    if point.hours is None and point.phone is None:
        lines.append(phrases("point_hours_phone_unknown"))
    else:
        unknown = phrases.word("point_unknown")
        lines.append(phrases("point_hours", value=phrases.text(point.hours) or unknown))
        lines.append(phrases("point_phone", value=point.phone or unknown))
    lines.append(_handles_line(catalog, point, phrases, service, marks))
    return lines


def _handles_line(catalog: Catalog, point: ServicePoint, phrases: Phrases,
                  service: Service | None, marks: list[Provenance | None]) -> str:
    if service is not None:
        section = point.section_for(service)
        name = phrases.text(section.name) if section else phrases.text(service.name)
        return marked(catalog, phrases, marks, "point_handles_service",
                      point.handling_provenance(service), name=name)
    if point.sections:
        return phrases("point_handles_sections",
                       sections=phrases.join([phrases.text(s.name) for s in point.sections]))
    if point.handles == "cross_border_zone":
        return marked(catalog, phrases, marks, "point_handles_zone", point.facts["handles"])
    names = [phrases.text(catalog.services[sid].name) for sid in point.handles]
    return marked(catalog, phrases, marks, "point_handles_list", point.facts["handles"],
                  services=phrases.join(names))


def distance_words(km: float, phrases: Phrases) -> str:
    if km < 1:
        return phrases.word("distance_m", m=max(100, round(km * 10) * 100))
    value = f"{km:.1f}" if km < 10 else f"{km:.0f}"
    return phrases.word("distance_km", km=value)


def _point_buttons(catalog: Catalog, phrases: Phrases, region_id: str | None,
                   video: bool = True) -> list[dict[str, str]]:
    area = catalog.regions[region_id].area if region_id else None
    book = [phrases.button("book_video", payload("book_video_service"))] if video else []
    return [*region_buttons(catalog, phrases, exclude=area), *book,
            phrases.button("human", payload("human_handoff"))]


def human_routes(catalog: Catalog, phrases: Phrases, region: Region | None) -> Reply:
    """12345 (and how to dial it from Hong Kong or Macau), 视频办, and a staffed place nearby."""
    point = help_point(catalog, region)
    video = catalog.figures_about("video")
    lines = [
        phrases("handoff_heading"),
        phrases("handoff_hotline", hotline=hotline(catalog, phrases)),
        phrases("handoff_video", figure=figure_words(video[0], phrases) if video else ""),
        phrases("handoff_point", point=_where(point, phrases)),
    ]
    return Reply("\n".join(lines), [
        phrases.button("book_video", payload("book_video_service")),
        phrases.button("points_in", payload("find_service_point", region=point.region),
                       region=phrases.text(catalog.regions[point.region].name)),
    ])


def help_point(catalog: Catalog, region: Region | None) -> ServicePoint:
    """A staffed, general-purpose place in the user's area (one with an address first); the
    municipal hall when nothing better is known."""
    candidates = [p for p in catalog.points.values() if p.kind in HELP_KINDS]
    if region:
        local = [p for p in candidates if catalog.regions[p.region].area == region.area]
        if local:
            ranked = [item.point for item in rank(local, origin_of(region), [region.id])]
            return next((p for p in ranked if p.address), ranked[0])
    return next(p for p in candidates if p.address)


def _where(point: ServicePoint, phrases: Phrases) -> str:
    name = phrases.text(point.name)
    if point.address:
        return phrases.word("point_with_address", name=name, address=phrases.text(point.address))
    return phrases.word("handoff_point_unpublished", name=name)
