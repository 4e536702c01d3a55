"""Every turn gets an answer (bot.channels.reliable.never_silent): a turn with no reply, or one
that fails part way, ends with the honest apology; a turn that went well gets nothing more."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels import reliable
from bot.dialogue import error_reply

APOLOGY = error_reply("en", "hello").text


def _bot(replies: int, fails: bool) -> Callable[[UserMessage], object]:
    async def bot(message: UserMessage) -> None:
        for n in range(replies):
            await message.output_channel.send_response(message.sender_id, {"text": f"part {n}"})
        if fails:
            raise RuntimeError("the action server went away")

    return bot


@pytest.mark.parametrize(("replies", "fails", "expected"), [
    (2, False, ["part 0", "part 1"]),
    (0, False, [APOLOGY]),
    (0, True, [APOLOGY]),
    (1, True, ["part 0", APOLOGY]),  # half an answer, not saved: say so
])
async def test_a_turn_ends_with_an_answer_or_the_apology(replies: int, fails: bool,
                                                          expected: list[str]) -> None:
    output = CollectingOutputChannel()
    await reliable.never_silent(_bot(replies, fails))(UserMessage("hello", output, "s1"))
    assert [message.get("text") for message in output.messages] == expected
