"""Importing the bureau's official item list (CSV) into services.yml.

All or nothing: every row is checked first, the merged catalog is validated as a whole, and only
then is services.yml replaced, atomically, keeping its comments and layout. A bad row is reported
with its line number. The columns are documented in docs/catalog.md.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bot.catalog import KNOWLEDGE_DIR, POINTS_FILE, SERVICES_FILE, SYSTEMS_FILE
from bot.catalog.validate import (
    CatalogInvalid,
    Problem,
    read_yaml,
    rule_problems,
    schema_errors,
    schema_problems,
    short_message,
)
from bot.fileio import write_atomically

REQUIRED_COLUMNS = ("id", "name_zh", "name_en", "category", "department_zh", "department_en",
                    "level", "source")
CHANNEL_COLUMNS = ("cross_border_zone", "video", "yueshengshi", "yueshangtong", "gdzwfw", "etax")
OPTIONAL_COLUMNS = (*CHANNEL_COLUMNS, "in_person_required", "in_person_reason_zh",
                    "in_person_reason_en", "materials_zh", "materials_en", "aliases", "verified")
YES = {"是", "yes", "true", "y", "1"}
NO = {"否", "no", "false", "n", "0"}
LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class ImportResult:
    added: list[str]
    updated: list[str]


def import_csv(csv_path: Path, knowledge_dir: Path = KNOWLEDGE_DIR) -> ImportResult:
    """Merges the CSV into services.yml; raises CatalogInvalid and changes nothing on any problem."""
    rows = _read_rows(csv_path)
    services_path = knowledge_dir / SERVICES_FILE
    round_trip = YAML()
    round_trip.preserve_quotes = True
    round_trip.width = 4096
    document = round_trip.load(services_path.read_text(encoding="utf-8"))
    lines_by_id = {service["id"]: line for line, service in rows}
    added, updated = _merge(document["services"], [service for _, service in rows])
    buffer = io.StringIO()
    round_trip.dump(document, buffer)
    merged = buffer.getvalue()
    _validate_merged(merged, knowledge_dir, csv_path.name, lines_by_id)
    write_atomically(services_path, merged)
    return ImportResult(added, updated)


def _read_rows(csv_path: Path) -> list[tuple[int, dict[str, Any]]]:
    name = csv_path.name
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise CatalogInvalid([Problem(name, "-", "-", f"not UTF-8 text ({error.reason})")]
                             ) from error
    except OSError as error:
        raise CatalogInvalid([Problem(name, "-", "-", f"cannot read: {error.strerror}")]
                             ) from error
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    problems = [Problem(name, "line 1", column, "required column is missing")
                for column in REQUIRED_COLUMNS if column not in header]
    problems += [Problem(name, "line 1", column, "unknown column")
                 for column in header if column not in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)]
    if problems:
        raise CatalogInvalid(problems)
    rows: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            cells = {key: (value or "").strip() for key, value in row.items() if key}
            service, row_problems = _service_from_row(cells, name, line)
            if service["id"] in seen:
                row_problems.append(Problem(name, f"line {line}", "id",
                                            f"also on line {seen[service['id']]}"))
            seen[service["id"]] = line
            problems += row_problems
            rows.append((line, service))
    except csv.Error as error:
        problems.append(Problem(name, f"line {reader.line_num}", "-", f"not valid CSV: {error}"))
    if not rows and not problems:
        problems.append(Problem(name, "-", "-", "no rows to import"))
    if problems:
        raise CatalogInvalid(problems)
    return rows


def _service_from_row(cells: Mapping[str, str], file: str, line: int
                      ) -> tuple[dict[str, Any], list[Problem]]:
    problems: list[Problem] = []

    def flag(column: str) -> bool | None:
        value = cells.get(column, "").lower()
        if not value:
            return None
        if value in YES or value in NO:
            return value in YES
        problems.append(Problem(file, f"line {line}", column,
                                f"'{cells[column]}' is not 是/否, yes/no or empty"))
        return None

    required = bool(flag("in_person_required"))
    reason = _text(cells, "in_person_reason")
    materials_zh = _split(cells.get("materials_zh", ""))
    materials_en = _split(cells.get("materials_en", ""))
    if len(materials_zh) != len(materials_en):
        problems.append(Problem(file, f"line {line}", "materials_en",
                                f"{len(materials_en)} materials in English but "
                                f"{len(materials_zh)} in Chinese"))
    service = {
        "id": cells.get("id", ""),
        "name": _text(cells, "name"),
        "aliases": _split(cells.get("aliases", "")),
        "category": cells.get("category", ""),
        "department": _text(cells, "department"),
        "level": cells.get("level", ""),
        "channels": {column: flag(column) for column in CHANNEL_COLUMNS},
        "in_person": {"required": required, "reason": reason},
        "handled_elsewhere": None,
        "materials": [{"zh": zh, "en": en} for zh, en in zip(materials_zh, materials_en, strict=False)],
        "source": [cells.get("source", "")],
        "verified": bool(flag("verified")),
    }
    for error in schema_errors(service, "service"):
        column = _column_of(list(error.absolute_path))
        problems.append(Problem(file, f"line {line}", column, short_message(error)))
    return service, problems


def _text(cells: Mapping[str, str], prefix: str) -> dict[str, str] | None:
    zh, en = cells.get(f"{prefix}_zh", ""), cells.get(f"{prefix}_en", "")
    return {"zh": zh, "en": en} if zh or en else None


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]


def _column_of(path: list[Any]) -> str:
    """The CSV column a schema error inside a service dict comes from."""
    if not path:
        return "-"
    if path[0] in ("name", "department") and len(path) > 1:
        return f"{path[0]}_{path[1]}"
    if path[0] == "in_person":
        return "in_person_reason_zh" if path[-1] == "reason" else "in_person_required"
    if path[0] == "materials":
        return "materials_zh"
    if path[0] == "channels" and len(path) > 1:
        return str(path[1])
    return str(path[0])


def _merge(services: CommentedSeq, rows: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Updates services in place: the official list wins on the fields it has."""
    by_id = {entry["id"]: entry for entry in services}
    added, updated = [], []
    for row in rows:
        entry = by_id.get(row["id"])
        if entry is None:
            services.append(CommentedMap(row))
            added.append(row["id"])
            continue
        for key in ("name", "category", "department", "level", "in_person", "source", "verified"):
            entry[key] = row[key]
        entry["channels"].update(row["channels"])
        entry["aliases"] = list(dict.fromkeys([*entry.get("aliases", []), *row["aliases"]]))
        if row["materials"]:
            entry["materials"] = row["materials"]
        updated.append(row["id"])
    return added, updated


def _validate_merged(merged: str, knowledge_dir: Path, csv_name: str,
                     lines_by_id: Mapping[str, int]) -> None:
    services = yaml.safe_load(merged)
    points = read_yaml(knowledge_dir / POINTS_FILE)
    systems = read_yaml(knowledge_dir / SYSTEMS_FILE)
    problems = schema_problems(SERVICES_FILE, services, "services_file")
    if not problems:
        problems = rule_problems(services, points, systems, {
            "services": SERVICES_FILE, "points": POINTS_FILE, "systems": SYSTEMS_FILE})
    if problems:
        raise CatalogInvalid([_blame_row(p, csv_name, lines_by_id) for p in problems])


def _blame_row(problem: Problem, csv_name: str, lines_by_id: Mapping[str, int]) -> Problem:
    """Names the CSV line when a merged-catalog problem is about an imported service."""
    for service_id, line in lines_by_id.items():
        if problem.entry == f"services '{service_id}'":
            return Problem(csv_name, f"line {line} ({service_id})", problem.field,
                           problem.message)
    return problem
