"""The knowledge base: service catalog, service points and other systems (docs/catalog.md)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bot.catalog.model import Catalog, build_catalog
from bot.catalog.validate import CatalogInvalid, Problem, read_yaml, rule_problems, schema_problems

KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"
SERVICES_FILE = "services.yml"
POINTS_FILE = "service_points.yml"
SYSTEMS_FILE = "systems.yml"

__all__ = ["KNOWLEDGE_DIR", "Catalog", "CatalogInvalid", "Problem", "default_catalog",
           "load_catalog"]


def load_catalog(directory: Path = KNOWLEDGE_DIR) -> Catalog:
    """Reads and validates the three knowledge files; raises CatalogInvalid listing all problems."""
    files = {"services": SERVICES_FILE, "points": POINTS_FILE, "systems": SYSTEMS_FILE}
    definitions = {"services": "services_file", "points": "service_points_file",
                   "systems": "systems_file"}
    documents = {key: read_yaml(directory / name) for key, name in files.items()}
    problems = [problem for key, document in documents.items()
                for problem in schema_problems(files[key], document, definitions[key])]
    if not problems:
        problems = rule_problems(documents["services"], documents["points"],
                                 documents["systems"], files)
    if problems:
        raise CatalogInvalid(problems)
    return build_catalog(documents["services"], documents["points"], documents["systems"])


@cache
def default_catalog() -> Catalog:
    """The catalog the running bot answers from, loaded once per process."""
    return load_catalog()
