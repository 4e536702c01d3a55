"""NLU quality per script on the held-out set: intent accuracy and macro-F1, entity recall.

    python -m bench.nlu_by_script [--model models/current.tar.gz]
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from rasa.core.agent import Agent
from sklearn.metrics import accuracy_score, f1_score

from bench.common import REPO_ROOT, SCRIPTS, held_out, write_result


async def evaluate(model: Path) -> dict[str, dict[str, float]]:
    agent = Agent.load(str(model))
    report: dict[str, dict[str, float]] = {}
    for script in SCRIPTS:
        expected, predicted, entity_hits, entity_total = [], [], 0, 0
        for text, intent, entities in held_out(script):
            parsed = await agent.parse_message(text)
            expected.append(intent)
            predicted.append(parsed["intent"]["name"])
            found = {(e["entity"], text[e["start"]:e["end"]]) for e in parsed["entities"]}
            entity_total += len(entities)
            entity_hits += sum(entity in found for entity in entities)
        intents = sorted(set(expected))
        report[script] = {
            "examples": len(expected),
            # as users meet it: a message under the fallback threshold counts as wrong
            "intent_accuracy": round(accuracy_score(expected, predicted), 3),
            "intent_macro_f1": round(f1_score(expected, predicted, labels=intents,
                                              average="macro"), 3),
            "fallback_rate": round(predicted.count("nlu_fallback") / len(predicted), 3),
            "entity_recall": round(entity_hits / entity_total, 3) if entity_total else None,
        }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=REPO_ROOT / "models" / "current.tar.gz")
    args = parser.parse_args()
    report = asyncio.run(evaluate(args.model))
    summary = "nlu by script: " + "; ".join(
        f"{script} macro-F1 {r['intent_macro_f1']:.3f} acc {r['intent_accuracy']:.3f} "
        f"fallback {r['fallback_rate']:.3f} entity recall {r['entity_recall']}"
        for script, r in report.items())
    write_result("nlu_by_script", summary, {"scripts": report})


if __name__ == "__main__":
    main()
