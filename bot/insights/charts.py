"""The report's charts, drawn with matplotlib (no pyplot: safe in a server) and embedded in the
HTML page as PNG data URIs, so the page is one self-contained file."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

from matplotlib.figure import Figure

from bot.insights.report import FUNNEL, Report
from bot.staff.tables import RATINGS
from bot.staff.wording import Wording

# Debian's fonts-noto-cjk; matplotlib names the collection by its first face (JP), which covers
# the Simplified and Traditional characters the labels use.
FONTS = ["Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK JP", "DejaVu Sans"]
COLOURS = ["#0b5cad", "#f5a623", "#34a853", "#b3261e", "#7e57c2"]
TOP_INTENTS = 12


def _figure(width: float = 7.0, height: float = 3.2) -> Figure:
    figure = Figure(figsize=(width, height), dpi=100)
    figure.set_tight_layout(True)
    return figure


def _data_uri(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _bars(labels: Sequence[str], values: Sequence[float], title: str, horizontal: bool = False,
          colour: str = COLOURS[0]) -> str:
    figure = _figure(height=max(3.2, 0.35 * len(labels)) if horizontal else 3.2)
    axes = figure.add_subplot()
    positions = range(len(labels))
    if horizontal:
        axes.barh(positions, values, color=colour)
        axes.set_yticks(list(positions), labels=list(labels), fontfamily=FONTS)
        axes.invert_yaxis()
    else:
        axes.bar(positions, values, color=colour)
        axes.set_xticks(list(positions), labels=list(labels), fontfamily=FONTS)
    axes.set_title(title, fontfamily=FONTS)
    axes.spines[["top", "right"]].set_visible(False)
    return _data_uri(figure)


def per_day(report: Report, wording: Wording) -> str:
    figure = _figure()
    axes = figure.add_subplot()
    days = report.days
    positions = list(range(len(days)))
    width = 0.4
    axes.bar([p - width / 2 for p in positions], [report.messages_per_day[d] for d in days],
             width, label=wording("insights.messages"), color=COLOURS[0])
    axes.bar([p + width / 2 for p in positions], [report.conversations_per_day[d] for d in days],
             width, label=wording("insights.conversations"), color=COLOURS[1])
    axes.set_xticks(positions, labels=[d.strftime("%m-%d") for d in days])
    axes.legend(prop={"family": FONTS})
    axes.set_title(wording("insights.per_day"), fontfamily=FONTS)
    axes.spines[["top", "right"]].set_visible(False)
    return _data_uri(figure)


def all_charts(report: Report, wording: Wording, channel_names: dict[str, str]) -> dict[str, str]:
    scripts = report.by_script.most_common()
    channels = report.by_channel.most_common()
    intents = report.intents.most_common(TOP_INTENTS)
    ratings = (report.ratings.get("all") or {}).get("counts") or {}
    return {
        "per_day": per_day(report, wording),
        "scripts": _bars([wording(f"insights.scripts.{s}") for s, _ in scripts],
                         [n for _, n in scripts], wording("insights.by_script")),
        "channels": _bars([channel_names.get(c, c) for c, _ in channels], [n for _, n in channels],
                          wording("insights.by_channel"), colour=COLOURS[2]),
        "intents": _bars([i for i, _ in intents], [n for _, n in intents],
                         wording("insights.intents", count=TOP_INTENTS), horizontal=True),
        "funnel": _bars([wording(f"insights.funnel_stages.{s}") for s in FUNNEL],
                        [report.funnel[s] for s in FUNNEL], wording("insights.funnel"),
                        colour=COLOURS[1]),
        "ratings": _bars([wording(f"insights.rating_labels.{s}") for s in RATINGS],
                         [ratings.get(s, 0) for s in RATINGS],
                         wording("insights.ratings"), colour=COLOURS[4]),
    }
