"""Fails when the held-out NLU evaluation is below the bar (make test-nlu).

    python scripts/check_nlu_report.py results/nlu/intent_report.json --min-macro-f1 0.90
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("report", type=Path, help="intent_report.json written by `rasa test nlu`")
    parser.add_argument("--min-macro-f1", type=float, required=True)
    args = parser.parse_args()
    report = json.loads(args.report.read_text(encoding="utf-8"))
    intents = {name: scores for name, scores in report.items()
               if isinstance(scores, dict) and "support" in scores and " avg" not in name}
    for name, scores in sorted(intents.items(), key=lambda item: item[1]["f1-score"]):
        print(f"  {name:<20} f1 {scores['f1-score']:.3f}  (n={scores['support']})")
    macro = report["macro avg"]["f1-score"]
    print(f"held-out intent macro-F1 {macro:.3f}, accuracy {report['accuracy']:.3f} "
          f"(bar: {args.min_macro_f1:.2f})")
    if macro < args.min_macro_f1:
        print("error: held-out intent macro-F1 is below the bar", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
