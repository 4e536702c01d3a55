"""Answers about places and people: service points by region or service, and the human routes."""

from __future__ import annotations

from bot.catalog.model import Catalog, Region, Service, ServicePoint
from bot.replies import Phrases, Reply, payload

CITY = "jiangmen"
# Offered as buttons when the user has not said where they are.
REGION_CHOICES = ("hong_kong", "macau", CITY)
# The one hall whose address is verified: where to send people when a place has none on record.
FALLBACK_POINT = "jiangmen_admin_centre"


def ask_region(catalog: Catalog, phrases: Phrases) -> Reply:
    return Reply(phrases("ask_region"), _region_buttons(catalog, phrases, exclude=None))


def points_in_region(catalog: Catalog, region: Region, phrases: Phrases) -> Reply:
    points = catalog.points_in(region.id)
    region_name = phrases.text(region.name)
    if not points:
        fallback = catalog.points[FALLBACK_POINT]
        text = phrases("no_points_in_region", region=region_name,
                       fallback=_name_and_address(fallback, phrases))
        city = catalog.regions[CITY]
        return Reply(text, [
            phrases.button("points_in", payload("find_service_point", region=city.id),
                           region=phrases.text(city.name)),
            phrases.button("human", payload("human_handoff"))])
    lines = [phrases("points_heading", region=region_name)]
    if region.notes:
        lines.append(phrases.localised(region.notes))
    return _point_list(catalog, points, lines, phrases, exclude_region=region.id)


def points_for_service(catalog: Catalog, service: Service, phrases: Phrases) -> Reply:
    points = catalog.points_handling(service)
    lines = [phrases("points_for_service", name=phrases.text(service.name))]
    return _point_list(catalog, points, lines, phrases, exclude_region=None)


def single_point(catalog: Catalog, point: ServicePoint, phrases: Phrases) -> Reply:
    return _point_list(catalog, [point], [], phrases, exclude_region=None)


def _point_list(catalog: Catalog, points: list[ServicePoint], lines: list[str], phrases: Phrases,
                exclude_region: str | None) -> Reply:
    for point in points:
        lines += _point_lines(catalog, point, phrases)
    if any(None in (p.address, p.hours, p.phone) or not p.verified for p in points):
        lines.append(phrases("points_unknown_note",
                             from_abroad=catalog.hotline.from_hk_macau or "12345"))
    buttons = _region_buttons(catalog, phrases, exclude=exclude_region)
    buttons += [phrases.button("book_video", payload("book_video_service")),
                phrases.button("human", payload("human_handoff"))]
    return Reply("\n".join(lines), buttons)


def _point_lines(catalog: Catalog, point: ServicePoint, phrases: Phrases) -> list[str]:
    unknown = phrases.word("point_unknown")
    lines = [
        phrases("point_name", name=phrases.text(point.name)),
        phrases("point_address", value=phrases.text(point.address) or unknown),
        phrases("point_hours", value=phrases.text(point.hours) or unknown),
        phrases("point_phone", value=point.phone or unknown),
        _handles_line(catalog, point, phrases),
    ]
    if point.notes:
        lines.append(phrases.localised(point.notes))
    return lines


def _handles_line(catalog: Catalog, point: ServicePoint, phrases: Phrases) -> str:
    if point.handles == "all":
        return phrases("point_handles_all")
    handled = [s for s in catalog.services.values() if point.handles_service(s)]
    if point.handles == "cross_border_zone":
        return phrases("point_handles_zone", count=len(handled))
    return phrases("point_handles_list", services=phrases.join([phrases.text(s.name) for s in handled]))


def _name_and_address(point: ServicePoint, phrases: Phrases) -> str:
    address = phrases.text(point.address)
    return f"{phrases.text(point.name)}（{address}）" if address else phrases.text(point.name)


def _region_buttons(catalog: Catalog, phrases: Phrases, exclude: str | None
                    ) -> list[dict[str, str]]:
    return [phrases.button("points_in", payload("find_service_point", region=region_id),
                           region=phrases.text(catalog.regions[region_id].name))
            for region_id in REGION_CHOICES if region_id != exclude]


def human_routes(catalog: Catalog, phrases: Phrases, region: Region | None) -> Reply:
    """12345 (and how to dial it from Hong Kong or Macau), 视频办, and the nearest service point."""
    hotline = catalog.hotline
    nearest = _nearest_point(catalog, region)
    lines = [
        phrases("handoff_heading"),
        phrases("handoff_hotline", name=phrases.text(hotline.name), number=hotline.number,
                from_abroad=hotline.from_hk_macau or hotline.number),
        phrases("handoff_video"),
        phrases("handoff_point", point=_name_and_address(nearest, phrases)),
    ]
    return Reply("\n".join(lines), [
        phrases.button("book_video", payload("book_video_service")),
        phrases.button("points_in", payload("find_service_point", region=nearest.region),
                       region=phrases.text(catalog.regions[nearest.region].name)),
    ])


def _nearest_point(catalog: Catalog, region: Region | None) -> ServicePoint:
    """The first point in the user's region with a known address, else the municipal hall."""
    if region:
        with_address = [p for p in catalog.points_in(region.id) if p.address]
        if with_address:
            return with_address[0]
    return catalog.points[FALLBACK_POINT]
