"""The knowledge base as Python objects (build.py makes them from the validated YAML).

Every fact that can be wrong keeps its provenance (``bot.catalog.provenance``): how sure we are
(official, reported, inferred) and which sources say it. Values stay plain (a channel is True/False/None, a
department a ``{zh, en}`` text) so code that only needs the value reads it directly;
``facts[field]`` holds the provenance of each field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.catalog.provenance import LEVELS, Provenance, Source, provenance_of, weakest

Text = Mapping[str, str]  # {"zh": Simplified Chinese, "en": English}

HONG_KONG, MACAU, JIANGMEN = "hong_kong", "macau", "jiangmen"
VIDEO = "video"
CROSS_BORDER_ZONE = "cross_border_zone"


@dataclass(frozen=True)
class Note:
    text: Text
    audience: str | None  # hong_kong | macau | None (everyone)
    provenance: Provenance

    def shown_to(self, area: str | None) -> bool:
        """A note for Hong Kong readers is not shown to someone in Macau, and the reverse."""
        return self.audience is None or area is None or self.audience == area


@dataclass(frozen=True)
class Figure:
    id: str
    topic: str  # services | points | video
    text: Text
    year: int
    provenance: Provenance


@dataclass(frozen=True)
class Category:
    id: str
    name: Text
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Channel:
    id: str
    name: Text
    kind: str  # service_point | video | online


@dataclass(frozen=True)
class Service:
    id: str
    name: Text
    aliases: tuple[str, ...]
    category: str
    level: str
    sources: tuple[str, ...]  # sources naming this item; () = no item-level source
    department: Text
    office: Text | None  # where applications are taken in person, when known
    channels: Mapping[str, bool | None]
    in_person_required: bool | None  # None: unknown
    in_person_reason: Text | None
    handled_elsewhere: Text | None
    materials: tuple[Mapping[str, str], ...]  # {zh, en[, for]}
    notes: tuple[Note, ...]
    facts: Mapping[str, Provenance]  # field ("department", "channels.video", ...) -> provenance

    def channels_with(self, value: bool | None) -> list[str]:
        return [channel for channel, state in self.channels.items() if state is value]

    def remote_channels(self, *, confirmed_only: bool = False) -> list[str]:
        """Channels that do the service without crossing the border (all are remote)."""
        return [c for c, state in self.channels.items()
                if state and (not confirmed_only or self.facts[f"channels.{c}"].confirmed)]

    @property
    def can_be_done_remotely(self) -> bool:
        """A source (not only our reasoning) says some channel does it without crossing."""
        return bool(self.remote_channels(confirmed_only=True))

    @property
    def video_session_possible(self) -> bool:
        """A booked video session can help: not in person only, not issued elsewhere, and
        not known to be impossible by video."""
        return (not self.in_person_required and not self.handled_elsewhere
                and self.channels.get(VIDEO) is not False)

    @property
    def video_confirmed(self) -> bool:
        return bool(self.channels.get(VIDEO)) and self.facts[f"channels.{VIDEO}"].confirmed

    def materials_for(self, area: str | None) -> list[Mapping[str, str]]:
        return [m for m in self.materials if area is None or m.get("for") in (None, area)]

    def materials_provenance(self, area: str | None) -> Provenance | None:
        """How sure the materials a reader in ``area`` sees are: the weakest of the list's level
        and the levels of items that carry their own."""
        if "materials" not in self.facts:
            return None
        own = [provenance_of(m) for m in self.materials_for(area) if "level" in m]
        return weakest([self.facts["materials"], *own])

    def notes_for(self, area: str | None) -> list[Note]:
        return [note for note in self.notes if note.shown_to(area)]

    def provenance(self, fact: str) -> Provenance | None:
        return self.facts.get(fact)


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float
    accuracy_m: int
    provenance: Provenance


@dataclass(frozen=True)
class Region:
    id: str
    name: Text
    aliases: tuple[str, ...]
    kind: str  # hk_macau | jiangmen
    notes: tuple[Note, ...]
    within: str | None = None  # a district's wider region
    centre: Location | None = None
    extract: bool = True

    @property
    def area(self) -> str:
        """hong_kong, macau or jiangmen: the wider place this region is in."""
        return self.within or (self.id if self.kind == "hk_macau" else JIANGMEN)


@dataclass(frozen=True)
class Section:
    id: str
    name: Text
    services: tuple[str, ...]
    provenance: Provenance


@dataclass(frozen=True)
class ServicePoint:
    id: str
    name: Text
    aliases: tuple[str, ...]
    region: str
    kind: str  # hall | cross_border_zone | kiosk | partner_counter
    sources: tuple[str, ...]
    address: Text | None
    location: Location | None
    hours: Text | None
    phone: str | None
    handles: str | tuple[str, ...]  # "cross_border_zone" or service ids
    sections: tuple[Section, ...]
    notes: tuple[Note, ...]
    facts: Mapping[str, Provenance]

    @property
    def staffed(self) -> bool:
        """People work here (a self-service kiosk is never offered as human help)."""
        return self.kind != "kiosk"

    def section_for(self, service: Service) -> Section | None:
        return next((s for s in self.sections if service.id in s.services), None)

    def handles_service(self, service: Service) -> bool:
        if self.section_for(service):
            return True
        if self.handles == CROSS_BORDER_ZONE:
            return bool(service.channels.get(CROSS_BORDER_ZONE))
        return service.id in self.handles

    def handling_provenance(self, service: Service) -> Provenance:
        """How sure we are that this point does the service (for a zone, the weaker of the zone
        doing cross-border items and the item being one)."""
        section = self.section_for(service)
        if section:
            return section.provenance
        if self.handles == CROSS_BORDER_ZONE:
            return weakest([self.facts["handles"], service.facts[f"channels.{CROSS_BORDER_ZONE}"]])
        return self.facts["handles"]


@dataclass(frozen=True)
class Hotline:
    id: str
    name: Text
    number: str
    from_hk_macau: str | None
    from_hk_macau_provenance: Provenance | None
    notes: Text | None
    sources: tuple[str, ...]


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
    provenance: Provenance


@dataclass(frozen=True)
class AmbiguousTerm:
    terms: tuple[str, ...]
    candidates: tuple[str, ...]
    mainland_category: str
    ask_when_scripts: tuple[str, ...]
    ask_when_words: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    figures: Mapping[str, Figure]
    categories: Mapping[str, Category]
    channels: Mapping[str, Channel]
    services: Mapping[str, Service]
    regions: Mapping[str, Region]
    points: Mapping[str, ServicePoint]
    hotlines: Mapping[str, Hotline]
    systems: Mapping[str, System]
    ambiguous_terms: tuple[AmbiguousTerm, ...]
    mainland_words: tuple[str, ...]
    sources: Mapping[str, Source] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def figures_about(self, topic: str) -> list[Figure]:
        return [f for f in self.figures.values() if f.topic == topic]

    def services_in(self, category_id: str) -> list[Service]:
        return [s for s in self.services.values() if s.category == category_id]

    def points_in(self, region_id: str) -> list[ServicePoint]:
        """Points in a region; a wider region (Hong Kong, Macau, Jiangmen) includes its districts."""
        region = self.regions[region_id]
        if region.within:
            return [p for p in self.points.values() if p.region == region_id]
        return [p for p in self.points.values() if self.regions[p.region].area == region.area]

    def done_remotely(self, service: Service) -> bool:
        """A source (not only our reasoning) says a channel, or a kiosk or counter in Hong Kong
        or Macau, does this service without crossing the border."""
        return service.can_be_done_remotely or any(
            point.handling_provenance(service).confirmed for point in self.points_handling(service)
            if self.regions[point.region].area in (HONG_KONG, MACAU))

    def points_handling(self, service: Service) -> list[ServicePoint]:
        handling = self.points_by_service().get(service.id)
        if handling is not None and self.services.get(service.id) is service:
            return list(handling)
        return [p for p in self.points.values() if p.handles_service(service)]

    def points_by_service(self) -> Mapping[str, tuple[ServicePoint, ...]]:
        """The points that handle each service of the catalog, worked out once: an overview
        asks it of every service (thousands of checks)."""
        if "points_by_service" not in self._cache:
            self._cache["points_by_service"] = {
                s.id: tuple(p for p in self.points.values() if p.handles_service(s))
                for s in self.services.values()}
        return self._cache["points_by_service"]

    def most_specific_region(self, region_ids: Iterable[str]) -> str | None:
        """Of several regions named together ("香港中環"), the district wins over its area."""
        ids = [r for r in region_ids if r in self.regions]
        ids.sort(key=lambda r: (self.regions[r].kind != "hk_macau", self.regions[r].within is None))
        return ids[0] if ids else None

    def best_sources(self, source_ids: Iterable[str]) -> list[Source]:
        """The sources, most authoritative first (official, media, secondary), newest first."""
        sources = [self.sources[s] for s in dict.fromkeys(source_ids) if s in self.sources]
        return sorted(sources, key=lambda s: (s.rank, -(s.year or 0)))

    @property
    def hotline(self) -> Hotline:
        """The hotline every answer can fall back on (the first one in the file)."""
        return next(iter(self.hotlines.values()))

    def level_counts(self) -> dict[str, int]:
        """How many facts the catalog holds at each provenance level."""
        counts = dict.fromkeys(LEVELS, 0)
        for provenance in self.all_facts():
            counts[provenance.level] += 1
        return counts

    def all_facts(self) -> list[Provenance]:
        facts: list[Provenance] = []
        for service in self.services.values():
            facts += [*service.facts.values(), *(n.provenance for n in service.notes),
                      *(provenance_of(m) for m in service.materials if "level" in m)]
        for point in self.points.values():
            facts += [*point.facts.values(), *(n.provenance for n in point.notes),
                      *(s.provenance for s in point.sections)]
        for region in self.regions.values():
            facts += [n.provenance for n in region.notes]
            facts += [region.centre.provenance] if region.centre else []
        facts += [h.from_hk_macau_provenance for h in self.hotlines.values()
                  if h.from_hk_macau_provenance]
        facts += [s.provenance for s in self.systems.values()]
        facts += [f.provenance for f in self.figures.values()]
        return facts
