"""A tracker database with known conversations, written by Rasa's own SQL tracker store, and the
centre's figures that go with it: what the insights report must count exactly."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

REFERENCE = "JM-AAAA-BBBB"


class _Conversation:
    def __init__(self, channel: str, start: datetime) -> None:
        self.channel, self.time, self.events = channel, start.timestamp(), []  # type: list[Event]

    def turn(self, text: str, intent: str, action: str, reply_after: float = 0.5,
             slots: dict[str, Any] | None = None, loop: str | None = None,
             unknown_words: tuple[str, ...] = ()) -> _Conversation:
        """A message as the tracker store keeps it; ``unknown_words``: what NLU recorded as the
        words no catalog entry covers."""
        self.time += 60
        intent_data = {"name": intent, "confidence": 0.9}
        parse_data = {"intent": intent_data, "entities": [], "unknown_words": list(unknown_words)}
        self.events.append(UserUttered(text, intent_data, [], parse_data,
                                       input_channel=self.channel, timestamp=self.time))
        self.events.append(ActionExecuted(action, timestamp=self.time + 0.1))
        if loop:
            self.events.append(ActiveLoop(loop, timestamp=self.time + 0.1))
        for name, value in (slots or {}).items():
            self.events.append(SlotSet(name, value, timestamp=self.time + 0.2))
        self.events.append(BotUttered("…", timestamp=self.time + reply_after))
        self.events.append(ActionExecuted("action_listen", timestamp=self.time + reply_after))
        return self


def conversations(now: datetime) -> dict[str, _Conversation]:
    yesterday, today = now - timedelta(days=1), now - timedelta(hours=1)
    booking = (_Conversation("rest", yesterday)
               .turn("點樣辦物業登記？", "ask_eligibility", "action_answer_eligibility", 0.4,
                     {"service": "property_registration"})
               .turn("我想約視像辦", "book_video_service", "video_booking_form", 0.6,
                     {"requested_slot": "booking_slot"}, loop="video_booking_form")
               .turn("2026-12-03T09:30+08:00", "inform", "video_booking_form", 0.5,
                     {"booking_slot": "2026-12-03T09:30+08:00", "requested_slot": "applicant_name"})
               .turn("陳大文", "inform", "action_submit_booking", 1.0,
                     {"requested_slot": None, "booking_reference": REFERENCE}))
    questions = (_Conversation("socketio", today)
                 .turn("护照怎么办", "ask_eligibility", "action_answer_eligibility", 0.3,
                       unknown_words=("护照",))
                 .turn("今天天气怎么样", "out_of_scope", "action_out_of_scope", 0.2)
                 .turn("我的电话是 +852 9123 4567 请回电", "nlu_fallback", "action_fallback", 0.2))
    wechat = (_Conversation("wechat", today + timedelta(minutes=10))
              .turn("今天天氣怎麼樣？", "out_of_scope", "action_out_of_scope", 0.3)
              .turn("what is the weather like", "nlu_fallback", "action_fallback", 0.2)
              .turn("/human_handoff", "human_handoff", "action_human_handoff", 0.1))
    old = _Conversation("rest", now - timedelta(days=9)).turn("hello", "greet", "utter_greet")
    return {"booking": booking, "questions": questions, "wechat": wechat, "old": old}


def seed_trackers(path: str, now: datetime) -> SQLTrackerStore:
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=path)
    for sender, conversation in conversations(now).items():
        tracker = DialogueStateTracker.from_events(sender, conversation.events)
        asyncio.run(store.save(tracker))
    return store


EXPECTED = {
    "messages": 10, "conversations": 3,
    "by_script": {"zh-Hant": 4, "zh-Hans": 3, "en": 1, "none": 2},
    "by_channel": {"rest": 4, "socketio": 3, "wechat": 3},
    "intents": {"ask_eligibility": 2, "book_video_service": 1, "inform": 2, "out_of_scope": 2,
                "nlu_fallback": 2, "human_handoff": 1},
    "fallback": 2, "out_of_scope": 2,
    "funnel": {"started": 1, "slot_chosen": 1, "confirmed": 1, "attended": 1},
}
