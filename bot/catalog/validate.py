"""Checks the knowledge files and names the file, entry and field of every problem.

First the JSON Schema in schema.yml (here), then the rules a schema cannot express (rules.py):
references between entries, unique ids and aliases, and that the bot can always tell a user *how*
to get a service done.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

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


# libyaml's parser when PyYAML was built with it: the knowledge files are large
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_LOADER)


def read_yaml(path: Path) -> Any:
    """Parses a YAML file; a syntax error becomes a Problem with its line number."""
    try:
        return parse_yaml(path.read_text(encoding="utf-8"))
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
        # a fact that is not null: say what is wrong with it, not that it is not null
        specific = [e for e in error.context or () if e.validator != "type" or e.instance is None
                    or "null" not in str(e.validator_value)]
        if error.instance is not None and specific:
            return short_message(jsonschema.exceptions.best_match(specific))
        return f"{error.instance!r} is not valid here"
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown field")
    return error.message
