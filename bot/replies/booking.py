"""Wording the 视频办 booking conversation (bot/booking/, the booking track's) needs from the
knowledge base: whether the service can really be done by video, how the clerk will connect, and
the materials to prepare without repeating the ID document the booking already names.

Call ``video_warning`` when the service is chosen and in the confirmation, ``how_clerk_connects``
in the confirmation instead of promising a video call, and ``materials_to_prepare`` for the
"please prepare" line.
"""

from __future__ import annotations

from bot.catalog.model import HONG_KONG, MACAU, Service
from bot.replies import Phrases, phrase_data
from bot.replies.services import brief_materials

# the booking's ID document -> the words that name it in a materials list, and whose it is
DOCUMENT_WORDS_KEY = "booking_documents"


def video_warning(service: Service, phrases: Phrases) -> str | None:
    """A warning when no source confirms the service can be done by video, else None."""
    if service.video_confirmed:
        return None
    name = phrases.text(service.name)
    if service.channels.get("video"):
        return phrases("video_inferred", name=name)
    return phrases("video_unconfirmed", name=name)


def how_clerk_connects(phrases: Phrases) -> str:
    return phrases("how_clerk_connects")


def materials_to_prepare(service: Service, id_type: str, phrases: Phrases) -> str | None:
    """The service's materials for the reader the ID document shows (Hong Kong or Macau),
    without the document the booking already asks for, in brief (the "materials" button has
    them all); None when nothing is left."""
    document = phrase_data(DOCUMENT_WORDS_KEY).get(id_type, {})
    words = document.get("words", [])
    area = document.get("area") if document.get("area") in (HONG_KONG, MACAU) else None
    items = [m for m in service.materials_for(area) if not any(word in m["zh"] for word in words)]
    return phrases("booking_materials", materials=brief_materials(items, phrases)) if items else None
