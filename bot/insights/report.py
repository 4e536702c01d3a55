"""What residents asked, and what the bot could not answer: counts over the stored conversations
(bot.conversations.reading) and the centre's database (outcomes, call-backs, ratings).

Nothing personal leaves here: conversation ids are only counted, texts are masked
(bot.staff.masking) and answers to personal-data questions are never read as questions.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.booking.schedule import BEIJING
from bot.catalog.model import Catalog
from bot.conversations.reading import StoredEvent
from bot.insights.grouping import Asked, Group, group
from bot.language import detect_script
from bot.nlu.reading import UNKNOWN_WORDS
from bot.staff.masking import PERSONAL_SLOTS, mask_text

FALLBACK_INTENT, OUT_OF_SCOPE_INTENT = "nlu_fallback", "out_of_scope"
FALLBACK_ACTIONS = {"action_fallback", "action_default_fallback"}
OUT_OF_SCOPE_ACTIONS = {"action_out_of_scope", "utter_out_of_scope"}
SERVICE_QUESTIONS = {"ask_eligibility", "ask_materials"}
BOOKING_FORM, SUBMIT_BOOKING = "video_booking_form", "action_submit_booking"
FUNNEL = ("started", "slot_chosen", "confirmed", "attended")


@dataclass
class _Turn:
    """A user message and what the bot did until the next one."""

    user: dict[str, Any]
    hidden: bool  # an answer to a question for personal data
    first_reply: float | None = None
    actions: list[str] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    first_day: date
    last_day: date
    messages: int = 0
    messages_per_day: Counter[date] = field(default_factory=Counter)
    conversations_per_day: Counter[date] = field(default_factory=Counter)
    conversations: int = 0
    by_script: Counter[str] = field(default_factory=Counter)
    by_channel: Counter[str] = field(default_factory=Counter)
    intents: Counter[str] = field(default_factory=Counter)
    fallback: int = 0
    out_of_scope: int = 0
    unanswered: list[Group] = field(default_factory=list)
    unknown_services: Counter[str] = field(default_factory=Counter)
    funnel: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FUNNEL, 0))
    booked_references: set[str] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    callbacks: dict[str, Any] = field(default_factory=dict)
    ratings: dict[str, Any] = field(default_factory=dict)

    @property
    def days(self) -> list[date]:
        return [date.fromordinal(n) for n in range(self.first_day.toordinal(),
                                                   self.last_day.toordinal() + 1)]

    def rate(self, count: int) -> float:
        return count / self.messages if self.messages else 0.0

    def latency_percentiles(self) -> dict[str, float]:
        return percentiles(self.latencies)


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    if len(values) == 1:
        return {"p50": values[0], "p90": values[0], "p99": values[0]}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p90": cuts[89], "p99": cuts[98]}


def _day(timestamp: float) -> date:
    return datetime.fromtimestamp(timestamp, BEIJING).date()


class _Reader:
    def __init__(self, report: Report, catalog: Catalog) -> None:
        self.report, self.catalog = report, catalog
        self.unanswered: list[Asked] = []
        self.seen: set[tuple[str, date]] = set()

    def conversation(self, sender_id: str, events: list[dict[str, Any]]) -> None:
        turn: _Turn | None = None
        requested: str | None = None
        stages: set[str] = set()
        after_submit = False
        for event in events:
            kind, name, value = event.get("event"), event.get("name"), event.get("value")
            if kind == "user":
                self._turn(turn, sender_id)
                turn = _Turn(event, hidden=requested in PERSONAL_SLOTS)
                after_submit = False
            elif turn is not None:
                if kind == "bot" and turn.first_reply is None:
                    turn.first_reply = event.get("timestamp")
                elif kind == "action":
                    turn.actions.append(name)
                elif kind == "slot":
                    turn.slots[name] = value
            if kind == "slot" and name == "requested_slot":
                requested = value
            elif kind == "active_loop" and name == BOOKING_FORM:
                stages.add("started")
            elif kind == "slot" and name == "booking_slot" and value:
                stages.add("slot_chosen")
            elif kind == "action" and name == SUBMIT_BOOKING:
                after_submit = True
            elif kind == "slot" and name == "booking_reference" and value and after_submit:
                stages.add("confirmed")
                self.report.booked_references.add(value)
        self._turn(turn, sender_id)
        for stage in stages:
            self.report.funnel[stage] += 1

    def _turn(self, turn: _Turn | None, sender_id: str) -> None:
        if turn is None:
            return
        report, user = self.report, turn.user
        text = user.get("text") or ""
        intent = ((user.get("parse_data") or {}).get("intent") or {}).get("name") or ""
        channel = user.get("input_channel") or "unknown"
        day = _day(user["timestamp"])
        report.messages += 1
        report.messages_per_day[day] += 1
        if (sender_id, day) not in self.seen:
            self.seen.add((sender_id, day))
            report.conversations_per_day[day] += 1
        report.by_script[detect_script(text) or "none"] += 1
        report.by_channel[channel] += 1
        report.intents[intent or "none"] += 1
        if turn.first_reply is not None:
            report.latencies.append(max(0.0, turn.first_reply - user["timestamp"]))
        fallback = intent == FALLBACK_INTENT or bool(FALLBACK_ACTIONS & set(turn.actions))
        out_of_scope = intent == OUT_OF_SCOPE_INTENT or bool(OUT_OF_SCOPE_ACTIONS & set(turn.actions))
        report.fallback += int(fallback)
        report.out_of_scope += int(out_of_scope and not fallback)  # a message counts once
        typed = text and not text.startswith("/") and not turn.hidden
        if typed and (fallback or out_of_scope):
            self.unanswered.append(Asked(mask_text(text), intent, channel, user["timestamp"]))
        if typed and intent in SERVICE_QUESTIONS and not turn.slots.get("service"):
            # the words NLU found no catalog entry for, recorded with the message
            unknown = " ".join((user.get("parse_data") or {}).get(UNKNOWN_WORDS) or ())
            if unknown:
                report.unknown_services[mask_text(unknown)] += 1


def build(events: Iterable[StoredEvent], catalog: Catalog, first_day: date, last_day: date,
          centre: dict[str, Any] | None = None) -> Report:
    """The report over ``events`` (conversation by conversation, in order), with the centre's
    figures (attended references, call-backs, ratings) when given."""
    report = Report(first_day, last_day)
    reader = _Reader(report, catalog)
    current: str | None = None
    batch: list[dict[str, Any]] = []
    senders = set()
    for stored in events:
        if stored.sender_id != current:
            if current is not None:
                reader.conversation(current, batch)
            current, batch = stored.sender_id, []
        batch.append(stored.event)
        if stored.event.get("event") == "user":
            senders.add(stored.sender_id)
    if current is not None:
        reader.conversation(current, batch)
    report.conversations = len(senders)
    report.unanswered = group(reader.unanswered)
    if centre:
        attended = centre.get("attended", set())
        report.funnel["attended"] = len(report.booked_references & attended)
        report.callbacks = centre.get("callbacks", {})
        report.ratings = centre.get("ratings", {})
    return report
