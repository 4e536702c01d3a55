"""Distances between places of the catalog and ranking points by distance.

Only points with a location are ranked; the others keep their place after them ("位置未公布").
Straight-line (great-circle) distance is enough to tell near from far across the Pearl River
Delta; nobody is routed by it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from bot.catalog.model import ServicePoint

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Position:
    lat: float
    lon: float

    @classmethod
    def of(cls, lat: object, lon: object) -> Position | None:
        """A position from untrusted values (a payload's entities), or None when not valid."""
        try:
            latitude, longitude = float(lat), float(lon)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
        if not (math.isfinite(latitude) and math.isfinite(longitude)):
            return None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            return None
        return cls(latitude, longitude)


def distance_km(a: Position, b: Position) -> float:
    """Great-circle distance (haversine)."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlon = lat2 - lat1, math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(h, 1.0)))


def point_position(point: ServicePoint) -> Position | None:
    return Position(point.location.lat, point.location.lon) if point.location else None


@dataclass(frozen=True)
class Ranked:
    point: ServicePoint
    km: float | None  # None: no location, not ranked


def rank(points: Iterable[ServicePoint], origin: Position | None,
         first: Iterable[str] = ()) -> list[Ranked]:
    """Points in the ``first`` regions (the user's own district) before all others; then, from
    an origin, nearest first with points without a location after the located ones. Staffed
    places come before kiosks at the same spot; otherwise the file's order holds."""
    preferred = set(first)
    ranked = []
    for order, point in enumerate(points):
        position = point_position(point)
        km = distance_km(origin, position) if origin and position else None
        unranked = origin is not None and position is None
        ranked.append((point.region not in preferred, unranked, km or 0.0,
                       not point.staffed, order, Ranked(point, km)))
    return [item[-1] for item in sorted(ranked, key=lambda item: item[:-1])]
