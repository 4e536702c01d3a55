"""The knowledge base: service catalog, service points, other systems, sources (docs/catalog.md)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bot.catalog.build import build_catalog
from bot.catalog.model import Catalog
from bot.catalog.rules import rule_problems
from bot.catalog.validate import CatalogInvalid, Problem, read_yaml, schema_problems

KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"
SERVICES_FILE = "services.yml"
POINTS_FILE = "service_points.yml"
SYSTEMS_FILE = "systems.yml"
SOURCES_FILE = "sources.yml"
# key -> (file name, its definition in schema.yml)
FILES = {"services": (SERVICES_FILE, "services_file"),
         "points": (POINTS_FILE, "service_points_file"),
         "systems": (SYSTEMS_FILE, "systems_file"),
         "sources": (SOURCES_FILE, "sources_file")}

__all__ = ["FILES", "KNOWLEDGE_DIR", "Catalog", "CatalogInvalid", "Problem", "default_catalog",
           "load_catalog", "load_documents", "problems_of"]


def load_documents(directory: Path = KNOWLEDGE_DIR) -> dict[str, object]:
    """The knowledge files as parsed YAML, by key ("services", "points", ...)."""
    return {key: read_yaml(directory / name) for key, (name, _) in FILES.items()}


def problems_of(documents: dict[str, object]) -> list[Problem]:
    """Every problem of the documents: the schema first, then the rules between entries."""
    problems = [problem for key, document in documents.items()
                for problem in schema_problems(FILES[key][0], document, FILES[key][1])]
    if problems:
        return problems
    return rule_problems(documents["services"], documents["points"], documents["systems"],
                         documents["sources"], {key: name for key, (name, _) in FILES.items()})


def load_catalog(directory: Path = KNOWLEDGE_DIR) -> Catalog:
    """Reads and validates the knowledge files; raises CatalogInvalid listing all problems."""
    documents = load_documents(directory)
    problems = problems_of(documents)
    if problems:
        raise CatalogInvalid(problems)
    return build_catalog(documents["services"], documents["points"], documents["systems"],
                         documents["sources"])


@cache
def default_catalog() -> Catalog:
    """The catalog the running bot answers from, loaded once per process."""
    return load_catalog()
