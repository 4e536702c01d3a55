"""The latency picture: p50, p95 and p99 against concurrent senders, ours and stock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: files only
import matplotlib.pyplot as plt

STYLES = {"ours": "tab:blue", "stock": "tab:gray"}
LINES = {"p50_ms": "-", "p95_ms": "--", "p99_ms": ":"}


def draw_percentiles(figures: dict[str, Any], concurrency: tuple[int, ...], path: Path,
                     title: str) -> Path:
    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    for bot, colour in STYLES.items():
        levels = figures[bot]["levels"]
        for key, line in LINES.items():
            ax.plot(concurrency, [levels[str(n)][key] for n in concurrency], line, marker="o",
                    color=colour, label=f"{bot} {key.removesuffix('_ms')}")
    ax.set_xscale("log")
    ax.set_xticks(concurrency, [str(n) for n in concurrency])
    ax.set_yscale("log")
    ax.set_xlabel("concurrent senders")
    ax.set_ylabel("latency per message (ms)")
    ax.set_title(f"REST webhook latency, {title}, ours against stock Rasa (same run)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(ncol=2, fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
