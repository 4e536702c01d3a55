"""The report of what residents asked (bot/insights), on the desk for admins."""

from __future__ import annotations

from aiohttp import web

from bot.blocking import off_loop
from bot.insights.collect import last_days
from bot.insights.render import TEMPLATES, context, unanswered_csv
from bot.insights.report import Report
from bot.staff.web import DeskError, desk_of, render, requires

MAX_DAYS = 90
REPORT_DEADLINE = 120.0


async def _report(request: web.Request) -> tuple[int, Report]:
    desk = desk_of(request)
    text = request.query.get("days", "7")
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        raise DeskError(400, "invalid_number", field=request["wording"]("insights.days_label"),
                        low=1, high=MAX_DAYS)
    tracker_store = desk.services.get("tracker_store")
    if tracker_store is None:
        raise DeskError(503, "error_500")
    days = int(text)
    return days, await off_loop(last_days, tracker_store, desk.engine, desk.catalog, days,
                                desk.clock(), deadline=REPORT_DEADLINE)


@requires("admin")
async def insights_page(request: web.Request) -> web.Response:
    days, report = await _report(request)
    values = context(report, desk_of(request).catalog, request["wording"])
    return render(request, "insights.html", days=days, max_days=MAX_DAYS,
                  csv_url=f"/admin/insights/unanswered.csv?days={days}", **values)


@requires("admin")
async def insights_csv(request: web.Request) -> web.Response:
    days, report = await _report(request)
    return web.Response(body=("\ufeff" + unanswered_csv(report)).encode("utf-8"),
                        content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="unanswered-{days}-days.csv"'})


async def report_css(_: web.Request) -> web.FileResponse:
    return web.FileResponse(TEMPLATES / "report.css")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/admin/insights", insights_page)
    app.router.add_get("/admin/insights/unanswered.csv", insights_csv)
    app.router.add_get("/static/report.css", report_css)
