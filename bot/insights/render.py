"""The report as a self-contained HTML page (charts embedded) and the unanswered questions as CSV
for the training-data review."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from bot.booking.schedule import BEIJING
from bot.catalog.model import Catalog
from bot.insights.charts import all_charts
from bot.insights.report import Report
from bot.staff.wording import Wording

TEMPLATES = Path(__file__).with_name("templates")
# the columns of the review file; "intent" is for the reviewer to fill in (see docs/staff.md)
CSV_COLUMNS = ("text", "count", "predicted", "channels", "first_seen", "last_seen", "variants",
               "intent")


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, BEIJING).strftime("%Y-%m-%d %H:%M")


def context(report: Report, catalog: Catalog, wording: Wording) -> dict[str, Any]:
    """What report_body.html needs; the desk renders the same body inside its own page."""
    channel_names = {key: wording(f"channels.{key}") for key in ("rest", "socketio", "wechat")}
    service_names = {sid: wording.catalog_text(s.name) for sid, s in catalog.services.items()}
    return {"report": report, "charts": all_charts(report, wording, channel_names),
            "channel_names": channel_names, "service_names": service_names, "when": _when,
            "latency": report.latency_percentiles()}


def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True)


def html_page(report: Report, catalog: Catalog, wording: Wording) -> str:
    page = environment().get_template("report_page.html")
    return page.render(t=wording, lang=wording.language, **context(report, catalog, wording))


def unanswered_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for found in report.unanswered:
        writer.writerow([found.text, found.count,
                         " ".join(f"{i}:{n}" for i, n in found.intents.most_common()),
                         " ".join(f"{c}:{n}" for c, n in found.channels.most_common()),
                         _when(found.first_seen), _when(found.last_seen),
                         " | ".join(v for v, _ in found.variants.most_common() if v != found.text),
                         ""])
    return out.getvalue()
