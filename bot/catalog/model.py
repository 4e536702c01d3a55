"""The knowledge base as Python objects, built from validated YAML (see validate.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Text = Mapping[str, str]  # {"zh": Simplified Chinese, "en": English}


@dataclass(frozen=True)
class Category:
    id: str
    name: Text
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Channel:
    id: str
    name: Text
    kind: str  # service_point | video | online | in_person


@dataclass(frozen=True)
class Service:
    id: str
    name: Text
    aliases: tuple[str, ...]
    category: str
    department: Text
    level: str
    channels: Mapping[str, bool | None]
    in_person_required: bool
    in_person_reason: Text | None
    handled_elsewhere: Text | None
    materials: tuple[Text, ...]
    notes: Text | None
    sources: tuple[str, ...]
    verified: bool

    def channels_with(self, value: bool | None) -> list[str]:
        return [channel for channel, state in self.channels.items() if state is value]

    @property
    def can_be_done_remotely(self) -> bool:
        return any(self.channels.get(channel) for channel in self.remote_channel_ids())

    @property
    def video_session_possible(self) -> bool:
        """A booked video session can help: not in person only, not issued elsewhere, and
        not known to be impossible by video."""
        return (not self.in_person_required and not self.handled_elsewhere
                and self.channels.get("video") is not False)

    def remote_channel_ids(self) -> list[str]:
        return [channel for channel in self.channels if channel != "jiangmen_hall"]


@dataclass(frozen=True)
class Region:
    id: str
    name: Text
    aliases: tuple[str, ...]
    kind: str  # hk_macau | jiangmen
    notes: Text | None
    extract: bool = True


@dataclass(frozen=True)
class ServicePoint:
    id: str
    name: Text
    aliases: tuple[str, ...]
    region: str
    kind: str
    address: Text | None
    coordinates: Mapping[str, float] | None
    hours: Text | None
    phone: str | None
    handles: str | tuple[str, ...]  # "all", "cross_border_zone" or service ids
    notes: Text | None
    sources: tuple[str, ...]
    verified: bool

    def handles_service(self, service: Service) -> bool:
        if isinstance(self.handles, tuple):
            return service.id in self.handles
        if self.handles == "cross_border_zone":
            return bool(service.channels.get("cross_border_zone"))
        # "all": a hall's general windows take every Jiangmen item, not what others issue
        return not service.handled_elsewhere and service.channels.get("jiangmen_hall") is not False


@dataclass(frozen=True)
class Hotline:
    id: str
    name: Text
    number: str
    from_hk_macau: str | None
    notes: Text | None
    sources: tuple[str, ...]
    verified: bool


@dataclass(frozen=True)
class System:
    """A Hong Kong or Macau system that is not a mainland service (MPF, 央积金, Macau 社保)."""

    id: str
    name: Text
    terms: tuple[str, ...]
    explanation: Text
    contact: Text
    website: str
    mainland_category: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class AmbiguousTerm:
    terms: tuple[str, ...]
    candidates: tuple[str, ...]
    mainland_category: str
    ask_when_scripts: tuple[str, ...]
    ask_when_words: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    categories: Mapping[str, Category]
    channels: Mapping[str, Channel]
    services: Mapping[str, Service]
    regions: Mapping[str, Region]
    points: Mapping[str, ServicePoint]
    hotlines: Mapping[str, Hotline]
    systems: Mapping[str, System]
    ambiguous_terms: tuple[AmbiguousTerm, ...]
    mainland_words: tuple[str, ...]
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def services_in(self, category_id: str) -> list[Service]:
        return [s for s in self.services.values() if s.category == category_id]

    def points_in(self, region_id: str) -> list[ServicePoint]:
        if region_id == "jiangmen":
            return [p for p in self.points.values() if self.regions[p.region].kind == "jiangmen"]
        return [p for p in self.points.values() if p.region == region_id]

    def points_handling(self, service: Service) -> list[ServicePoint]:
        return [p for p in self.points.values() if p.handles_service(service)]

    @property
    def hotline(self) -> Hotline:
        """The hotline every answer can fall back on (the first one in the file)."""
        return next(iter(self.hotlines.values()))


def _words(raw: Mapping[str, Any], key: str) -> tuple[str, ...]:
    return tuple(raw.get(key) or ())


def build_catalog(services_doc: Mapping[str, Any], points_doc: Mapping[str, Any],
                  systems_doc: Mapping[str, Any]) -> Catalog:
    """Turns the three validated documents into a Catalog."""
    return Catalog(
        categories={c["id"]: Category(c["id"], c["name"], _words(c, "aliases"))
                    for c in services_doc["categories"]},
        channels={cid: Channel(cid, c["name"], c["kind"])
                  for cid, c in services_doc["channels"].items()},
        services={s["id"]: _service(s) for s in services_doc["services"]},
        regions={r["id"]: Region(r["id"], r["name"], _words(r, "aliases"), r["kind"], r["notes"],
                                 r.get("extract", True))
                 for r in points_doc["regions"]},
        points={p["id"]: _point(p) for p in points_doc["points"]},
        hotlines={h["id"]: Hotline(h["id"], h["name"], h["number"], h["from_hk_macau"], h["notes"],
                                   tuple(h["source"]), h["verified"])
                  for h in points_doc["hotlines"]},
        systems={s["id"]: System(s["id"], s["name"], tuple(s["terms"]), s["explanation"],
                                 s["contact"], s["website"], s["mainland_category"],
                                 tuple(s["source"]))
                 for s in systems_doc["systems"]},
        ambiguous_terms=tuple(
            AmbiguousTerm(tuple(a["terms"]), tuple(a["candidates"]), a["mainland_category"],
                          tuple(a["ask_when_scripts"]), tuple(a["ask_when_words"]))
            for a in systems_doc["ambiguous"]),
        mainland_words=tuple(systems_doc["mainland_words"]),
    )


def _service(raw: Mapping[str, Any]) -> Service:
    return Service(
        id=raw["id"],
        name=raw["name"],
        aliases=_words(raw, "aliases"),
        category=raw["category"],
        department=raw["department"],
        level=raw["level"],
        channels=dict(raw["channels"]),
        in_person_required=raw["in_person"]["required"],
        in_person_reason=raw["in_person"]["reason"],
        handled_elsewhere=raw["handled_elsewhere"],
        materials=tuple(raw["materials"]),
        notes=raw.get("notes"),
        sources=tuple(raw["source"]),
        verified=raw["verified"],
    )


def _point(raw: Mapping[str, Any]) -> ServicePoint:
    handles = raw["handles"]
    return ServicePoint(
        id=raw["id"],
        name=raw["name"],
        aliases=_words(raw, "aliases"),
        region=raw["region"],
        kind=raw["kind"],
        address=raw["address"],
        coordinates=raw["coordinates"],
        hours=raw["hours"],
        phone=raw["phone"],
        handles=handles if isinstance(handles, str) else tuple(handles),
        notes=raw["notes"],
        sources=tuple(raw["source"]),
        verified=raw["verified"],
    )
