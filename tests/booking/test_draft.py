"""The personal-data draft over both channel-state implementations: memory (make run) and a real
Redis server (the cluster), with its time to live."""

from __future__ import annotations

import pytest
import redis

from bot.booking.conversation.draft import DRAFT_MINUTES, Drafts, new_draft_id
from bot.state import MemoryState, RedisState
from bot.state.redis import KEY_PREFIX


@pytest.fixture(params=["memory", "redis"])
def drafts(request: pytest.FixtureRequest) -> Drafts:
    if request.param == "redis":
        return Drafts(RedisState(request.getfixturevalue("redis_url")))
    return Drafts(MemoryState())


async def test_values_are_kept_changed_and_forgotten(drafts: Drafts) -> None:
    draft_id = new_draft_id()
    assert await drafts.load(draft_id) == {} and await drafts.load(None) == {}
    await drafts.update(draft_id, {"applicant_name": "陳大文", "contact_phone": "+85291234567"})
    await drafts.update(draft_id, {"applicant_name": None, "id_number": "A1234563"})
    assert await drafts.load(draft_id) == {"contact_phone": "+85291234567",
                                           "id_number": "A1234563"}
    await drafts.update(draft_id, {"contact_phone": None, "id_number": None})
    assert await drafts.load(draft_id) == {}


async def test_a_draft_lives_thirty_minutes_in_redis(redis_url: str) -> None:
    draft_id = new_draft_id()
    await Drafts(RedisState(redis_url)).update(draft_id, {"contact_phone": "+85291234567"})
    ttl = redis.Redis.from_url(redis_url).pttl(f"{KEY_PREFIX}booking-draft:{draft_id}")
    assert DRAFT_MINUTES * 60_000 - 5_000 < ttl <= DRAFT_MINUTES * 60_000
