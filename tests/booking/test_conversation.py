"""Small pieces of the booking conversation that the form relies on."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.booking.conversation import id_type_in, spread
from bot.booking.schedule import BEIJING


@pytest.mark.parametrize(("text", "id_type"), [
    ("我用香港身份證", "hkid"), ("HKID", "hkid"), ("澳門身份證", "macau_id"), ("BIR", "macau_id"),
    ("回鄉卡", "home_return_permit"), ("居住證", "residence_permit"),
    ("residence permit", "residence_permit"), ("身份證", None), ("my birthday", None),
])
def test_document_types_in_any_script(text: str, id_type: str | None) -> None:
    assert id_type_in(text) == id_type


def test_slot_buttons_span_half_days() -> None:
    starts = [datetime(2026, 12, day, hour, minute, tzinfo=BEIJING)
              for day in (1, 2) for hour in (9, 10, 14) for minute in (0, 30)]
    assert [s.strftime("%d %H:%M") for s in spread(starts)] == [
        "01 09:00", "01 14:00", "02 09:00", "02 14:00"]
