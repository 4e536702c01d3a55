"""Importing the bureau's official item list (CSV) into services.yml.

All or nothing: every row is checked first, the merged catalog is validated as a whole, and only
then are services.yml and sources.yml replaced, atomically, keeping their comments and layout. A
bad row is reported with its line number. The columns are documented in docs/catalog.md.

The list is an official source: every fact a row states becomes `level: official` citing the
row's `source` (an official entry of sources.yml), and that source records that it names the
item. A cell left empty states nothing, so it never overwrites what the catalog already knows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bot.catalog import FILES, KNOWLEDGE_DIR, load_documents, problems_of
from bot.catalog.validate import (
    CatalogInvalid,
    Problem,
    parse_yaml,
    read_yaml,
    schema_errors,
    short_message,
)
from bot.fileio import write_atomically

REQUIRED_COLUMNS = ("id", "name_zh", "name_en", "category", "department_zh", "department_en",
                    "level", "source")
OTHER_COLUMNS = ("in_person_required", "in_person_reason_zh", "in_person_reason_en",
                 "materials_zh", "materials_en", "aliases")
YES = {"是", "yes", "true", "y", "1"}
NO = {"否", "no", "false", "n", "0"}
LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class ImportResult:
    added: list[str]
    updated: list[str]


def _round_trip() -> YAML:
    loader = YAML()
    loader.preserve_quotes = True
    loader.width = 4096
    return loader


def import_csv(csv_path: Path, knowledge_dir: Path = KNOWLEDGE_DIR) -> ImportResult:
    """Merges the CSV into the catalog; raises CatalogInvalid and changes nothing on a problem."""
    paths = {key: knowledge_dir / name for key, (name, _) in FILES.items()}
    # the rows first (fast): a bad file is reported before the slower round-trip loading
    rows = _read_rows(csv_path, channels=list(read_yaml(paths["services"])["channels"]))
    loader = _round_trip()
    services = loader.load(paths["services"].read_text(encoding="utf-8"))
    sources = loader.load(paths["sources"].read_text(encoding="utf-8"))
    added, updated = _merge(services["services"], [service for _, service in rows])
    _record_mentions(sources["sources"], [service for _, service in rows])
    texts = {"services": _dump(loader, services), "sources": _dump(loader, sources)}
    documents = {**load_documents(knowledge_dir),
                 **{key: parse_yaml(text) for key, text in texts.items()}}
    problems = problems_of(documents)
    if problems:
        lines_by_id = {service["id"]: line for line, service in rows}
        raise CatalogInvalid([_blame_row(p, csv_path.name, lines_by_id) for p in problems])
    for key, text in texts.items():
        write_atomically(paths[key], text)
    return ImportResult(added, updated)


def _dump(loader: YAML, document: Any) -> str:
    buffer = io.StringIO()
    loader.dump(document, buffer)
    return buffer.getvalue()


def _read_rows(csv_path: Path, channels: Sequence[str]) -> list[tuple[int, dict[str, Any]]]:
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
                 for column in header if column not in (*REQUIRED_COLUMNS, *OTHER_COLUMNS, *channels)]
    if problems:
        raise CatalogInvalid(problems)
    rows: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            cells = {key: (value or "").strip() for key, value in row.items() if key}
            service, row_problems = _service_from_row(cells, channels, name, line)
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


def _service_from_row(cells: Mapping[str, str], channels: Sequence[str], file: str, line: int
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

    official = {"level": "official", "sources": [cells.get("source", "")]}
    required = flag("in_person_required")
    materials_zh = _split(cells.get("materials_zh", ""))
    materials_en = _split(cells.get("materials_en", ""))
    if len(materials_zh) != len(materials_en):
        problems.append(Problem(file, f"line {line}", "materials_en",
                                f"{len(materials_en)} materials in English but "
                                f"{len(materials_zh)} in Chinese"))
    flags = {column: flag(column) for column in channels}
    service = {
        "id": cells.get("id", ""),
        "name": _text(cells, "name"),
        "aliases": _split(cells.get("aliases", "")),
        "category": cells.get("category", ""),
        "level": cells.get("level", ""),
        "sources": official["sources"],
        "department": {**(_text(cells, "department") or {}), **official},
        "office": None,
        "channels": {c: None if value is None else {"value": value, **official}
                     for c, value in flags.items()},
        "in_person": None if required is None else {
            "required": required, "reason": _text(cells, "in_person_reason"), **official},
        "handled_elsewhere": None,
        "materials": {**official, "items": [{"zh": zh, "en": en} for zh, en
                                            in zip(materials_zh, materials_en, strict=False)]}
        if materials_zh else None,
        "notes": [],
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
    if path[0] in ("name", "department") and len(path) > 1 and path[1] in ("zh", "en"):
        return f"{path[0]}_{path[1]}"
    if path[0] == "in_person":
        return "in_person_reason_zh" if "reason" in path else "in_person_required"
    if path[0] == "materials":
        return "materials_zh"
    if path[0] == "channels" and len(path) > 1:
        return str(path[1])
    if path[0] in ("sources", "department"):
        return "source"
    return str(path[0])


def _merge(services: CommentedSeq, rows: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Updates services in place: the official list wins on the facts its row states."""
    by_id = {entry["id"]: entry for entry in services}
    added, updated = [], []
    for row in rows:
        entry = by_id.get(row["id"])
        if entry is None:
            services.append(CommentedMap(row))
            added.append(row["id"])
            continue
        for key in ("name", "category", "department", "level"):
            entry[key] = row[key]
        entry["sources"] = list(dict.fromkeys([*entry["sources"], *row["sources"]]))
        entry["channels"].update({c: flag for c, flag in row["channels"].items() if flag})
        entry["aliases"] = list(dict.fromkeys([*entry.get("aliases", []), *row["aliases"]]))
        for key in ("in_person", "materials"):
            if row[key] is not None:
                entry[key] = row[key]
        updated.append(row["id"])
    return added, updated


def _record_mentions(sources: CommentedSeq, rows: list[dict[str, Any]]) -> None:
    """The list names every item it has a row for."""
    by_id = {entry["id"]: entry for entry in sources}
    for row in rows:
        source = by_id.get(row["sources"][0])
        if source is not None and row["id"] not in source["mentions"]:
            source["mentions"].append(row["id"])


def _blame_row(problem: Problem, csv_name: str, lines_by_id: Mapping[str, int]) -> Problem:
    """Names the CSV line when a merged-catalog problem is about an imported service."""
    for service_id, line in lines_by_id.items():
        if problem.entry == f"services '{service_id}'":
            return Problem(csv_name, f"line {line} ({service_id})", problem.field,
                           problem.message)
    return problem
