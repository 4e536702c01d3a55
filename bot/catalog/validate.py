"""Checks the knowledge files and names the file, entry and field of every problem.

First the JSON Schema in schema.yml, then the rules a schema cannot express: references between
entries, unique ids and aliases, and that the bot can always tell a user *how* to get a service done.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from bot.nlu.normaliser import normalise_term

SCHEMA_FILE = Path(__file__).with_name("schema.yml")


@dataclass(frozen=True)
class Problem:
    file: str
    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.entry}: {self.field}: {self.message}"


class CatalogInvalid(Exception):
    """The knowledge files have problems; ``problems`` lists every one."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def read_yaml(path: Path) -> Any:
    """Parses a YAML file; a syntax error becomes a Problem with its line number."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CatalogInvalid([Problem(path.name, "-", "-", f"cannot read: {error.strerror}")]
                             ) from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "-"
        raise CatalogInvalid([Problem(path.name, where, "-", f"not valid YAML: {error}")]
                             ) from error


@cache
def _schema() -> dict[str, Any]:
    return yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))


def schema_errors(document: Any, definition: str) -> list[jsonschema.ValidationError]:
    """Errors of ``document`` against ``$defs/<definition>`` of schema.yml, in document order."""
    schema = {**_schema(), "$ref": f"#/$defs/{definition}"}
    validator = jsonschema.Draft202012Validator(schema)
    return sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.path)))


def schema_problems(file: str, document: Any, definition: str) -> list[Problem]:
    """Problems of a whole knowledge file against its schema definition."""
    return [_problem(file, document, error) for error in schema_errors(document, definition)]


def _problem(file: str, document: Any, error: jsonschema.ValidationError) -> Problem:
    path = list(error.absolute_path)
    entry, field = _entry_and_field(document, path)
    return Problem(file, entry, field, short_message(error))


def _entry_and_field(document: Any, path: list[Any]) -> tuple[str, str]:
    """Splits a JSON path into the entry it belongs to and the field inside that entry."""
    if len(path) >= 2 and isinstance(path[1], int):
        section, index = path[0], path[1]
        item = document[section][index] if isinstance(document, Mapping) else None
        name = item.get("id") if isinstance(item, Mapping) else None
        entry = f"{section} '{name}'" if name else f"{section}[{index + 1}]"
        return entry, ".".join(map(str, path[2:])) or "-"
    if len(path) >= 2:
        return f"{path[0]} '{path[1]}'", ".".join(map(str, path[2:])) or "-"
    return "-", ".".join(map(str, path)) or "-"


def short_message(error: jsonschema.ValidationError) -> str:
    if error.validator == "oneOf":
        return f"{error.instance!r} is not valid here"
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown field")
    return error.message


def rule_problems(services_doc: Mapping[str, Any], points_doc: Mapping[str, Any],
                  systems_doc: Mapping[str, Any], files: Mapping[str, str]) -> list[Problem]:
    """The cross-entry rules (docs/catalog.md). Only called on schema-valid documents."""
    categories = {c["id"] for c in services_doc["categories"]}
    channels = set(services_doc["channels"])
    services = {s["id"] for s in services_doc["services"]}
    regions = {r["id"] for r in points_doc["regions"]}
    systems = {s["id"] for s in systems_doc["systems"]}
    problems: list[Problem] = []
    problems += _duplicate_ids(files["services"], "categories", services_doc["categories"])
    problems += _duplicate_ids(files["services"], "services", services_doc["services"])
    problems += _duplicate_ids(files["points"], "regions", points_doc["regions"])
    problems += _duplicate_ids(files["points"], "points", points_doc["points"])
    problems += _duplicate_ids(files["points"], "hotlines", points_doc["hotlines"])
    problems += _duplicate_ids(files["systems"], "systems", systems_doc["systems"])
    for service in services_doc["services"]:
        problems += _service_problems(files["services"], service, categories, channels)
    problems += _alias_problems(files["services"], services_doc)
    problems += _words_shared(files["points"], "regions", points_doc["regions"])
    problems += _words_shared(files["points"], "points", points_doc["points"])
    for point in points_doc["points"]:
        entry = f"points '{point['id']}'"
        if point["region"] not in regions:
            problems.append(Problem(files["points"], entry, "region",
                                    f"unknown region '{point['region']}'"))
        if isinstance(point["handles"], list):
            problems += [Problem(files["points"], entry, "handles", f"unknown service '{sid}'")
                         for sid in point["handles"] if sid not in services]
        problems += _verified_needs_url(files["points"], entry, point)
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
    in_person = service["in_person"]
    if in_person["required"]:
        if not in_person["reason"]:
            yield Problem(file, entry, "in_person.reason",
                          "a service that must be done in person needs the reason")
        for remote in ("cross_border_zone", "video"):
            if service["channels"].get(remote):
                yield Problem(file, entry, f"channels.{remote}",
                              "cannot be true when in_person.required is true")
    if not (any(service["channels"].values()) or in_person["required"]
            or service["handled_elsewhere"]):
        yield Problem(file, entry, "channels",
                      "no way to get it done: set a channel to true, in_person.required, "
                      "or handled_elsewhere")
    if not service["materials"] and not service["handled_elsewhere"]:
        yield Problem(file, entry, "materials", "list the materials (empty only when "
                                                "handled_elsewhere is set)")
    yield from _verified_needs_url(file, entry, service)


def _verified_needs_url(file: str, entry: str, item: Mapping[str, Any]) -> list[Problem]:
    if item["verified"] and not any(s.startswith(("http://", "https://")) for s in item["source"]):
        return [Problem(file, entry, "source", "verified: true needs at least one URL source")]
    return []


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
