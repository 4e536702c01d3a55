"""The applicant's name, phone and ID number: checked, kept clear in the draft and masked in the
slots (contract 5). A masked slot whose draft has expired is asked for again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.booking.client import BookingClient
from bot.booking.conversation.draft import DRAFT_MINUTES
from bot.booking.conversation.turn import PERSONAL, FormTurn, Step, document_name
from bot.booking.identity import (
    HONG_KONG,
    MACAU,
    InvalidValue,
    parse_id_number,
    parse_name,
    parse_phone,
)
from bot.catalog.model import Catalog
from bot.privacy import mask, mask_name
from bot.replies import Reply, phrase_data

Validator = Callable[[Catalog | None, BookingClient, FormTurn, Any], Awaitable[Step]]


def expired(turn: FormTurn, skip: set[str]) -> Step:
    """Masked answers whose clear values are gone (the draft expired): ask them again."""
    lost = [slot for slot in PERSONAL
            if slot not in skip and turn.slots.get(slot) and not turn.draft.get(slot)]
    if not lost:
        return Step()
    cleared = {**dict.fromkeys(lost), "booking_confirmed": None, "booking_idempotency_key": None}
    if turn.requested is None:  # a new booking: just ask, nothing was lost from this one
        return Step(cleared)
    return Step(cleared, [Reply(turn.phrases("booking.draft_expired", minutes=DRAFT_MINUTES))])


def _personal(slot: str, parse: Callable[[Catalog | None, FormTurn, str], str], masked: Callable[[str], str],
              reask: Callable[[FormTurn, InvalidValue], Reply]) -> Validator:
    async def check(catalog: Catalog | None, _: BookingClient, turn: FormTurn, value: Any
                    ) -> Step:
        kept = turn.draft.get(slot)
        if kept and value == masked(kept):  # prefilled, unchanged
            return Step({slot: value})
        try:
            clear = parse(catalog, turn, str(value))
        except InvalidValue as invalid:
            if "*" in str(value):  # a masked value whose clear one has expired
                return Step({slot: None}, [Reply(turn.phrases("booking.draft_expired",
                                                              minutes=DRAFT_MINUTES))])
            return Step({slot: None}, [reask(turn, invalid)])
        return Step({slot: masked(clear)}, draft={slot: clear})
    return check


def _phone(catalog: Catalog | None, turn: FormTurn, text: str) -> str:
    region = catalog.regions.get(turn.slots.get("region") or "") if catalog else None
    # a district (元朗) counts as its area (Hong Kong)
    default = {"hong_kong": HONG_KONG, "macau": MACAU}.get(region.area if region else "")
    return parse_phone(text, default).e164


def _id_number(_: Catalog | None, turn: FormTurn, text: str) -> str:
    return parse_id_number(turn.slots.get("id_type") or "", text)


def _simple_reask(turn: FormTurn, invalid: InvalidValue) -> Reply:
    return Reply(turn.phrases(f"booking.{invalid.code}"))


def _id_number_reask(turn: FormTurn, invalid: InvalidValue) -> Reply:
    id_type = turn.slots.get("id_type") or ""
    code = invalid.code if invalid.code == "id_number_checksum" else "id_number_format"
    return Reply(turn.phrases(f"booking.{code}", document=document_name(id_type, turn),
                              example=phrase_data(f"booking.examples.{id_type}")))


def _name_reask(turn: FormTurn, invalid: InvalidValue) -> Reply:
    code = "name_hidden_characters" if invalid.code == "name_hidden_characters" else "name_invalid"
    return Reply(turn.phrases(f"booking.{code}"))


def masked_phone(e164: str) -> str:
    return parse_phone(e164).masked


NAME = _personal("applicant_name", lambda _, __, text: parse_name(text), mask_name, _name_reask)
PHONE = _personal("contact_phone", _phone, masked_phone, _simple_reask)
ID_NUMBER = _personal("id_number", _id_number, mask, _id_number_reask)
