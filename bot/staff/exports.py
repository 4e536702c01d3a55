"""The day's list for the clerks' own tools: CSV (opens in Excel: UTF-8 with a byte-order mark)
and iCalendar (RFC 5545, made with the icalendar package). Phones and IDs stay masked."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from typing import Any

from icalendar import Calendar, Event

from bot.catalog.model import Catalog
from bot.staff.wording import Wording

PRODUCT_ID = "-//Jiangmen cross-border service assistant//Staff desk//ZH"
UID_DOMAIN = "staff-desk.jiangmen-assistant.invalid"


def _service_name(catalog: Catalog, service_id: str, wording: Wording) -> str:
    service = catalog.services.get(service_id)
    return wording.catalog_text(service.name) if service else service_id


def _status(row: dict[str, Any], wording: Wording) -> str:
    return wording(f"statuses.{row['outcome'] or row['status']}")


def day_csv(rows: list[dict[str, Any]], catalog: Catalog, wording: Wording) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([wording(key) for key in ("col_time", "col_reference", "col_service",
                                              "col_language", "col_status", "col_phone", "col_id")])
    for row in rows:
        writer.writerow([row["slot_start"].strftime("%Y-%m-%d %H:%M"), row["reference"],
                         _service_name(catalog, row["service_id"], wording),
                         wording(f"languages.{row['language']}"), _status(row, wording),
                         row["phone"] or "", row["id_number"] or ""])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def day_ics(rows: list[dict[str, Any]], catalog: Catalog, wording: Wording, slot_minutes: int,
            now: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    for row in rows:
        start = row["slot_start"].astimezone(timezone.utc)  # UTC: valid without a VTIMEZONE
        service = _service_name(catalog, row["service_id"], wording)
        event = Event()
        event.add("uid", f"{row['reference']}@{UID_DOMAIN}")
        event.add("dtstamp", now.astimezone(timezone.utc))
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=slot_minutes))
        event.add("summary", f"视频办 {row['reference']} · {service}")
        language = wording(f"languages.{row['language']}")
        event.add("description", "\n".join([
            f"{wording('col_language')}: {language}",
            f"{wording('col_phone')}: {row['phone'] or '-'}",
            f"{wording('col_status')}: {_status(row, wording)}"]))
        event.add("status", "CANCELLED" if row["status"] == "cancelled" else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
