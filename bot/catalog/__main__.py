"""Command line for the knowledge base.

    python -m bot.catalog validate          check bot/knowledge/*.yml
    python -m bot.catalog build [--out DIR] validate, then write data/generated/ for Rasa
    python -m bot.catalog import FILE.csv   merge the bureau's official item list (docs/catalog.md)

Problems are printed one per line as "file: entry: field: message"; the exit status is 1.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from bot.catalog import Catalog, CatalogInvalid, load_catalog
from bot.catalog.generate import DEFAULT_OUT, write_generated
from bot.catalog.importer import import_csv
from bot.catalog.provenance import LEVELS, SOURCE_KINDS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.catalog", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("validate", help="check the knowledge files")
    build = commands.add_parser("build", help="write the generated Rasa files")
    build.add_argument("--out", type=Path, default=DEFAULT_OUT)
    importing = commands.add_parser("import", help="merge the official item list (CSV)")
    importing.add_argument("csv", type=Path)
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except CatalogInvalid as invalid:
        for problem in invalid.problems:
            print(problem, file=sys.stderr)
        print(f"{len(invalid.problems)} problem(s); nothing was changed.", file=sys.stderr)
        return 1


def summary(catalog: Catalog) -> list[str]:
    """What `validate` prints: sizes, and how many facts stand at each provenance level."""
    levels = catalog.level_counts()
    kinds = Counter(source.kind for source in catalog.sources.values())
    no_item_source = sum(not s.sources for s in catalog.services.values())
    located = sum(p.location is not None for p in catalog.points.values())
    return [
        f"ok: {len(catalog.services)} services in {len(catalog.categories)} categories, "
        f"{len(catalog.points)} service points ({located} with a location), "
        f"{len(catalog.sources)} sources ("
        + ", ".join(f"{kinds[kind]} {kind}" for kind in SOURCE_KINDS) + ")",
        "facts by provenance level: " + ", ".join(f"{level} {levels[level]}" for level in LEVELS),
        f"services without an item-level source: {no_item_source}; "
        f"done without crossing the border per a source: "
        f"{sum(catalog.done_remotely(s) for s in catalog.services.values())}",
    ]


def _run(args: argparse.Namespace) -> int:
    if args.command == "validate":
        for line in summary(load_catalog()):
            print(line)
    elif args.command == "build":
        for path in write_generated(load_catalog(), args.out):
            print(f"wrote {path}")
    else:
        result = import_csv(args.csv)
        load_catalog()  # the written file must load; import_csv validated it before writing
        print(f"imported {args.csv}: {len(result.added)} added, {len(result.updated)} updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
