"""The rules the schema cannot express: references between entries, unique ids and aliases, and
that the bot can always tell a user *how* to get a service done (docs/catalog.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bot.catalog.build import point_facts, service_facts
from bot.catalog.validate import Problem
from bot.nlu.normaliser import normalise_term


def rule_problems(services_doc: Mapping[str, Any], points_doc: Mapping[str, Any],
                  systems_doc: Mapping[str, Any], sources_doc: Mapping[str, Any],
                  files: Mapping[str, str]) -> list[Problem]:
    """The cross-entry rules (docs/catalog.md). Only called on schema-valid documents."""
    categories = {c["id"] for c in services_doc["categories"]}
    services = {s["id"] for s in services_doc["services"]}
    regions = {r["id"]: r for r in points_doc["regions"]}
    systems = {s["id"] for s in systems_doc["systems"]}
    problems: list[Problem] = []
    for file, section, items in (
            (files["services"], "categories", services_doc["categories"]),
            (files["services"], "services", services_doc["services"]),
            (files["services"], "figures", services_doc["figures"]),
            (files["points"], "regions", points_doc["regions"]),
            (files["points"], "points", points_doc["points"]),
            (files["points"], "hotlines", points_doc["hotlines"]),
            (files["systems"], "systems", systems_doc["systems"]),
            (files["sources"], "sources", sources_doc["sources"])):
        problems += _duplicate_ids(file, section, items)
    for service in services_doc["services"]:
        problems += _service_problems(files["services"], service, categories,
                                      set(services_doc["channels"]))
    problems += _alias_problems(files["services"], services_doc)
    problems += _words_shared(files["points"], "regions", points_doc["regions"])
    problems += _words_shared(files["points"], "points", points_doc["points"])
    problems += _region_problems(files["points"], regions)
    problems += _point_problems(files["points"], points_doc["points"], regions, services_doc)
    for system in systems_doc["systems"]:
        if system["mainland_category"] not in categories:
            problems.append(Problem(files["systems"], f"systems '{system['id']}'",
                                    "mainland_category",
                                    f"unknown category '{system['mainland_category']}'"))
    for index, rule in enumerate(systems_doc["ambiguous"]):
        entry = f"ambiguous[{index + 1}]"
        problems += [Problem(files["systems"], entry, "candidates", f"unknown system '{sid}'")
                     for sid in rule["candidates"] if sid not in systems]
        if rule["mainland_category"] not in categories:
            problems.append(Problem(files["systems"], entry, "mainland_category",
                                    f"unknown category '{rule['mainland_category']}'"))
    items = services | {p["id"] for p in points_doc["points"]} | systems | {
        h["id"] for h in points_doc["hotlines"]}
    problems += _source_problems(files["sources"], sources_doc, items, categories)
    sources = {s["id"]: s for s in sources_doc["sources"]}
    facts = list(cited_facts(services_doc, points_doc, systems_doc, files))
    for fact in facts:
        problems += _provenance_problems(fact, sources)
    problems += _unlisted_sources(facts)
    return problems


def _duplicate_ids(file: str, section: str, items: Iterable[Mapping[str, Any]]) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for item in items:
        if item["id"] in seen:
            problems.append(Problem(file, f"{section} '{item['id']}'", "id", "id used twice"))
        seen.add(item["id"])
    return problems


def _service_problems(file: str, service: Mapping[str, Any], categories: set[str],
                      channels: set[str]) -> Iterator[Problem]:
    entry = f"services '{service['id']}'"
    if service["category"] not in categories:
        yield Problem(file, entry, "category", f"unknown category '{service['category']}'")
    for channel in service["channels"]:
        if channel not in channels:
            yield Problem(file, entry, f"channels.{channel}", f"unknown channel '{channel}'")
    in_person = service["in_person"] or {}
    if in_person.get("required"):
        if not in_person["reason"]:
            yield Problem(file, entry, "in_person.reason",
                          "a service that must be done in person needs the reason")
        for remote in ("cross_border_zone", "video"):
            if (service["channels"].get(remote) or {}).get("value"):
                yield Problem(file, entry, f"channels.{remote}",
                              "cannot be true when in_person.required is true")
    if service["materials"] is None and not service["handled_elsewhere"]:
        yield Problem(file, entry, "materials", "list the materials (null only when "
                                                "handled_elsewhere is set)")


def _region_problems(file: str, regions: Mapping[str, Mapping[str, Any]]) -> list[Problem]:
    problems = []
    for region in regions.values():
        within = region.get("within")
        if within is None:
            continue
        wider = regions.get(within)
        if wider is None or wider.get("within"):
            problems.append(Problem(file, f"regions '{region['id']}'", "within",
                                    f"'{within}' is not a wider region"))
        elif wider["kind"] != region["kind"]:
            problems.append(Problem(file, f"regions '{region['id']}'", "kind",
                                    f"differs from the kind of '{within}'"))
    return problems


def _point_problems(file: str, points: Iterable[Mapping[str, Any]],
                    regions: Mapping[str, Any], services_doc: Mapping[str, Any]) -> list[Problem]:
    services = {s["id"]: s for s in services_doc["services"]}
    problems = []
    for point in points:
        entry = f"points '{point['id']}'"
        if point["region"] not in regions:
            problems.append(Problem(file, entry, "region", f"unknown region '{point['region']}'"))
        handles = point["handles"]
        if ("services" in handles) == ("sections" in handles):
            problems.append(Problem(file, entry, "handles", "give either services or sections"))
        listed = handles.get("services")
        named = [*(listed if isinstance(listed, list) else ()),
                 *(sid for section in handles.get("sections", ()) for sid in section["services"])]
        problems += [Problem(file, entry, "handles", f"unknown service '{sid}'")
                     for sid in named if sid not in services]
        for section in handles.get("sections", ()):
            problems += [Problem(file, entry, f"handles.sections.{section['id']}",
                                 f"'{sid}' also names an office: one place per service")
                         for sid in section["services"] if sid in services
                         and services[sid]["office"] is not None]
    return problems


def _source_problems(file: str, sources_doc: Mapping[str, Any], items: set[str],
                     categories: set[str]) -> list[Problem]:
    problems = []
    for source in sources_doc["sources"]:
        entry = f"sources '{source['id']}'"
        problems += [Problem(file, entry, "mentions", f"unknown item '{item}'")
                     for item in source["mentions"] if item not in items]
        problems += [Problem(file, entry, "areas", f"unknown category '{area}'")
                     for area in source.get("areas", ()) if area not in categories]
    return problems


@dataclass(frozen=True)
class CitedFact:
    """A fact, or a list of sources shown for an item, and the item its sources must name."""

    file: str
    entry: str
    field: str
    item: str | None  # None: an area-level statement (figures, region notes)
    level: str  # official | reported | inferred | shown (an item's own list of sources)
    sources: tuple[str, ...]


def cited_facts(services_doc: Mapping[str, Any], points_doc: Mapping[str, Any],
                systems_doc: Mapping[str, Any], files: Mapping[str, str]) -> Iterator[CitedFact]:
    """Every fact with its provenance, and every item's own list of sources."""
    def fact(file: str, entry: str, name: str, item: str | None,
             raw: Mapping[str, Any]) -> CitedFact:
        return CitedFact(file, entry, name, item, raw["level"], tuple(raw.get("sources") or ()))

    services_file, points_file = files["services"], files["points"]
    for service in services_doc["services"]:
        sid, entry = service["id"], f"services '{service['id']}'"
        yield CitedFact(services_file, entry, "sources", sid, "shown", tuple(service["sources"]))
        for name, raw in service_facts(service).items():
            yield fact(services_file, entry, name, sid, raw)
        for index, note in enumerate(service["notes"]):
            yield fact(services_file, entry, f"notes[{index + 1}]", sid, note)
        for index, item in enumerate((service["materials"] or {}).get("items", ())):
            if "level" in item:
                yield fact(services_file, entry, f"materials.items[{index + 1}]", sid, item)
    for figure in services_doc["figures"]:
        yield fact(services_file, f"figures '{figure['id']}'", "-", None, figure)
    for point in points_doc["points"]:
        pid, entry = point["id"], f"points '{point['id']}'"
        yield CitedFact(points_file, entry, "sources", pid, "shown", tuple(point["sources"]))
        for name, raw in point_facts(point).items():
            yield fact(points_file, entry, name, pid, raw)
        for section in point["handles"].get("sections", ()):
            yield fact(points_file, entry, f"handles.sections.{section['id']}", pid, section)
        for index, note in enumerate(point["notes"]):
            yield fact(points_file, entry, f"notes[{index + 1}]", pid, note)
    for region in points_doc["regions"]:
        entry = f"regions '{region['id']}'"
        for index, note in enumerate(region["notes"]):
            yield fact(points_file, entry, f"notes[{index + 1}]", None, note)
        if region.get("centre"):
            yield fact(points_file, entry, "centre", None, region["centre"])
    for hotline in points_doc["hotlines"]:
        entry = f"hotlines '{hotline['id']}'"
        yield CitedFact(points_file, entry, "sources", hotline["id"], "shown",
                        tuple(hotline["sources"]))
        if hotline["from_hk_macau"]:
            yield fact(points_file, entry, "from_hk_macau", hotline["id"],
                       hotline["from_hk_macau"])
    for system in systems_doc["systems"]:
        yield fact(files["systems"], f"systems '{system['id']}'", "-", system["id"], system)


def _provenance_problems(fact: CitedFact, sources: Mapping[str, Mapping[str, Any]]
                         ) -> list[Problem]:
    """Cited sources exist; an official fact has an official source; a source backing an
    official or reported fact, or shown for an item, names that item."""
    problems = [Problem(fact.file, fact.entry, fact.field, f"unknown source '{sid}'")
                for sid in fact.sources if sid not in sources]
    known = [sources[sid] for sid in fact.sources if sid in sources]
    if fact.level == "official" and not any(s["kind"] == "official" for s in known):
        problems.append(Problem(fact.file, fact.entry, fact.field,
                                "level official needs a source of kind official"))
    if fact.level != "inferred" and fact.item:
        problems += [Problem(fact.file, fact.entry, fact.field,
                             f"source '{s['id']}' does not mention '{fact.item}'")
                     for s in known if fact.item not in s["mentions"]]
    return problems


def _unlisted_sources(facts: list[CitedFact]) -> list[Problem]:
    """A source that backs an item's fact is among the sources the answer shows for the item."""
    shown = {(f.file, f.entry): set(f.sources) for f in facts if f.level == "shown"}
    problems = []
    for fact in facts:
        listed = shown.get((fact.file, fact.entry))
        if listed is None or fact.level in ("shown", "inferred"):
            continue
        problems += [Problem(fact.file, fact.entry, fact.field,
                             f"source '{sid}' is not in the entry's sources")
                     for sid in fact.sources if sid not in listed]
    return problems


def _alias_problems(file: str, services_doc: Mapping[str, Any]) -> list[Problem]:
    """One word, one service; and no service word that is also a category word."""
    category_words = {normalise_term(word): c["id"] for c in services_doc["categories"]
                      for word in (c["name"]["zh"], c["name"]["en"], *c.get("aliases", ()))}
    problems = _words_shared(file, "services", services_doc["services"])
    for service in services_doc["services"]:
        for word in service.get("aliases", ()):
            if normalise_term(word) in category_words:
                problems.append(Problem(
                    file, f"services '{service['id']}'", "aliases",
                    f"'{word}' is also a word of category "
                    f"'{category_words[normalise_term(word)]}'"))
    return problems


def _words_shared(file: str, section: str, items: Iterable[Mapping[str, Any]]) -> list[Problem]:
    """Names and aliases that two entries share, compared in their normalised form."""
    owners: dict[str, list[str]] = defaultdict(list)
    for item in items:
        words = {normalise_term(w) for w in
                 (item["name"]["zh"], item["name"]["en"], *item.get("aliases", ()))}
        for word in words:
            owners[word].append(item["id"])
    return [Problem(file, f"{section} '{ids[1]}'", "aliases",
                    f"'{word}' also belongs to '{ids[0]}'")
            for word, ids in owners.items() if len(ids) > 1]
