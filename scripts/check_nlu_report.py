"""Scores the trained model on the held-out NLU set, per written form, and fails below the floors
(make test-nlu).

    python scripts/check_nlu_report.py --model models/current.tar.gz --nlu tests/nlu \
        --out results/nlu --min-macro-f1 0.95 --min-entity-recall 0.95

The held-out files are grouped by form: ``<form>.yml`` and ``booking_<form>.yml`` (the booking
track's), form one of cantonese, traditional, simplified, english; any other file is an error, so
nothing is left out silently. For each form it reports:

- intent macro-F1 over the intents of that form's examples (a prediction of another intent, or of
  nlu_fallback, counts against the recall of the true one and the precision of the predicted one);
- entity recall: the share of annotated entities found with the same type and value (catalog
  names are resolved to ids, as the actions see them).

The model is loaded once; one pass over every example takes well under a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMS = ("cantonese", "traditional", "simplified", "english")
FILE_NAME = re.compile(rf"^(?:booking_)?({'|'.join(FORMS)})\.yml$")
CATALOG_KINDS = {"service": "services", "category": "categories", "region": "regions"}


@dataclass
class Example:
    text: str
    intent: str
    entities: list[tuple[str, str]]  # (type, value)


@dataclass
class FormScore:
    examples: int = 0
    macro_f1: float = 0.0
    accuracy: float = 0.0
    entity_recall: float = 1.0
    entities: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def form_of(path: Path) -> str:
    match = FILE_NAME.match(path.name)
    if not match:
        raise SystemExit(f"error: {path}: held-out files are <form>.yml or booking_<form>.yml, "
                         f"form one of {', '.join(FORMS)}")
    return match.group(1)


def canonical(entity_type: str, value: Any) -> str:
    """An entity value as the actions see it: catalog names become ids."""
    from bot.catalog import default_catalog
    from bot.catalog.search import resolve

    if entity_type in CATALOG_KINDS:
        return resolve(default_catalog(), CATALOG_KINDS[entity_type], value) or str(value)
    return str(value)


def load_examples(directory: Path) -> dict[str, list[Example]]:
    from rasa.shared.nlu.training_data.loading import load_data

    by_form: dict[str, list[Example]] = defaultdict(list)
    paths = sorted(directory.glob("*.yml"))
    if not paths:
        raise SystemExit(f"error: no held-out files in {directory}")
    for path in paths:
        form = form_of(path)
        for message in load_data(str(path)).intent_examples:
            entities = [(e["entity"], canonical(e["entity"], e.get("value", "")))
                        for e in message.get("entities") or []]
            by_form[form].append(Example(message.get("text"), message.get("intent"), entities))
    return by_form


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    """Macro-F1 over the true labels of the examples."""
    labels = sorted({true for true, _ in pairs})
    scores = []
    for label in labels:
        tp = sum(t == label and p == label for t, p in pairs)
        fp = sum(t != label and p == label for t, p in pairs)
        fn = sum(t == label and p != label for t, p in pairs)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


async def _parse_all(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    from bot import patches

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    patches.apply_all()  # parsed as the server parses (DIET's scores: bot/patches/intents.py)
    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def score(examples: list[Example], parses: list[dict[str, Any]]) -> FormScore:
    result = FormScore(examples=len(examples))
    pairs = []
    found_entities = 0
    for example, parse in zip(examples, parses, strict=True):
        predicted = (parse.get("intent") or {}).get("name") or "None"
        pairs.append((example.intent, predicted))
        got = {(e["entity"], canonical(e["entity"], e.get("value"))) for e in parse["entities"]}
        missed = [e for e in example.entities if e not in got]
        found_entities += len(example.entities) - len(missed)
        result.entities += len(example.entities)
        if predicted != example.intent or missed:
            result.errors.append({"text": example.text, "intent": example.intent,
                                  "predicted": predicted,
                                  "confidence": round((parse.get("intent") or {}).get(
                                      "confidence", 0.0), 3),
                                  "missed_entities": missed, "found": sorted(got)})
    result.macro_f1 = macro_f1(pairs)
    result.accuracy = sum(t == p for t, p in pairs) / len(pairs) if pairs else 0.0
    result.entity_recall = found_entities / result.entities if result.entities else 1.0
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--nlu", type=Path, required=True, help="the held-out directory")
    parser.add_argument("--out", type=Path, required=True, help="where heldout.json goes")
    parser.add_argument("--min-macro-f1", type=float, required=True)
    parser.add_argument("--min-entity-recall", type=float, required=True)
    args = parser.parse_args(argv)
    by_form = load_examples(args.nlu)
    missing = [form for form in FORMS if not by_form.get(form)]
    if missing:
        print(f"error: no held-out examples for {', '.join(missing)}", file=sys.stderr)
        return 1
    everything = [example for form in FORMS for example in by_form[form]]
    parses = iter(asyncio.run(_parse_all(args.model, [e.text for e in everything])))
    scores = {form: score(by_form[form], [next(parses) for _ in by_form[form]])
              for form in FORMS}
    failed = False
    for form, result in scores.items():
        low = (result.macro_f1 < args.min_macro_f1
               or result.entity_recall < args.min_entity_recall)
        failed |= low
        print(f"{form:<12} n={result.examples:<4} intent macro-F1 {result.macro_f1:.3f}  "
              f"accuracy {result.accuracy:.3f}  entity recall {result.entity_recall:.3f} "
              f"(of {result.entities}){'  BELOW THE FLOOR' if low else ''}")
        for error in result.errors:
            print(f"    {error['text']!r}: {error['intent']} -> {error['predicted']} "
                  f"({error['confidence']}) missed {error['missed_entities'] or '-'}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "heldout.json").write_text(json.dumps(
        {form: vars(result) for form, result in scores.items()}, ensure_ascii=False, indent=1),
        encoding="utf-8")
    print(f"floors: intent macro-F1 {args.min_macro_f1:.2f}, "
          f"entity recall {args.min_entity_recall:.2f} in every form")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
