"""The Catalog built from the knowledge documents once validate.py and rules.py have checked them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.catalog.model import (
    AmbiguousTerm,
    Catalog,
    Category,
    Channel,
    Figure,
    Hotline,
    Location,
    Note,
    Region,
    Section,
    Service,
    ServicePoint,
    System,
    Text,
)
from bot.catalog.provenance import Source, provenance_of


def _words(raw: Mapping[str, Any], key: str) -> tuple[str, ...]:
    return tuple(raw.get(key) or ())


def _text(raw: Mapping[str, Any] | None) -> Text | None:
    return {"zh": raw["zh"], "en": raw["en"]} if raw else None


def _notes(raw: Iterable[Mapping[str, Any]] | None) -> tuple[Note, ...]:
    return tuple(Note(_text(n), n.get("for"), provenance_of(n)) for n in raw or ())


def build_catalog(services_doc: Mapping[str, Any], points_doc: Mapping[str, Any],
                  systems_doc: Mapping[str, Any],
                  sources_doc: Mapping[str, Any] | None = None) -> Catalog:
    """Turns the validated documents into a Catalog."""
    return Catalog(
        figures={f["id"]: Figure(f["id"], f["topic"], f["text"], f["year"], provenance_of(f))
                 for f in services_doc["figures"]},
        categories={c["id"]: Category(c["id"], c["name"], _words(c, "aliases"))
                    for c in services_doc["categories"]},
        channels={cid: Channel(cid, c["name"], c["kind"])
                  for cid, c in services_doc["channels"].items()},
        services={s["id"]: _service(s) for s in services_doc["services"]},
        regions={r["id"]: _region(r) for r in points_doc["regions"]},
        points={p["id"]: _point(p) for p in points_doc["points"]},
        hotlines={h["id"]: _hotline(h) for h in points_doc["hotlines"]},
        systems={s["id"]: System(s["id"], s["name"], tuple(s["terms"]), s["explanation"],
                                 s["contact"], s["website"], s["mainland_category"],
                                 provenance_of(s))
                 for s in systems_doc["systems"]},
        ambiguous_terms=tuple(
            AmbiguousTerm(tuple(a["terms"]), tuple(a["candidates"]), a["mainland_category"],
                          tuple(a["ask_when_scripts"]), tuple(a["ask_when_words"]))
            for a in systems_doc["ambiguous"]),
        mainland_words=tuple(systems_doc["mainland_words"]),
        sources={s["id"]: _source(s) for s in (sources_doc or {}).get("sources", ())},
    )


def service_facts(raw: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The raw fact entries of a service, by field name (those that make a claim)."""
    facts: dict[str, Mapping[str, Any]] = {"department": raw["department"]}
    for key in ("office", "in_person", "handled_elsewhere", "materials"):
        if raw[key] is not None:
            facts[key] = raw[key]
    facts.update({f"channels.{channel}": flag for channel, flag in raw["channels"].items()
                  if flag is not None})
    return facts


def point_facts(raw: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    facts = {key: raw[key] for key in ("name", "address", "location", "hours", "phone")
             if raw[key] is not None}
    facts["handles"] = raw["handles"]
    return facts


def _service(raw: Mapping[str, Any]) -> Service:
    in_person = raw["in_person"] or {}
    materials = raw["materials"] or {}
    return Service(
        id=raw["id"],
        name=raw["name"],
        aliases=_words(raw, "aliases"),
        category=raw["category"],
        level=raw["level"],
        sources=tuple(raw["sources"]),
        department=_text(raw["department"]),
        office=_text(raw["office"]),
        channels={c: (flag["value"] if flag else None) for c, flag in raw["channels"].items()},
        in_person_required=in_person.get("required"),
        in_person_reason=in_person.get("reason"),
        handled_elsewhere=_text(raw["handled_elsewhere"]),
        materials=tuple(dict(m) for m in materials.get("items", ())),
        notes=_notes(raw["notes"]),
        facts={name: provenance_of(fact) for name, fact in service_facts(raw).items()},
    )


def _location(raw: Mapping[str, Any] | None) -> Location | None:
    if not raw:
        return None
    return Location(float(raw["lat"]), float(raw["lon"]), int(raw["accuracy_m"]),
                    provenance_of(raw))


def _region(raw: Mapping[str, Any]) -> Region:
    return Region(raw["id"], raw["name"], _words(raw, "aliases"), raw["kind"],
                  _notes(raw["notes"]), raw.get("within"), _location(raw.get("centre")),
                  raw.get("extract", True))


def _point(raw: Mapping[str, Any]) -> ServicePoint:
    handles = raw["handles"]
    services = handles.get("services", ())
    return ServicePoint(
        id=raw["id"],
        name=_text(raw["name"]),
        aliases=_words(raw, "aliases"),
        region=raw["region"],
        kind=raw["kind"],
        sources=tuple(raw["sources"]),
        address=_text(raw["address"]),
        location=_location(raw["location"]),
        hours=_text(raw["hours"]),
        phone=raw["phone"]["value"] if raw["phone"] else None,
        handles=services if isinstance(services, str) else tuple(services),
        sections=tuple(Section(s["id"], s["name"], tuple(s["services"]), provenance_of(s))
                       for s in handles.get("sections", ())),
        notes=_notes(raw["notes"]),
        facts={name: provenance_of(fact) for name, fact in point_facts(raw).items()},
    )


def _hotline(raw: Mapping[str, Any]) -> Hotline:
    abroad = raw["from_hk_macau"]
    return Hotline(raw["id"], raw["name"], raw["number"], abroad["value"] if abroad else None,
                   provenance_of(abroad) if abroad else None, raw["notes"],
                   tuple(raw["sources"]))


def _source(raw: Mapping[str, Any]) -> Source:
    return Source(raw["id"], raw["title"], raw["short"], raw["kind"], raw["url"],
                  raw.get("copy_of"), raw["year"], tuple(raw["mentions"]),
                  _words(raw, "areas"))
