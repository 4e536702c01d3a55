"""The nearest service points to a shared location (contract 2: the widget and WeChat send
``/share_location{"latitude": …, "longitude": …}``).

Points with a location are ranked by straight-line distance, those that handle the current
service first; points whose location is not published are listed as such and never ranked. No
usable coordinates: ask for the area with the region buttons.
"""

from __future__ import annotations

from bot.catalog.geo import Position, Ranked, rank
from bot.catalog.model import Catalog, Service
from bot.replies import Phrases, Reply, payload
from bot.replies.points import POINTS_FIRST, distance_words, region_buttons

RANKED_SHOWN = 6  # ranked points listed at all; the first POINTS_FIRST fit the first screen


def nearest(catalog: Catalog, phrases: Phrases, position: Position | None,
            service: Service | None = None) -> Reply:
    if position is None:
        return Reply(phrases("no_location"), region_buttons(catalog, phrases, exclude=None))
    points = list(catalog.points.values())
    located = [p for p in points if p.location]
    first: list[str] = []
    if service is not None:
        handling = [p for p in located if p.handles_service(service)]
        heading = phrases("nearest_for_service", name=phrases.text(service.name))
        ranked = rank(handling, position) + rank([p for p in located if p not in handling],
                                                 position)
    else:
        heading = phrases("nearest_heading")
        ranked = rank(located, position)
    first.append(heading)
    lines = [_line(rank_number, item, phrases)
             for rank_number, item in enumerate(ranked[:RANKED_SHOWN], start=1)]
    first += [line for pair in lines[:POINTS_FIRST] for line in pair]
    later = [line for pair in lines[POINTS_FIRST:] for line in pair]
    unlocated = [phrases.text(p.name) for p in points if not p.location]
    if unlocated:
        later.append(phrases("not_located", names=phrases.join(unlocated)))
    later.append(phrases("estimated_positions"))
    nearest_region = ranked[0].point.region if ranked else None
    buttons = [phrases.button("points_in", payload("find_service_point", region=nearest_region),
                              region=phrases.text(catalog.regions[nearest_region].name))
               ] if nearest_region else []
    buttons += [phrases.button("book_video", payload("book_video_service")),
                phrases.button("human", payload("human_handoff"))]
    return Reply("\n".join(first), buttons, more=["\n".join(later)])


def _line(number: int, item: Ranked, phrases: Phrases) -> tuple[str, ...]:
    point = item.point
    name = phrases.text(point.name)
    line = phrases("nearest_line", rank=number, name=name,
                   distance=distance_words(item.km or 0.0, phrases))
    if point.address:
        return line, phrases("nearest_address", address=phrases.text(point.address))
    return (line,)
