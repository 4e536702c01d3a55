"""What the bot says about call-backs and ratings, decided on plain data (actions/callbacks.py and
actions/feedback.py only carry it to and from Rasa). Wording: bot/messages.yml, "staffdesk"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.booking.conversation.times import slot_title
from bot.booking.identity import InvalidValue, Phone, parse_phone
from bot.booking.schedule import Schedule
from bot.language import EN
from bot.replies import Phrases, Reply, payload, phrase_data
from bot.staff.offer import button as _button
from bot.staff.offer import callback_button
from bot.staff.office_hours import expected_call
from bot.staff.settings import settings
from bot.staff.tables import RATINGS

STOPS = {"deny", "stop", "goodbye"}
RATING_WORDS = {str(score) for score in RATINGS}


def consent_question(language: str) -> Reply:
    phrases = Phrases(language)
    return Reply(phrases("staffdesk.callback_consent", days=settings()["callbacks"]["keep_days"]),
                 [_button(phrases, "consent_yes", payload("affirm")),
                  _button(phrases, "consent_no", payload("deny"))])


def phone_question(language: str) -> Reply:
    phrases = Phrases(language)
    return Reply(phrases("booking.ask_phone"),
                 [_button(phrases, "consent_no", payload("deny"))])


def consent_from(intent: str) -> bool | None:
    return {"affirm": True, **dict.fromkeys(STOPS, False)}.get(intent)


def check_phone(text: str) -> Phone | str:
    """The phone, or the booking wording's key for what is wrong with it."""
    try:
        return parse_phone(text)
    except InvalidValue as invalid:
        return f"booking.{invalid.code}"


def office_hours(table: Schedule, phrases: Phrases) -> str:
    days = sorted(table.working_days)
    names = phrase_data("booking.weekdays")["en" if phrases.language == EN else "zh"]
    if days and days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        day_text = phrases.word("staffdesk.weekday_range", first=names[days[0] - 1],
                                last=names[days[-1] - 1])
    else:
        day_text = phrases.join([names[d - 1] for d in days])
    times = phrases.join([f"{s.start.strftime('%H:%M')}–{s.end.strftime('%H:%M')}"
                          for s in table.sessions])
    return phrases("staffdesk.callback_hours", days=day_text, times=times)


def registered(callback_id: int, masked_phone: str, ahead: int, table: Schedule | None,
               now: datetime, language: str) -> Reply:
    """The request is in the queue: when to expect the call, from the queue and office hours."""
    phrases = Phrases(language)
    lines = [phrases("staffdesk.callback_received", id=callback_id, phone=masked_phone)]
    if table is None:
        lines.append(phrases("staffdesk.callback_no_hours"))
        return Reply("\n".join(lines))
    options = settings()["callbacks"]
    call = expected_call(table, now, ahead, options["minutes_per_call"], options["clerks"])
    minutes = call.minutes_from(now)
    if ahead:
        lines.append(phrases("staffdesk.callback_ahead", ahead=ahead))
    if call.call_by is None:
        lines.append(phrases("staffdesk.callback_no_hours"))
    elif minutes is not None:
        lines.append(phrases("staffdesk.callback_wait_minutes", minutes=minutes))
    else:
        if not call.open_now and call.opens_at:
            lines.append(phrases("staffdesk.callback_office_closed",
                                 opens=slot_title(call.opens_at, phrases)))
        lines.append(phrases("staffdesk.callback_wait_until",
                             when=slot_title(call.call_by, phrases)))
    lines.append(office_hours(table, phrases))
    return Reply("\n".join(lines))


def rating_offer(language: str) -> Reply:
    phrases = Phrases(language)
    return Reply(phrases("staffdesk.rating_offer"), [
        {"title": phrases(f"staffdesk.ratings.{score}"), "payload": payload("rate", rating=str(score))}
        for score in RATINGS])


def rating_from(entities: dict[str, Any]) -> int | None:
    value = entities.get("rating")
    value = value[0] if isinstance(value, list) and value else value
    return int(value) if str(value) in RATING_WORDS else None


def comment_question(language: str) -> Reply:
    phrases = Phrases(language)
    return Reply(phrases("staffdesk.rating_ask_comment"),
                 [_button(phrases, "skip", payload("deny"))])


def after_comment(rating: int | None, commented: bool, language: str) -> list[Reply]:
    """Thanks; after a poor rating with a comment, the offer of a call (issue: 不满意 → queue)."""
    phrases = Phrases(language)
    replies = [Reply(phrases("staffdesk.rating_thanks" if commented else
                             "staffdesk.rating_thanks_short"))]
    if commented and rating is not None and rating <= 2:
        replies.append(Reply(phrases("staffdesk.rating_offer_call"), [
            callback_button(phrases, "rating"),
            _button(phrases, "consent_no", payload("deny"))]))
    return replies
