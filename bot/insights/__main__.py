"""The report of what residents asked, for the last N days.

    python -m bot.insights [--days 7] [--html var/insights.html] [--csv var/unanswered.csv]
                           [--endpoints PATH] [--language zh-Hans|zh-Hant]

Conversations come from the tracker store of ``--endpoints`` (default: the one `make run` wrote,
var/run/endpoints-5005.yml, else endpoints.yml); the centre's figures from BOOKING_DATABASE_URL.
Without --html the summary is printed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.booking.schedule import beijing_now
from bot.catalog import default_catalog
from bot.conversations import default_endpoints, tracker_store_from
from bot.insights.collect import last_days
from bot.insights.render import html_page, unanswered_csv
from bot.insights.report import Report
from bot.staff.database import centre_engine
from bot.staff.wording import DESK_LANGUAGES, Wording


def summary(report: Report) -> str:
    lines = [f"{report.first_day} to {report.last_day}: {report.messages} messages in "
             f"{report.conversations} conversations",
             f"  fallback {report.fallback} ({report.rate(report.fallback):.1%}), "
             f"out of scope {report.out_of_scope} ({report.rate(report.out_of_scope):.1%})",
             "  written forms: " + ", ".join(f"{k} {v}" for k, v in report.by_script.most_common()),
             "  channels: " + ", ".join(f"{k} {v}" for k, v in report.by_channel.most_common()),
             "  booking funnel: " + ", ".join(f"{k} {v}" for k, v in report.funnel.items())]
    lines += [f"  unanswered x{g.count}: {g.text}" for g in report.unanswered[:10]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.insights", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--html", type=Path, help="write the report page (charts embedded)")
    parser.add_argument("--csv", type=Path, help="write the unanswered messages for review")
    parser.add_argument("--endpoints", type=Path, default=None)
    parser.add_argument("--language", choices=DESK_LANGUAGES, default=DESK_LANGUAGES[0])
    args = parser.parse_args(argv)
    if not 1 <= args.days <= 366:
        parser.error("--days is between 1 and 366")
    endpoints = args.endpoints or default_endpoints()
    report = last_days(tracker_store_from(endpoints), centre_engine(), default_catalog(),
                       args.days, beijing_now())
    print(summary(report))
    if args.html:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(html_page(report, default_catalog(), Wording(args.language)),
                             encoding="utf-8")
        print(f"report written to {args.html}")
    if args.csv:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        args.csv.write_text("\ufeff" + unanswered_csv(report), encoding="utf-8")
        print(f"unanswered messages written to {args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
