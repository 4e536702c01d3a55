"""Command line for the knowledge base.

    python -m bot.catalog validate          check bot/knowledge/*.yml
    python -m bot.catalog build [--out DIR] validate, then write data/generated/ for Rasa
    python -m bot.catalog import FILE.csv   merge the bureau's official item list (docs/catalog.md)

Problems are printed one per line as "file: entry: field: message"; the exit status is 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.catalog import CatalogInvalid, load_catalog
from bot.catalog.generate import DEFAULT_OUT, write_generated
from bot.catalog.importer import import_csv


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


def _run(args: argparse.Namespace) -> int:
    if args.command == "validate":
        catalog = load_catalog()
        verified = sum(s.verified for s in catalog.services.values())
        print(f"ok: {len(catalog.services)} services ({verified} verified) in "
              f"{len(catalog.categories)} categories, {len(catalog.points)} service points "
              f"({sum(p.verified for p in catalog.points.values())} verified)")
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
