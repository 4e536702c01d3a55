"""What the booking API answers with, besides its lists of slots: a booking as the public sees it
(name, phone and ID number masked, nothing once they are deleted) and the errors, each a JSON body
``{"error": {"code", "message"}}`` with a 4xx status (openapi.yml)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bot.booking.identity import parse_phone
from bot.booking.schedule import Schedule
from bot.privacy import mask, mask_name


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(status: int, code: str, message: str) -> web.Response:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return web.json_response({"error": {"code": code, "message": message}}, status=status,
                             headers=headers)


def public_view(row: dict[str, Any], schedule: Schedule) -> dict[str, Any]:
    start = datetime.fromisoformat(row["slot_start"])
    end = start + timedelta(minutes=schedule.slot_minutes)
    deleted = row["personal_data_deleted_at"] is not None
    return {
        "reference": row["reference"],
        "service": row["service_id"],
        "slot": {"start": start.isoformat(timespec="minutes"),
                 "end": end.isoformat(timespec="minutes")},
        "status": row["status"],
        "language": row["language"],
        "applicant_name": None if deleted else mask_name(row["applicant_name"]),
        "phone": None if deleted else parse_phone(row["phone"]).masked,
        "id_type": None if deleted else row["id_type"],
        "id_number": None if deleted else mask(row["id_number"]),
        "created_at": row["created_at"],
    }


def slot_reason(code: str, schedule: Schedule) -> str:
    hours = int(schedule.min_notice.total_seconds() // 3600)
    return {
        "slot_in_past": "the slot is in the past",
        "slot_too_soon": f"book at least {hours} hours ahead",
        "slot_too_far": f"book at most {schedule.max_days_ahead} days ahead",
        "closed_day": "no video sessions on that day (weekend or public holiday)",
        "slot_not_offered": "no video session starts at that time",
    }[code]


def slot_full() -> ApiError:
    return ApiError(409, "slot_full", "this slot has just been taken")


def not_found() -> ApiError:
    return ApiError(404, "not_found", "no booking with this reference and phone")
